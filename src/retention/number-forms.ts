import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** What stands where a remote end's text quoted the number it was about (as the request log writes a token). */
export const NUMBER_MARK = '~';

/**
 * The ways a remote end's text quotes an E.164 number, longest first so that
 * replacing them in order leaves no part of a longer one: as is
 * (`+8613957246813`, Twilio's error messages), its digits (`8613957246813`) and
 * its national significant number (`13957246813`). A number libphonenumber cannot
 * split has its digits in the last place too.
 */
export function numberForms(e164: string): [e164: string, digits: string, national: string] {
  const digits = e164.replace(/^\+/, '');
  return [e164, digits, parsePhoneNumberFromString(e164)?.nationalNumber ?? digits];
}

/**
 * A provider's or a webhook receiver's text with every form of the number it
 * was about replaced by {@link NUMBER_MARK}: the row holding the text is
 * pseudonymised or erased by its number column alone, and the text must not keep
 * the number behind. Non-text is given back as it is, for storableText to judge.
 */
export function maskNumber<T>(text: T, e164: string): T {
  // Each form ends with the number's last digits: a text without them (most are) is spared the parse.
  if (typeof text !== 'string' || !e164.startsWith('+') || !text.includes(e164.slice(-4))) return text;
  let masked: string = text;
  for (const form of numberForms(e164)) masked = masked.replaceAll(form, NUMBER_MARK);
  return masked as T;
}

/**
 * SQL for `column` with the number's forms (the SQL of each, in
 * {@link numberForms}'s order) replaced by {@link NUMBER_MARK}: what
 * {@link maskNumber} does, for rows written before it did.
 */
export function maskNumberSql(column: string, forms: [string, string, string]): string {
  return forms.reduce((sql, form) => `replace(${sql}, ${form}, '${NUMBER_MARK}')`, column);
}
