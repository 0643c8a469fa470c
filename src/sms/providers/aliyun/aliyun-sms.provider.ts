import * as $Dysmsapi from '@alicloud/dysmsapi20170525';
import * as $OpenApiCore from '@alicloud/openapi-core';
import { Injectable } from '@nestjs/common';
import { aliyunCodeFailure, aliyunThrownOutcome } from './aliyun-outcome.js';
import { tendSdkAnswers } from './sdk-answers.js';
import {
  type SmsAccountConnection, type SmsDeliveryQuery, type SmsDeliveryReport, SmsProvider, type SmsProviderMessage, type SmsProviderOutcome,
} from '../sms-provider.js';
import { chinaDate, parseChinaTime } from '../china-time.js';

// The SDK is CommonJS with `exports.default = Client`: native ESM sees the client
// at `.default.default`, the test runner's CommonJS interop at `.default`.
type ClientCtor = typeof $Dysmsapi.default.default;
const sdkDefault = $Dysmsapi.default as unknown as ClientCtor | { default: ClientCtor };
const Client: ClientCtor = typeof sdkDefault === 'function' ? sdkDefault : sdkDefault.default;
const { SendSmsRequest, QuerySendDetailsRequest } = $Dysmsapi;
const OpenApiConfig = $OpenApiCore.$OpenApiUtil.Config;

const DEFAULT_ENDPOINT = 'dysmsapi.aliyuncs.com';

/** Aliyun SMS (dysmsapi 2017-05-25) through the official SDK. */
@Injectable()
export class AliyunSmsProvider extends SmsProvider {
  readonly name = 'aliyun' as const;

  /** One SDK client per account connection (SmsDeliveryService keeps a connection per loaded account row). */
  private readonly clients = new WeakMap<SmsAccountConnection, InstanceType<ClientCtor>>();

  constructor() {
    super();
    tendSdkAnswers();
  }

  private clientFor(account: SmsAccountConnection): InstanceType<ClientCtor> {
    let client = this.clients.get(account);
    if (!client) {
      client = new Client(
        new OpenApiConfig({
          accessKeyId: account.credentials!.access_key_id,
          accessKeySecret: account.credentials!.access_key_secret,
          endpoint: account.endpoint ?? DEFAULT_ENDPOINT,
          protocol: account.protocol,
          readTimeout: account.timeoutMs,
          connectTimeout: account.timeoutMs,
        }),
      );
      this.clients.set(account, client);
    }
    return client;
  }

  async send(message: SmsProviderMessage): Promise<SmsProviderOutcome> {
    const { account } = message;
    if (!account.credentials?.access_key_id || !account.credentials.access_key_secret) {
      return { ok: false, error: 'SMS_ACCESS_KEY_NOT_FOUND', transient: false, providerCode: null, providerMessage: 'account has no access key' };
    }
    const client = this.clientFor(account);
    try {
      const res = await client.sendSms(
        new SendSmsRequest({
          phoneNumbers: aliyunPhone(message.phone),
          signName: message.signName,
          templateCode: message.templateCode,
          templateParam: JSON.stringify(message.params),
        }),
      );
      const body = res.body;
      const code = body?.code ?? '';
      if (code === 'OK') return { ok: true, bizId: body?.bizId ?? null, providerCode: 'OK', providerMessage: body?.message ?? null };
      return aliyunCodeFailure(code || 'EmptyAnswer', body?.message ?? null);
    } catch (err) {
      return aliyunThrownOutcome(err);
    }
  }

  /**
   * QuerySendDetails for one message (its number, BizId and send date in China
   * time): SendStatus 3 is delivered, 2 failed (ErrCode is the carrier's code),
   * 1 still awaiting the carrier's report. A failed query leaves it pending.
   */
  override async queryDelivery(query: SmsDeliveryQuery): Promise<SmsDeliveryReport> {
    const { account } = query;
    if (!account.credentials?.access_key_id || !account.credentials.access_key_secret) return { status: 'pending' };
    try {
      const res = await this.clientFor(account).querySendDetails(
        new QuerySendDetailsRequest({
          phoneNumber: aliyunPhone(query.phone),
          bizId: query.bizId,
          sendDate: chinaDate(query.sentAt),
          pageSize: 10,
          currentPage: 1,
        }),
      );
      if (res.body?.code !== 'OK') return { status: 'pending' };
      const detail = res.body.smsSendDetailDTOs?.smsSendDetailDTO?.[0];
      if (!detail || (detail.sendStatus !== 2 && detail.sendStatus !== 3)) return { status: 'pending' };
      return {
        status: detail.sendStatus === 3 ? 'delivered' : 'failed',
        // Remote text: made fit where outcomes are recorded (SmsReceiptsService.record).
        code: typeof detail.errCode === 'string' ? detail.errCode || null : null,
        reportedAt: parseChinaTime(detail.receiveDate),
      };
    } catch {
      return { status: 'pending' };
    }
  }
}

/** Aliyun takes mainland numbers without the country code and others as country code + number, no `+`. */
export function aliyunPhone(e164: string): string {
  return e164.startsWith('+86') ? e164.slice(3) : e164.replace(/^\+/, '');
}
