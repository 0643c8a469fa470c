import { type Agent as HttpAgent } from 'node:http';
import { Injectable } from '@nestjs/common';
import * as $TencentSms from 'tencentcloud-sdk-nodejs-sms';
import {
  type SmsAccountConnection,
  type SmsDeliveryQuery,
  type SmsDeliveryReport,
  SmsProvider,
  type SmsProviderMessage,
  type SmsProviderOutcome,
} from '../sms-provider.js';
import { TENCENT_DEFAULT_REGION } from './tencent-account.js';
import { TENCENT_REQUEST_HEADERS, tencentAgent } from './tencent-agent.js';
import { tencentCodeOutcome, tencentThrownOutcome } from './tencent-outcome.js';

// The SDK is CommonJS re-exporting through tslib: native ESM sees it under `.default`, the test runner's interop at the top.
type SdkModule = typeof $TencentSms;
const sdk: SdkModule = 'sms' in $TencentSms ? $TencentSms : (($TencentSms as unknown as { default: SdkModule }).default);
const SmsClient = sdk.sms.v20210111.Client;

const DEFAULT_ENDPOINT = 'sms.tencentcloudapi.com';
/** Tencent takes at most 20 PullSmsSendStatusByPhoneNumber calls a second: an instance spaces its own of one account this far apart. */
const PULL_GAP_MS = 50;

/** Tencent Cloud SMS (SendSms, API 2021-01-11) through the official SDK, TC3-HMAC-SHA256 signed. */
@Injectable()
export class TencentSmsProvider extends SmsProvider {
  readonly name = 'tencent' as const;

  /** One SDK client (and kept-alive agent, bounding its answers) per account connection. */
  private readonly clients = new WeakMap<SmsAccountConnection, InstanceType<typeof SmsClient>>();
  /** When each account connection's next pull may go. */
  private readonly nextPull = new WeakMap<SmsAccountConnection, number>();

  private clientFor(account: SmsAccountConnection): InstanceType<typeof SmsClient> {
    let client = this.clients.get(account);
    if (!client) {
      const kept = tencentAgent(account.protocol);
      // node-fetch, under the SDK, follows redirects: a 3xx sent the signed request, credential id and all, wherever it
      // pointed (the SDK passes no redirect option). Its agent may be a function of the URL: only the endpoint's host is served.
      const host = new URL(`${account.protocol}://${account.endpoint ?? DEFAULT_ENDPOINT}`).host;
      const agent = (url: URL) => {
        if (url.host !== host) throw new Error(`the answer redirected to ${url.host}; not followed`);
        return kept;
      };
      client = new SmsClient({
        credential: { secretId: account.credentials!.secret_id, secretKey: account.credentials!.secret_key },
        region: account.settings.region ?? TENCENT_DEFAULT_REGION,
        profile: {
          httpProfile: {
            endpoint: account.endpoint ?? DEFAULT_ENDPOINT,
            protocol: `${account.protocol}://`,
            // Seconds; SmsDeliveryService bounds the call by the account's timeout in milliseconds as well.
            reqTimeout: Math.max(1, Math.ceil(account.timeoutMs / 1000)),
            agent: agent as unknown as HttpAgent,
            headers: { ...TENCENT_REQUEST_HEADERS },
          },
        },
      });
      this.clients.set(account, client);
    }
    return client;
  }

  async send(message: SmsProviderMessage): Promise<SmsProviderOutcome> {
    const { account } = message;
    if (!account.credentials?.secret_id || !account.credentials.secret_key) {
      return { ok: false, error: 'SMS_ACCESS_KEY_NOT_FOUND', transient: false, providerCode: null, providerMessage: 'account has no API key' };
    }
    try {
      const res = await this.clientFor(account).SendSms({
        PhoneNumberSet: [message.phone],
        SmsSdkAppId: account.settings.sdk_app_id,
        TemplateId: message.templateCode,
        ...(message.signName ? { SignName: message.signName } : {}),
        TemplateParamSet: tencentTemplateParams(message.params),
      });
      const status = res.SendStatusSet?.[0];
      const code = status?.Code ?? '';
      if (code === 'Ok') return { ok: true, bizId: status?.SerialNo ?? null, providerCode: 'Ok', providerMessage: status?.Message ?? null };
      // An answer without this number's status cannot say whether it went.
      if (!status) return { ok: false, unknown: true, providerCode: 'EmptyAnswer', providerMessage: 'no SendStatusSet in the answer' };
      return tencentCodeOutcome(code || 'EmptyAnswer', status.Message ?? null);
    } catch (err) {
      return tencentThrownOutcome(err);
    }
  }

  /**
   * The carrier's report of the message (PullSmsSendStatusByPhoneNumber: the
   * number's reports since the send, at most 100, the one with the send's SerialNo):
   * SUCCESS is delivered, FAIL failed with its description (the carrier's code, such
   * as `DELIVRD` or `MK:0001`) and the time the handset got it; none yet is pending.
   */
  override async queryDelivery(query: SmsDeliveryQuery): Promise<SmsDeliveryReport> {
    const { account } = query;
    if (!account.credentials?.secret_id || !account.credentials.secret_key) return { status: 'pending' };
    try {
      await this.paced(account);
      const res = await this.clientFor(account).PullSmsSendStatusByPhoneNumber({
        BeginTime: Math.floor(query.sentAt.getTime() / 1000),
        Offset: 0,
        Limit: 100,
        PhoneNumber: query.phone,
        SmsSdkAppId: account.settings.sdk_app_id,
      });
      const report = res.PullSmsSendStatusSet?.find((s) => s.SerialNo === query.bizId);
      if (report?.ReportStatus !== 'SUCCESS' && report?.ReportStatus !== 'FAIL') return { status: 'pending' };
      const received = report.UserReceiveTime;
      return {
        status: report.ReportStatus === 'SUCCESS' ? 'delivered' : 'failed',
        // Remote text: made fit where outcomes are recorded (SmsReceiptsService.record).
        code: typeof report.Description === 'string' ? report.Description || null : null,
        reportedAt: typeof received === 'number' && Number.isFinite(received) && received > 0 ? new Date(received * 1000) : null,
      };
    } catch {
      return { status: 'pending' };
    }
  }

  /** Waits for the account's next turn to pull ({@link PULL_GAP_MS} after the one before), and takes it. */
  private async paced(account: SmsAccountConnection): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextPull.get(account) ?? 0);
    this.nextPull.set(account, at + PULL_GAP_MS);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}

/**
 * Tencent templates take positional parameters (`{1}`, `{2}` …): parameters named
 * by their position go in that order (a template whose code parameter is `1`);
 * otherwise they go in the order given (the code alone, for verification templates).
 */
export function tencentTemplateParams(params: Readonly<Record<string, string>>): string[] {
  const positional = Object.keys(params).filter((k) => /^\d+$/.test(k));
  if (positional.length) return positional.sort((a, b) => Number(a) - Number(b)).map((k) => params[k]);
  return Object.values(params);
}
