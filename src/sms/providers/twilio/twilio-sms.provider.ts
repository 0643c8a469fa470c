import { Inject, Injectable } from '@nestjs/common';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { type AppConfig } from '../../../config/app-config.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import { MAX_ANSWER_BYTES } from '../answer-bound.js';
import {
  type SmsAccountConnection,
  type SmsDeliveryQuery,
  type SmsDeliveryReport,
  SmsProvider,
  type SmsProviderMessage,
  type SmsProviderOutcome,
} from '../sms-provider.js';
import { twilioThrownOutcome } from './twilio-outcome.js';
import { twilioCallbackUrl, twilioDeliveryOutcome } from './twilio-receipts.js';
import { sdk, type TwilioSdk } from './twilio-sdk.js';

type TwilioClient = ReturnType<TwilioSdk>;
type RequestOptions<TData> = RequestClient.RequestOptions<TData>;

/**
 * The SDK's own RequestClient (axios, Basic auth, the form body), sending to
 * `origin` in place of https://<product>.twilio.com when the account names an
 * endpoint: a regional or proxied host, or a local fake in tests. Path and query
 * stay the SDK's. Its answers are read up to MAX_ANSWER_BYTES, through axios's own
 * bound on the instance the client exposes (`axios`, whose defaults every request
 * of the SDK takes): axios counts the bytes after inflating (it asks for gzip, br
 * and deflate), so a gzip bomb stops there too, and ends the request, its socket
 * with it, with ERR_BAD_RESPONSE: an answer that cannot be read.
 */
class TwilioRequestClient extends sdk.RequestClient {
  constructor(
    private readonly origin: string | null,
    opts: ConstructorParameters<TwilioSdk['RequestClient']>[0],
  ) {
    super(opts);
    this.axios.defaults.maxContentLength = MAX_ANSWER_BYTES;
  }

  override request<TData>(opts: RequestOptions<TData>) {
    if (this.origin === null) return super.request<TData>(opts);
    const url = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: `${this.origin}${url.pathname}${url.search}` });
  }
}

/**
 * Twilio Programmable Messaging (Messages resource, API 2010-04-01) through the
 * official SDK; the body is Passcode's rendered template. With PUBLIC_URL set,
 * each Message asks for its status callbacks at the account's receipt URL there.
 */
@Injectable()
export class TwilioSmsProvider extends SmsProvider {
  readonly name = 'twilio' as const;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  /** One SDK client (and its kept-alive connections) per account connection. */
  private readonly clients = new WeakMap<SmsAccountConnection, TwilioClient>();

  private clientFor(account: SmsAccountConnection): TwilioClient {
    let client = this.clients.get(account);
    if (!client) {
      const origin = account.endpoint ? `${account.protocol}://${account.endpoint}` : null;
      client = sdk(account.credentials!.account_sid, account.credentials!.auth_token, {
        // No retries inside the SDK: a retried create can send twice; failover is the route planner's.
        autoRetry: false,
        httpClient: new TwilioRequestClient(origin, { timeout: account.timeoutMs, keepAlive: true, autoRetry: false }),
        env: {},
      });
      this.clients.set(account, client);
    }
    return client;
  }

  async send(message: SmsProviderMessage): Promise<SmsProviderOutcome> {
    const { account } = message;
    if (!account.credentials?.account_sid || !account.credentials.auth_token) {
      return { ok: false, error: 'SMS_ACCESS_KEY_NOT_FOUND', transient: false, providerCode: null, providerMessage: 'account has no Auth Token' };
    }
    if (!message.body) {
      return { ok: false, error: 'SMS_TEMPLATE_NOT_FOUND', transient: false, providerCode: null, providerMessage: 'the template has no content to send' };
    }
    const sender = account.settings.messaging_service_sid ? { messagingServiceSid: account.settings.messaging_service_sid } : { from: account.settings.from };
    try {
      const { publicUrl } = this.config.http;
      const callback = publicUrl ? { statusCallback: twilioCallbackUrl(publicUrl, account.id) } : {};
      const msg = await this.clientFor(account).messages.create({ to: message.phone, body: message.body, ...sender, ...callback });
      return { ok: true, bizId: msg.sid ?? null, providerCode: msg.status ?? 'queued', providerMessage: null };
    } catch (err) {
      return twilioThrownOutcome(err);
    }
  }

  /**
   * The Message as Twilio has it now (a fetch by its SID): `delivered` (or `read`)
   * is delivered; `undelivered`, `failed` and `canceled` failed, with the error
   * code (30003: unreachable, 30005: unknown number, …) or else the status as the
   * code; anything else is still on its way. The time is the Message's last update.
   */
  override async queryDelivery(query: SmsDeliveryQuery): Promise<SmsDeliveryReport> {
    const { account } = query;
    if (!account.credentials?.account_sid || !account.credentials.auth_token) return { status: 'pending' };
    try {
      const msg = await this.clientFor(account).messages(query.bizId).fetch();
      const outcome = twilioDeliveryOutcome(msg.status);
      if (!outcome) return { status: 'pending' };
      // Remote text: made fit where outcomes are recorded (SmsReceiptsService.record).
      const code = msg.errorCode ? String(msg.errorCode) : msg.status;
      const reportedAt = msg.dateUpdated instanceof Date && !Number.isNaN(msg.dateUpdated.getTime()) ? msg.dateUpdated : null;
      return { status: outcome, code, reportedAt };
    } catch {
      return { status: 'pending' };
    }
  }
}
