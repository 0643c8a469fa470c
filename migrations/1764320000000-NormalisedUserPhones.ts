// Users' mcode and mobile (and unredeemed update-phone tokens') become the normalised calling code and national number of their E.164 number, whatever the client typed.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A table holding a number three ways: E.164, and the mcode and mobile shown to clients. */
interface PhoneColumns {
  table: string;
  key: string;
  keyType: string;
  e164: string;
  mcode: string;
  mobile: string;
}

const TABLES: PhoneColumns[] = [
  { table: 'users', key: 'id', keyType: 'bigint', e164: 'phone_e164', mcode: 'mcode', mobile: 'mobile' },
  { table: 'update_phone_tokens', key: 'token_hash', keyType: 'text', e164: 'new_phone_e164', mcode: 'new_mcode', mobile: 'new_mobile' },
];

const BATCH = 500;

/**
 * Until now `mcode`/`mobile` kept what the client typed (`139-1234-5671`,
 * `+8613912345670`, `＋86`) while `phone_e164` kept the parsed number. The split is
 * exact: E.164 is `+` calling code + national number, calling codes are
 * prefix-free (ITU E.164), and the national number stored from now on is the
 * rest of the same string. A row already normal is not touched; a number that
 * cannot be split (none is expected: every one was parsed on the way in) is left
 * as it was.
 */
export class NormalisedUserPhones1764320000000 implements MigrationInterface {
  name = 'NormalisedUserPhones1764320000000';

  async up(q: QueryRunner): Promise<void> {
    for (const t of TABLES) {
      const rows = (await q.query(
        `SELECT ${t.key}::text AS key, ${t.e164} AS e164 FROM ${t.table}
          WHERE NOT (${t.mcode} ~ '^\\+[1-9][0-9]{0,2}$' AND ${t.mobile} ~ '^[0-9]+$' AND ${t.mcode} || ${t.mobile} = ${t.e164})`,
      )) as Array<{ key: string; e164: string }>;
      const fixes = rows.flatMap((r) => {
        const split = splitE164(r.e164);
        return split ? [{ key: r.key, ...split }] : [];
      });
      for (let i = 0; i < fixes.length; i += BATCH) {
        const batch = fixes.slice(i, i + BATCH);
        await q.query(
          `UPDATE ${t.table} SET ${t.mcode} = v.mcode, ${t.mobile} = v.mobile
             FROM unnest($1::text[], $2::text[], $3::text[]) AS v(key, mcode, mobile)
            WHERE ${t.table}.${t.key} = v.key::${t.keyType}`,
          [batch.map((f) => f.key), batch.map((f) => f.mcode), batch.map((f) => f.mobile)],
        );
      }
    }
  }

  /** What the clients typed is gone; the normalised form is a valid spelling of the same number. */
  async down(): Promise<void> {}
}

function splitE164(e164: string): { mcode: string; mobile: string } | null {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed || `+${parsed.countryCallingCode}${parsed.nationalNumber}` !== e164) return null;
  return { mcode: `+${parsed.countryCallingCode}`, mobile: parsed.nationalNumber };
}
