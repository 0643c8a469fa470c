/** A lone half of a surrogate pair: with the `u` flag a well-formed pair reads as one code point, so only an unpaired half is in Cs. */
const UNPAIRED_SURROGATE = /\p{Cs}/u;

/**
 * What in a string Postgres cannot store, if anything: U+0000, which no text
 * value may hold, or an unpaired UTF-16 surrogate, which has no UTF-8 encoding
 * (a text column would get U+FFFD in its place, a jsonb value refuses its
 * `\ud800` escape).
 */
export function unstorableIn(text: string): 'NUL characters' | 'unpaired surrogates' | undefined {
  if (text.includes('\u0000')) return 'NUL characters';
  if (UNPAIRED_SURROGATE.test(text)) return 'unpaired surrogates';
  return undefined;
}

/**
 * Whether `value` has at most `max` characters as Postgres counts them (code
 * points, a surrogate pair being one), without spreading the string when its
 * UTF-16 length already decides.
 */
export function withinChars(value: string, max: number): boolean {
  if (value.length <= max) return true; // never more code points than UTF-16 units
  if (value.length > 2 * max) return false; // never fewer than half as many
  let n = 0;
  for (const _ of value) if (++n > max) return false;
  return true;
}

/** Bidirectional formatting characters, as a character class's contents: they reorder how the text after them is shown (U+202E showed `gnp.exe` as `exe.png`). */
export const BIDI_FORMATTING = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';

/**
 * C0 and C1 control characters but tab and line feed (an ANSI escape from a remote
 * end reached the admin view raw), and bidirectional formatting characters.
 */
const CONTROLS = new RegExp(`[\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F${BIDI_FORMATTING}]`, 'g');

/**
 * Text a remote end wrote (a provider's error code or message, a webhook
 * receiver's answer), made fit to store and show: a string, a number or a boolean
 * as text, anything else none; control and bidirectional formatting characters
 * (NUL among them, which Postgres refuses) as U+FFFD, an unpaired surrogate too, and at most `maxChars`
 * characters (code points, not cut inside a pair). One provider answer with a
 * NUL failed its send with a 500, and every other send written with it.
 */
export function storableText(value: unknown, maxChars: number): string | null {
  if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
  if (typeof value !== 'string') return null;
  let text = value.length > 2 * maxChars ? value.slice(0, 2 * maxChars) : value;
  text = (text as string & { toWellFormed(): string }).toWellFormed().replace(CONTROLS, '\uFFFD');
  if (!withinChars(text, maxChars)) text = Array.from(text).slice(0, maxChars).join('');
  return text;
}

/** A provider's id of a message (a BizId, a SerialNo, a sid) as stored and matched: 1 to 128 printable ASCII characters, else none. */
export function storableId(value: unknown): string | null {
  return typeof value === 'string' && /^[\x21-\x7e]{1,128}$/.test(value) ? value : null;
}
