import { Inject, Injectable } from '@nestjs/common';
import { SecretBox } from '../common/crypto/secret-box.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type SmsAccountConnection } from './providers/sms-provider.js';
import { type SmsAccountEntity } from './sms-account.entity.js';
import { credentialsAad, type SmsCredentials } from './sms-credentials.js';

/**
 * An account row's connection, its credentials decrypted once per loaded row
 * (cached routes reuse the row; a changed account is a new row). Sends and
 * delivery polls share it.
 */
@Injectable()
export class SmsConnections {
  private readonly connections = new WeakMap<SmsAccountEntity, SmsAccountConnection>();

  constructor(
    private readonly box: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The account's connection; throws when its credentials do not decrypt. */
  get(account: SmsAccountEntity): SmsAccountConnection {
    let connection = this.connections.get(account);
    if (!connection) {
      connection = this.open(account);
      this.connections.set(account, connection);
    }
    return connection;
  }

  private open(account: SmsAccountEntity): SmsAccountConnection {
    const creds = account.credentialsEnc
      ? (JSON.parse(this.box.decrypt(account.credentialsEnc, credentialsAad(account.id))) as SmsCredentials)
      : null;
    return {
      id: account.id,
      provider: account.provider,
      credentials: creds,
      settings: account.settings ?? {},
      endpoint: account.endpoint,
      protocol: account.protocol,
      timeoutMs: account.timeoutMs ?? this.config.sms.timeoutMs,
    };
  }
}
