import { type ErrorName } from '../../common/errors/error-registry.js';
import { type SmsProviderName } from '../sms-account.entity.js';

/** What a provider needs of an account, credentials decrypted. Lives only for one send. */
export interface SmsAccountConnection {
  id: string;
  provider: SmsProviderName;
  accessKeyId: string | null;
  accessKeySecret: string | null;
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
  /** The template content rendered with the params, when the template has content. */
  text?: string;
}

/** How one provider call ended. Providers answer, they do not throw. */
export type SmsProviderOutcome =
  | { ok: true; bizId: string | null; providerCode: string | null; providerMessage: string | null }
  | {
      ok: false;
      error: ErrorName;
      /** Timeouts, 5xx, throttling, system errors: another account may succeed. */
      transient: boolean;
      providerCode: string | null;
      providerMessage: string | null;
    };

/** One vendor's way of sending a message (the network edge; tests replace it). */
export abstract class SmsProvider {
  abstract readonly name: SmsProviderName;
  abstract send(message: SmsProviderMessage): Promise<SmsProviderOutcome>;
}
