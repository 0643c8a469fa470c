import { Injectable } from '@nestjs/common';
import { type SmsProviderName } from '../sms-account.entity.js';
import { AliyunSmsProvider } from './aliyun-sms.provider.js';
import { ConsoleSmsProvider } from './console-sms.provider.js';
import { type SmsProvider } from './sms-provider.js';

/** The provider implementation of an account's `provider` name. Tests override the implementations, not this. */
@Injectable()
export class SmsProviderRegistry {
  private readonly byName: Record<SmsProviderName, SmsProvider>;

  constructor(consoleProvider: ConsoleSmsProvider, aliyun: AliyunSmsProvider) {
    this.byName = { console: consoleProvider, aliyun };
  }

  get(name: SmsProviderName): SmsProvider {
    return this.byName[name];
  }

  /** The providers that can say what became of a sent message (they implement queryDelivery). */
  tracking(): SmsProviderName[] {
    return (Object.keys(this.byName) as SmsProviderName[]).filter((name) => this.byName[name].queryDelivery !== undefined);
  }
}
