import type { Scene } from '../common/scenes.js';
import type { NewSmsMessage } from './sms-message.entity.js';

export interface SmsSendRequest {
  appId: string;
  scene: Scene;
  /** E.164, already validated (`+8618518768888`). */
  phone: string;
  /** The phone's ISO 3166-1 region (`CN`), when known: a label of the send metrics. */
  country?: string;
  /** Template parameters; verification templates take the code, e.g. `{ code: '123456' }`. */
  params: Record<string, string>;
  /** The language the caller asked for (BCP 47), where its dialect has a parameter for it. */
  locale?: string;
  /** Who asked, for the send log: `v1`, `authing`, `enduser`, `oauth`, `admin-test`. */
  origin: string;
}

export interface SmsSendResult {
  /** The send-log row of the attempt that succeeded. */
  messageId: string;
  provider: string;
  /** The provider's message id, when it gives one. */
  bizId: string | null;
  /**
   * `sent`: the provider accepted the message. `unknown`: the provider may have
   * (no answer in time, a connection lost after the request was written); the
   * message may arrive, so the send counts as made (DESIGN §8).
   */
  status: 'sent' | 'unknown';
}

/**
 * One message on its way, its route resolved. The first attempt's send-log row is
 * written before the provider is called: by the caller, in a statement of its own
 * transaction ({@link firstRow}, then {@link recorded}; the send of a code writes
 * it with the code, so the two commit together or not at all), or by
 * {@link record}. Then {@link deliver} calls the provider.
 */
export interface SmsDelivery {
  /** The first attempt's send-log row (`sending`), for a caller that writes it itself (sms-log.statements.ts `insertMessageSql`). */
  readonly firstRow: NewSmsMessage;
  /** Tells the id the caller's statement gave {@link firstRow}. */
  recorded(id: string): void;
  /** Writes {@link firstRow} in a statement of its own. Call this or {@link recorded} once, before deliver. */
  record(): Promise<void>;
  /**
   * Calls the provider, outside any transaction, failing over once on a transient
   * refusal and never on an unknown outcome, and completes the send log. An unknown
   * outcome resolves with `status: 'unknown'`; a throw means no message can have left
   * the provider (SMS_ACCESS_KEY_NOT_FOUND, SMS_TEMPLATE_NOT_FOUND,
   * SMS_SIGNATURE_NOT_FOUND, SMS_PROVIDER_REJECTED, SMS_PHONE_REJECTED,
   * SMS_PROVIDER_RATE_LIMITED, SMS_PROVIDER_FAILED).
   */
  deliver(): Promise<SmsSendResult>;
}

/**
 * Sends SMS for an app and scene through the app's configured account, template
 * and signature, recording every attempt in the send log.
 */
export abstract class SmsSender {
  /**
   * Resolves the app's route for the scene and checks that what it names is
   * enabled; reads only, but for the send-log row of a refusal. Throws
   * DomainError: SMS_NOT_CONFIGURED, SMS_TEMPLATE_NOT_FOUND,
   * SMS_SIGNATURE_NOT_FOUND, SMS_ACCOUNT_NOT_FOUND, SMS_ACCOUNT_DISABLED,
   * SMS_TEMPLATE_DISABLED, SMS_SIGNATURE_DISABLED.
   */
  abstract prepare(request: SmsSendRequest): Promise<SmsDelivery>;

  /** Sends one message: {@link prepare}, its row, {@link SmsDelivery.deliver}. Never call it inside a database transaction. */
  async send(request: SmsSendRequest): Promise<SmsSendResult> {
    const delivery = await this.prepare(request);
    await delivery.record();
    return delivery.deliver();
  }
}
