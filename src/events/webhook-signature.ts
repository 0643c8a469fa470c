import { createHmac, randomBytes } from 'node:crypto';

/** The prefix Standard Webhooks puts before a base64 signing secret. */
const SECRET_PREFIX = 'whsec_';
/** 24 random bytes, as the Standard Webhooks reference libraries generate. */
const SECRET_BYTES = 24;

/** A new signing secret: `whsec_` and base64 of random bytes. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The `webhook-signature` header of Standard Webhooks: `v1,` and the base64
 * HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed by the secret's bytes.
 */
export function signWebhook(secret: string, id: string, timestampS: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64')}`;
}
