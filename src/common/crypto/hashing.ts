import { createHmac, hash, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

export function hmacSha256Hex(key: Buffer | string, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

/* crypto.hash is the one-shot form: a third of createHash().update().digest()'s time on a short input. */

export function sha256Hex(data: string): string {
  return hash('sha256', data, 'hex');
}

export function md5Hex(data: string): string {
  return hash('md5', data, 'hex');
}

/**
 * Constant-time string comparison: every code unit of `a` is compared, whatever
 * `b` holds, with no branch on content, so the time tells at most `a`'s length
 * (callers pass the value they computed or stored first). Strings of unequal
 * lengths are unequal. Plain JavaScript on the strings themselves: two Buffers
 * and a native call per comparison cost more than the comparison, and UTF-8
 * made lone surrogates equal to each other (both became U+FFFD).
 */
export function safeEqual(a: string, b: string): boolean {
  // Past b's end charCodeAt gives NaN, which `^` takes as 0; the lengths' difference is counted first.
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A uniformly random string from a CSPRNG, by default over [A-Za-z0-9]. */
export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

/** Password hash for operators: scrypt with a random salt, self-describing. */
export async function hashPassword(password: string): Promise<string> {
  const salt = Buffer.from(randomString(16), 'utf8');
  const hash = await scryptAsync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}
