import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DomainError } from '../../common/errors/domain-error.js';
import { type AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { siteverifyUrl, type TokenProvider } from './challenge-provider.js';

/** A siteverify answer is a few hundred bytes; anything past this is not one (and is not read further). */
export const SITEVERIFY_MAX_BYTES = 16 * 1024;

/**
 * Error codes meaning the vendor refused *us* (our secret, our request) or failed
 * itself, not the user's token: the user cannot fix them by solving again, so they
 * answer CAPTCHA_UNAVAILABLE and are logged for the operator.
 */
const NOT_THE_TOKENS_FAULT: ReadonlySet<string> = new Set(['missing-input-secret', 'invalid-input-secret', 'sitekey-secret-mismatch', 'invalid-sitekey', 'bad-request', 'internal-error']);

export interface SiteverifyRequest {
  secret: string;
  token: string;
  /** The end user's IP, as Passcode resolved it (TRUST_PROXY); omitted when unknown. */
  remoteIp: string | null;
  /** hCaptcha checks the token was issued for this site key when it is sent. */
  siteKey: string | null;
}

/** What a vendor said of a token, its fields checked for type (unknown fields ignored: vendors add them). */
export interface SiteverifyAnswer {
  success: boolean;
  errorCodes: string[];
  hostname: string | null;
  action: string | null;
  score: number | null;
}

/**
 * The network edge of Turnstile, hCaptcha and reCAPTCHA: one form POST to the
 * vendor's siteverify (the three share the protocol), bounded in time
 * (CAPTCHA_VERIFY_TIMEOUT_MS) and in size ({@link SITEVERIFY_MAX_BYTES}), its JSON
 * parsed strictly. Whatever keeps it from a clear verdict is CAPTCHA_UNAVAILABLE.
 */
@Injectable()
export class SiteverifyClient {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('SiteverifyClient');
  }

  /** The vendor's verdict on a token; CAPTCHA_UNAVAILABLE when there is none to be had (logged, never the secret or the token). */
  async verify(provider: TokenProvider, req: SiteverifyRequest): Promise<SiteverifyAnswer> {
    const form = new URLSearchParams({ secret: req.secret, response: req.token });
    if (req.remoteIp) form.set('remoteip', req.remoteIp);
    if (provider === 'hcaptcha' && req.siteKey) form.set('sitekey', req.siteKey);
    const timeoutMs = this.config.captcha.verifyTimeoutMs;
    let answer: SiteverifyAnswer;
    try {
      const res = await fetch(siteverifyUrl(this.config, provider), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        // A redirect is no verdict; following it would send the secret where no operator configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        return this.unavailable(provider, `HTTP ${res.status}`);
      }
      const parsed = parseAnswer(await readBounded(res, SITEVERIFY_MAX_BYTES));
      if (typeof parsed === 'string') return this.unavailable(provider, parsed);
      answer = parsed;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return this.unavailable(provider, e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message));
    }
    const ours = answer.errorCodes.filter((c) => NOT_THE_TOKENS_FAULT.has(c));
    if (!answer.success && ours.length) return this.unavailable(provider, `refused our request: ${ours.join(', ')}`);
    return answer;
  }

  private unavailable(provider: TokenProvider, reason: string): never {
    this.logger.warn({ provider, reason: reason.slice(0, 200) }, 'captcha verification unavailable');
    throw new DomainError('CAPTCHA_UNAVAILABLE');
  }
}

/** The body as UTF-8, or an error when it is longer than `max` bytes (reading stops there). */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) throw new Error(`answer longer than ${max} bytes`);
      chunks.push(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The answer, or why it is not a siteverify answer. */
export function parseAnswer(text: string): SiteverifyAnswer | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'answer is not JSON';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'answer is not a JSON object';
  const o = body as Record<string, unknown>;
  if (typeof o.success !== 'boolean') return 'answer has no boolean "success"';
  const codes = o['error-codes'] ?? [];
  if (!Array.isArray(codes) || !codes.every((c) => typeof c === 'string')) return '"error-codes" is not a list of strings';
  const optionalString = (k: string) => o[k] === undefined || o[k] === null || typeof o[k] === 'string';
  if (!optionalString('hostname')) return '"hostname" is not a string';
  if (!optionalString('action')) return '"action" is not a string';
  const score = o.score ?? null;
  if (score !== null && (typeof score !== 'number' || !(score >= 0 && score <= 1))) return '"score" is not a number in [0, 1]';
  return {
    success: o.success,
    errorCodes: codes as string[],
    hostname: (o.hostname as string | null | undefined) ?? null,
    action: (o.action as string | null | undefined) ?? null,
    score: score as number | null,
  };
}
