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
