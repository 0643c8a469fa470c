import { type ErrorName } from '../../common/errors/error-registry.js';
import { type SmsProviderName } from '../sms-account.entity.js';

/** What a provider needs of an account, credentials decrypted. Lives only for one send. */
export interface SmsAccountConnection {
  id: string;
  provider: SmsProviderName;
  /** The provider type's credentials (PROVIDER_ACCOUNTS), null when the account has none. */
  credentials: Readonly<Record<string, string>> | null;
  /** The provider type's settings. */
  settings: Readonly<Record<string, string>>;
  /** host[:port] in place of the provider's own; null for the provider's. */
  endpoint: string | null;
  protocol: 'http' | 'https';
  /** Bound of the whole provider call, connect + read. */
  timeoutMs: number;
}

export interface SmsProviderMessage {
  account: SmsAccountConnection;
  /** E.164. */
  phone: string;
  signName: string;
  templateCode: string;
  params: Record<string, string>;
  /** The template content rendered with the params, signed (`【sign】…`), when the template has content: what the console shows. */
  text?: string;
  /** The template content rendered with the params, unsigned, when the template has content: the body a provider without templates sends (Twilio). */
  body?: string;
}

/**
 * How one provider call ended (DESIGN §8). Providers answer, they do not throw.
 * - accepted (`ok: true`): the provider took the message.
 * - refused (`ok: false`): the provider said no, or the request never reached it
 *   (a refused or timed-out connect): no message can have left, so the send's
 *   limits may be given back and a transient refusal may fail over.
 * - unknown (`ok: false, unknown: true`): the request may have reached the provider
 *   and no answer says what it did (a read timeout, a connection reset after the
 *   request was written, an answer that cannot be read). The message may arrive:
 *   nothing is given back and nothing fails over, so no second SMS is sent.
 */
export type SmsProviderOutcome = SmsAccepted | SmsRefused | SmsOutcomeUnknown;

export interface SmsAccepted {
  ok: true;
  bizId: string | null;
  providerCode: string | null;
  providerMessage: string | null;
}

export interface SmsRefused {
  ok: false;
  unknown?: false;
  error: ErrorName;
  /** 5xx, throttling, system errors, no connection: another account may succeed. */
  transient: boolean;
  providerCode: string | null;
  providerMessage: string | null;
}

export interface SmsOutcomeUnknown {
  ok: false;
  unknown: true;
  providerCode: string | null;
  providerMessage: string | null;
}

/**
 * DESIGN §8's classes of a refusal: the number (refused, or rate-limited by the
 * provider), the account (credentials, sign name, template, balance, quotas), or a
 * transient refusal (5xx, throttling, no connection).
 */
export type SmsRefusalClass = 'refused_for_number' | 'rate_limited' | 'account' | 'transient';

/** The class of a refusal, from its domain error and whether it is transient. */
export function refusalClass(r: SmsRefused): SmsRefusalClass {
  if (r.transient) return 'transient';
  if (r.error === 'SMS_PHONE_REJECTED') return 'refused_for_number';
  if (r.error === 'SMS_PROVIDER_RATE_LIMITED') return 'rate_limited';
  return 'account';
}

/**
 * Whether a send refused so may be tried through another account: when the
 * account or the provider's moment was at fault. A number refused or limited is
 * not passed on (another provider would only be asked to send what the first
 * judged unwanted: the SMS-pumping defence holds), and an unknown outcome is no
 * refusal at all.
 */
export function mayFailOver(r: SmsRefused): boolean {
  const c = refusalClass(r);
  return c === 'account' || c === 'transient';
}

/** Which message a delivery query asks about. */
export interface SmsDeliveryQuery {
  account: SmsAccountConnection;
  /** E.164. */
  phone: string;
  /** The provider's message id of the send. */
  bizId: string;
  /** When it was sent (the provider files its records by send date). */
  sentAt: Date;
}

/**
 * What a provider says happened to a message: still `pending` (or it does not know
 * the message yet), `delivered` or `failed` with the carrier's code and the time of
 * its report. Providers answer, they do not throw; a failed query is `pending`.
 */
export type SmsDeliveryReport =
  | { status: 'pending' }
  | { status: 'delivered' | 'failed'; code: string | null; reportedAt: Date | null };

/** One vendor's way of sending a message (the network edge; tests replace it). */
export abstract class SmsProvider {
  abstract readonly name: SmsProviderName;
  abstract send(message: SmsProviderMessage): Promise<SmsProviderOutcome>;

  /** Asks what became of a sent message, for providers that can say (DeliveryPoller); null for those that cannot. */
  queryDelivery?(query: SmsDeliveryQuery): Promise<SmsDeliveryReport>;
}
