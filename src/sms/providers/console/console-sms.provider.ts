import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { maskPhone } from '../../../common/phone/phone.js';
import { type AppConfig } from '../../../config/app-config.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import { SmsProvider, type SmsProviderMessage, type SmsProviderOutcome } from '../sms-provider.js';

/**
 * The embedded default: writes the message to the log instead of sending it. In
 * production the parameter values (the code) are masked; elsewhere they are shown
 * so a developer can log in.
 */
@Injectable()
export class ConsoleSmsProvider extends SmsProvider {
  readonly name = 'console' as const;

  constructor(
    private readonly logger: PinoLogger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
    this.logger.setContext('ConsoleSms');
  }

  async send(message: SmsProviderMessage): Promise<SmsProviderOutcome> {
    const reveal = this.config.env !== 'production';
    const params = reveal ? message.params : Object.fromEntries(Object.keys(message.params).map((k) => [k, '****']));
    const text = message.text && reveal ? message.text : undefined;
    this.logger.info(
      { phone: maskPhone(message.phone), sign_name: message.signName, template_code: message.templateCode, params, text },
      'console SMS',
    );
    return { ok: true, bizId: null, providerCode: 'OK', providerMessage: null };
  }
}
