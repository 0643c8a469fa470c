import { type DataSource } from 'typeorm';
import { hmacSha256Hex } from '../common/crypto/hashing.js';
import { OperatorError } from '../common/errors/operator-error.js';
import { type AppConfig } from '../config/app-config.js';
import { poolOf } from './pg-transaction.js';

/** The keys every instance on one database must share, by their environment names. */
export const CHECKED_KEYS = ['ENCRYPTION_KEY', 'JWT_SECRET', 'CODE_PEPPER'] as const;

export type CheckedKey = (typeof CHECKED_KEYS)[number];

/** What an instance with another key than the database's would get wrong, said in the refusal. */
const WHAT_BREAKS: Record<CheckedKey, string> = {
  ENCRYPTION_KEY: 'the app secrets and SMS credentials stored with the recorded key would not decrypt',
  JWT_SECRET: 'tokens issued with the recorded key would be refused',
  CODE_PEPPER: 'codes sent with the recorded key would never check',
};

/** This instance's keys found to differ from those the database was first used with. */
export class KeyMismatchError extends OperatorError {
  constructor(
    readonly keys: CheckedKey[],
    message: string,
  ) {
    super(message);
  }
}

/** What the start's check found: the checks this instance recorded (the database's first start, or a key added since), or no table to hold them. */
export type KeyCheckOutcome = { recorded: CheckedKey[] } | { noTable: true };

/**
 * Each key's check value: HMAC-SHA256 keyed by the key over a label naming it. Two
 * instances' values agree when they hold the same key, and only then; the value tells
 * nothing else about the key (recovering it means guessing the key, as any code
 * hash or token already allows). The key's material is used as the server uses it:
 * ENCRYPTION_KEY given as hex and as base64 is one key. Changing a label or the
 * algorithm would refuse every existing deployment: the values are pinned by a test.
 */
export function keyChecks(secrets: AppConfig['secrets']): Record<CheckedKey, string> {
  const material: Record<CheckedKey, Buffer | string> = {
    ENCRYPTION_KEY: secrets.encryptionKey,
    JWT_SECRET: secrets.jwtSecret,
    CODE_PEPPER: secrets.codePepper,
  };
  return Object.fromEntries(CHECKED_KEYS.map((name) => [name, hmacSha256Hex(material[name], `passcode key check: ${name}`)])) as Record<CheckedKey, string>;
}

/** Records each key's check that the database lacks; one another instance recorded first stays (its row is read back below). */
const RECORD = `
  INSERT INTO key_checks (name, check_value)
  VALUES ${CHECKED_KEYS.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}
  ON CONFLICT (name) DO NOTHING
  RETURNING name`;

/**
 * Run once at start, after the migrations: records this instance's key checks
 * where the database has none, then compares them with the database's. Two
 * instances starting at once on an empty table agree on one set of checks: the
 * insert of the second waits for the first's and does nothing, and it then reads
 * the first's. Throws {@link KeyMismatchError} naming each key that differs, and
 * what to do, so that the instance refuses to start instead of answering 500s and
 * refusing the other instances' tokens and codes. Without the table (migrations
 * not applied, DB_MIGRATE_ON_START=false) it checks nothing and says so.
 */
export async function checkKeys(ds: DataSource, config: AppConfig): Promise<KeyCheckOutcome> {
  const pool = poolOf(ds);
  const { rows: table } = await pool.query<{ present: boolean }>(`SELECT to_regclass('key_checks') IS NOT NULL AS present`);
  if (!table[0].present) return { noTable: true };
  const ours = keyChecks(config.secrets);
  const inserted = await pool.query<{ name: CheckedKey }>(RECORD, CHECKED_KEYS.flatMap((name) => [name, ours[name]]));
  const { rows } = await pool.query<{ name: string; check_value: string }>(`SELECT name, check_value FROM key_checks`);
  const recorded = new Map(rows.map((r) => [r.name, r.check_value]));
  const differing = CHECKED_KEYS.filter((name) => recorded.get(name) !== ours[name]);
  if (differing.length) throw new KeyMismatchError(differing, mismatchMessage(differing, config));
  return { recorded: CHECKED_KEYS.filter((name) => inserted.rows.some((r) => r.name === name)) };
}

/** The refusal: which keys differ, what they would break, and how to give this instance the right ones (where its keys can come from). */
export function mismatchMessage(differing: CheckedKey[], config: AppConfig): string {
  const one = differing.length === 1;
  const what = `this instance's ${listed(differing)} ${one ? 'differs from the one' : 'differ from those'} this database was first used with`;
  const why = `(table key_checks holds a check value of each key), so ${listed(differing.map((k) => WHAT_BREAKS[k]))}`;
  const { dataDir, url } = config.db;
  const todo = !url
    ? `Start it with the keys it was used with: the keys.json it had in DATA_DIR (${dataDir}), or the variables set then.`
    : `Every instance on one database needs the same ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER: give this one the others', by setting the variables to their values${
        config.env === 'production' ? '' : ` or by copying keys.json from the DATA_DIR of the instance that generated them into this one's (${dataDir})`
      }.`;
  return `${what} ${why}. ${todo}`;
}

function listed(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
