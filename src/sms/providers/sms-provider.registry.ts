import { Injectable } from '@nestjs/common';
import { type SmsProviderName } from '../sms-account.entity.js';
import { AliyunSmsProvider } from './aliyun/aliyun-sms.provider.js';
import { ConsoleSmsProvider } from './console/console-sms.provider.js';
import { type SmsProvider } from './sms-provider.js';
import { TencentSmsProvider } from './tencent/tencent-sms.provider.js';
import { TwilioSmsProvider } from './twilio/twilio-sms.provider.js';

/** The provider implementation of an account's `provider` name. Tests override the implementations, not this. */
@Injectable()
export class SmsProviderRegistry {
  private readonly byName: Record<SmsProviderName, SmsProvider>;

  constructor(consoleProvider: ConsoleSmsProvider, aliyun: AliyunSmsProvider, tencent: TencentSmsProvider, twilio: TwilioSmsProvider) {
    this.byName = { console: consoleProvider, aliyun, tencent, twilio };
  }

  get(name: SmsProviderName): SmsProvider {
    return this.byName[name];
  }

  /** The providers that can say what became of a sent message (they implement queryDelivery). */
  tracking(): SmsProviderName[] {
    return (Object.keys(this.byName) as SmsProviderName[]).filter((name) => this.byName[name].queryDelivery !== undefined);
  }
}
