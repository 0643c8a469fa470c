import type { Scene } from '../common/scenes.js';

export interface SmsSendRequest {
  appId: string;
  scene: Scene;
  /** E.164, already validated (`+8618518768888`). */
  phone: string;
  /** Template parameters; verification templates take the code, e.g. `{ code: '123456' }`. */
  params: Record<string, string>;
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
 * Sends one SMS for an app and scene through the app's configured account,
 * template and signature (failing over once on a transient refusal, never on an
 * unknown outcome), and records every attempt in the send log. Never call it
 * inside a database transaction. An unknown outcome resolves with `status:
 * 'unknown'`; a throw means no message can have left the provider.
 *
 * Throws DomainError: SMS_NOT_CONFIGURED, SMS_ACCESS_KEY_NOT_FOUND,
 * SMS_TEMPLATE_NOT_FOUND, SMS_SIGNATURE_NOT_FOUND, SMS_ACCOUNT_DISABLED,
 * SMS_TEMPLATE_DISABLED, SMS_SIGNATURE_DISABLED, SMS_PROVIDER_REJECTED,
 * SMS_PHONE_REJECTED, SMS_PROVIDER_RATE_LIMITED, SMS_PROVIDER_FAILED.
 */
export abstract class SmsSender {
  abstract send(request: SmsSendRequest): Promise<SmsSendResult>;
}
