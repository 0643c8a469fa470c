import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** What an erased number becomes: no key and no input leads back to it. */
export const ERASED_NUMBER = 'erased';
/** Marks a keyed hash where a number was; E.164 numbers start with `+`. */
const PSEUDONYM_PREFIX = 'h:';
/** 18 base64url characters (108 bits): with the prefix it fits the 20 characters of every number column. */
const PSEUDONYM_CHARS = 18;

/**
 * Keyed hashes of phone numbers, for rows that keep their meaning without the
 * number (the send log, codes, deregistered users). The key is derived from
 * CODE_PEPPER for this purpose alone, so a pseudonym cannot be recomputed from
 * the database, nor from a code hash. The app is part of the input: one person's
 * rows in two apps do not link, and an operator holding the number and the key
 * can still find an app's rows of it (an erasure request does).
 */
@Injectable()
export class PhonePseudonyms {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = createHmac('sha256', config.secrets.codePepper).update('passcode/retention/phone-pseudonym/v1').digest();
  }

  /** The number's pseudonym in the app's rows: `h:` and 18 base64url characters. */
  of(appId: string, e164: string): string {
    return PSEUDONYM_PREFIX + this.mac(`${appId}|${e164}`).slice(0, PSEUDONYM_CHARS);
  }

  /** A fingerprint of the number for the audit entry of its erasure: proves which number was erased to someone who has it, shows it to no one. */
  fingerprint(e164: string): string {
    return this.mac(`erasure|${e164}`).slice(0, 22);
  }

  private mac(input: string): string {
    return createHmac('sha256', this.key).update(input, 'utf8').digest('base64url');
  }
}
