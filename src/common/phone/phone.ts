import { type NumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { LRUCache } from 'lru-cache';
import { DomainError } from '../errors/domain-error.js';

export interface ParsedPhone {
  /** `+8618518768888`: the identity of a number everywhere in Passcode. */
  e164: string;
  /** `+86` */
  mcode: string;
  /** National significant number, `18518768888`. */
  national: string;
  /** ISO 3166-1 alpha-2 region, when known (`CN`). */
  region?: string;
  /**
   * What the numbering plan says the number is (libphonenumber's type, full
   * metadata): `MOBILE`, `FIXED_LINE_OR_MOBILE` where the plan cannot tell,
   * `PREMIUM_RATE`, `TOLL_FREE`… Which types may receive a code is the app's
   * policy (`code_policy.refused_number_types`), asked on every send.
   */
  type: PhoneNumberType;
}

/** libphonenumber's number types (a valid number always has one with the full metadata). */
export type PhoneNumberType = NonNullable<NumberType>;

export type PhoneProblem = 'mcode_invalid' | 'mobile_invalid';

export class PhoneParseError extends Error {
  constructor(readonly problem: PhoneProblem) {
    super(problem === 'mcode_invalid' ? 'mcode must be valid' : 'mobile must be valid');
  }
}

const MCODE = /^\+[1-9]\d{0,2}$/;
/** Already normal: an optional `+` and ASCII digits (how almost every request spells a number). */
const PLAIN = /^\+?[0-9]*$/;

/**
 * Normalizes what users type to ASCII digits: full-width forms (NFKC) and the two
 * Arabic-Indic digit sets become 0-9; spaces, dots, hyphens and parentheses are
 * dropped. Anything else left over makes the number invalid, so one number can
 * never be spelled two ways into two accounts.
 */
export function normalizeDigits(raw: string): string {
  if (PLAIN.test(raw)) return raw;
  return raw
    .normalize('NFKC')
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\s.\-()]/g, '');
}

/**
 * Seed 003's `internationalCode` is a query parameter with no stated format, and
 * callers write +86 as `+86`, `86`, `0086` or ` 86` (an unencoded `+` in a query
 * reads as a space). Each becomes `+86`; anything else is returned as sent, for
 * {@link parsePhone} to refuse.
 */
export function lenientCallingCode(raw: string): string {
  const digits = /^(?:\+|00)?([1-9]\d{0,2})$/.exec(normalizeDigits(raw.trim()));
  return digits ? `+${digits[1]}` : raw;
}

/**
 * A `+` sent unencoded in a form body or a query string decodes as a space, so
 * `mcode=+86` arrives as ` 86`. A dialling code cannot start with a space, so a
 * single leading space before its digits is read as that `+`; anything else is
 * returned as sent (v1 still refuses `86` and `0086`, unlike {@link lenientCallingCode}).
 */
export function unencodedPlus(raw: string): string {
  return /^ [0-9]{1,3}$/.test(raw) ? `+${raw.slice(1)}` : raw;
}

/** Validates an international dialling code as the seeds write it: `+` and 1-3 digits. */
export function isValidMcode(mcode: string): boolean {
  return MCODE.test(normalizeDigits(mcode));
}

/**
 * Parses `mcode` + `mobile` into E.164 and checks that it is a valid number of
 * its plan, and tells its type. Whether a number of that type may receive a code
 * is the app's policy, not the parser's (src/fraud/number-type-policy.ts).
 * `mobile` may itself start with `+`, in which case `mcode` must agree with it.
 */
export function parsePhone(mcode: string | undefined, mobile: string): ParsedPhone {
  const code = normalizeDigits(mcode ?? '+86');
  if (!MCODE.test(code)) throw new PhoneParseError('mcode_invalid');
  let digits = normalizeDigits(mobile);
  if (digits.startsWith('+')) {
    if (!digits.startsWith(code)) throw new PhoneParseError('mobile_invalid');
    digits = digits.slice(code.length);
  }
  if (!/^\d{4,15}$/.test(digits)) throw new PhoneParseError('mobile_invalid');
  const key = `${code}|${digits}`;
  let known = recent.get(key);
  if (known === undefined) {
    known = classify(code, digits);
    recent.set(key, known);
  }
  if (typeof known === 'string') throw new PhoneParseError(known);
  return known;
}

/**
 * How many numbers {@link parsePhone} remembers (about 260 bytes each, 13 MB in
 * all): every number sent a code in the last five minutes (a code's default
 * life) at 160 sends a second.
 */
export const PHONES_REMEMBERED = 50_000;

/**
 * Numbers seen lately, as libphonenumber judged them: the number a code is sent
 * to comes back for the check and the login, and judging it (about 14 µs) is the
 * costliest step of a v1 check. The least recently asked goes first.
 */
const recent = new LRUCache<string, Readonly<ParsedPhone> | PhoneProblem>({ max: PHONES_REMEMBERED });

function classify(code: string, digits: string): Readonly<ParsedPhone> | PhoneProblem {
  const parsed = parsePhoneNumberFromString(`${code}${digits}`);
  if (!parsed || parsed.countryCallingCode !== code.slice(1)) return 'mcode_invalid';
  // With the max metadata a number has a type only if it is valid (isValid() is getType() !== undefined).
  const type = parsed.getType();
  if (type === undefined) return 'mobile_invalid';
  return Object.freeze({ e164: parsed.number, mcode: code, national: parsed.nationalNumber, region: parsed.country, type });
}

/** `+86185****8888`: what logs may show of a number. */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return phone.replace(/\d(?=\d{2})/g, '*');
  return `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}`;
}

/**
 * For APIs that take one phone field: `+<country code><number>`, or a national
 * number of the default region (`+86` unless told otherwise).
 */
export function parsePhoneField(mobile: string, defaultMcode = '+86'): ParsedPhone {
  const digits = normalizeDigits(mobile);
  if (!digits.startsWith('+')) return parsePhone(defaultMcode, mobile);
  const parsed = parsePhoneNumberFromString(digits);
  if (!parsed) throw new PhoneParseError('mobile_invalid');
  return parsePhone(`+${parsed.countryCallingCode}`, digits);
}

/**
 * {@link parsePhone} (or {@link parsePhoneField} without an mcode) for request
 * input: a bad number is a VALIDATION_FAILED naming the request's own field.
 */
export function parsePhoneInput(
  mcode: string | undefined,
  mobile: string,
  names: { mcode: string; mobile: string } = { mcode: 'mcode', mobile: 'mobile' },
): ParsedPhone {
  try {
    return mcode === undefined ? parsePhoneField(mobile) : parsePhone(mcode, mobile);
  } catch (err) {
    if (!(err instanceof PhoneParseError)) throw err;
    const field = err.problem === 'mcode_invalid' ? names.mcode : names.mobile;
    throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isPhone', message: `${field} must be valid` });
  }
}
