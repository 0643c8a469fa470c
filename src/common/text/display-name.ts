import { ValidateBy } from 'class-validator';
import { BIDI_FORMATTING } from './storable-text.js';

/** Bidirectional formatting characters ({@link BIDI_FORMATTING}). */
const BIDI_CONTROLS = new RegExp(`[${BIDI_FORMATTING}]`, 'u');

/** Control characters (a newline, a bell…), which have no place in a name. */
const CONTROLS = /\p{Cc}/u;

/** A character a reader sees: not a space, not a control or format character (U+200B and its kin show nothing). */
const VISIBLE = /[^\s\p{Z}\p{Cc}\p{Cf}]/u;

/**
 * A name people pick things by, in the console and in logs: something visible,
 * without control characters or bidirectional formatting. A tenant's admin named
 * an app with U+200B alone (an empty, unclickable link in the owner's list) or
 * with U+202E (shown reversed). Joiners and other format characters stay allowed
 * inside a visible name (an emoji sequence holds U+200D).
 */
export function IsDisplayName() {
  return ValidateBy({
    name: 'isDisplayName',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && VISIBLE.test(value) && !CONTROLS.test(value) && !BIDI_CONTROLS.test(value),
      defaultMessage: (args) => `${args?.property ?? 'name'} must show a visible character, without control or bidirectional formatting characters`,
    },
  });
}
