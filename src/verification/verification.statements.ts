// The verification statements of the send and check paths, as named prepared
// statements. bench/bare-server.mjs sends these very texts (from the build), so
// the baseline and Passcode cannot drift apart.
import { PreparedStatement } from '../database/prepared-statement.js';
import { insertMessageSql } from '../sms/sms-log.statements.js';
import type { CheckedCode } from './verification.repository.js';

/** A row of {@link CHECK_CODE}: the newest code as it was (all null when none), and what the check found and did. */
export type CheckedRow = Omit<NonNullable<CheckedCode['latest']>, 'id'> & { id: string | null; stale: boolean; consumed: boolean; attempts_after: number | null };

/**
 * {@link VerificationRepository.takeSendSlot}'s statement for `n` counters ($1 app,
 * $2 phone, $3 until, $4 holder, $5 now, four parameters per counter, the code's
 * seven, then the 18 of its SMS's send-log row), built once per counter count.
 * It is a transaction by itself: a cooldown still held writes nothing, and a cap
 * that refuses makes the statement fail with SQLSTATE PC429 (its detail the
 * counts, `{1,0,…}`), which undoes what the other caps counted and the code and
 * the row it wrote. In a transaction of the caller's, that fails the transaction.
 */
export function takeSendSlotStatement(n: number): PreparedStatement<SlotRow> {
  let statement = takeSendSlotStatements.get(n);
  if (statement) return statement;
  const counterCtes = Array.from({ length: n }, (_, i) => {
    const at = 5 + 4 * i;
    return `c${i} AS (
        INSERT INTO send_counters (app_id, scope, subject, window_start, count)
        SELECT $1, $${at + 1}, $${at + 2}, $${at + 3}, 1 WHERE EXISTS (SELECT 1 FROM cooldown)
        ON CONFLICT (app_id, scope, subject, window_start) DO UPDATE SET count = send_counters.count + 1
        WHERE send_counters.count < $${at + 4}::int
        RETURNING 1)`;
  });
  const at = 5 + 4 * n;
  const counted = counterCtes.map((_, i) => `, (SELECT count(*) FROM c${i})::int AS n${i}`);
  const refusable = counterCtes.map((_, i) => `n${i}`).join(', ');
  statement = new PreparedStatement<SlotRow>(
    `passcode_take_send_slot_${n}`,
    `WITH cooldown AS (
        INSERT INTO send_cooldowns (app_id, phone_e164, next_allowed_at, holder) VALUES ($1, $2, $3, $4)
        ON CONFLICT (app_id, phone_e164) DO UPDATE SET next_allowed_at = EXCLUDED.next_allowed_at, holder = EXCLUDED.holder
        WHERE send_cooldowns.next_allowed_at <= $5
        RETURNING 1),
      ${[...counterCtes, ''].join(',\n      ')}old AS (
        UPDATE verification_codes SET superseded_at = $5
        WHERE app_id = $1 AND phone_e164 = $2 AND scene = $${at + 2} AND consumed_at IS NULL AND superseded_at IS NULL
          AND EXISTS (SELECT 1 FROM cooldown)),
      fresh AS (
        INSERT INTO verification_codes (id, app_id, scene, phone_e164, code_hash, expires_at, max_attempts, ip, country, created_at)
        SELECT $${at + 1}, $1, $${at + 2}, $2, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7}, $5 WHERE EXISTS (SELECT 1 FROM cooldown)),
      message AS (${insertMessageSql(at + 8, 'EXISTS (SELECT 1 FROM cooldown)')}),
      answer AS (
        SELECT (SELECT count(*) FROM cooldown)::int AS taken,
               (SELECT next_allowed_at FROM send_cooldowns WHERE app_id = $1 AND phone_e164 = $2) AS held_until,
               (SELECT id FROM message) AS message_id
               ${counted.join('')})
      SELECT *, CASE WHEN taken = 1 AND 0 IN (${refusable}) THEN passcode_refuse_send(ARRAY[${refusable}]) END AS refused
      FROM answer`,
  );
  takeSendSlotStatements.set(n, statement);
  return statement;
}

export type SlotRow = { taken: number; held_until: Date | null; message_id: string } & Record<`n${number}`, number>;
const takeSendSlotStatements = new Map<number, PreparedStatement<SlotRow>>();

/**
 * {@link VerificationRepository.check}'s statement: $1 app, $2 phone, $3 scene, $4 hash, $5 now.
 * `latest` is read from the statement's snapshot; each update re-checks on the row itself
 * (`v.`) all it depends on, its number and hash included: an update that waited for a
 * row lock sees the row as the other transaction committed it, and only its `v.`
 * conditions are evaluated again. A deregistration or erasure that locked the code
 * rewrites its number (an erasure its hash too): a right code that waited for it
 * consumes nothing (its outcome `not_found`), a wrong one counts no attempt.
 */
export const CHECK_CODE = new PreparedStatement<CheckedRow>(
  'passcode_check_code',
  `WITH latest AS (
     SELECT id, code_hash, expires_at, attempts, max_attempts, consumed_at, superseded_at, country FROM verification_codes
     WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 ORDER BY created_at DESC, id LIMIT 1),
   stale AS (
     SELECT 1 FROM verification_codes
     WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 AND code_hash = $4 AND superseded_at IS NOT NULL LIMIT 1),
   consumed AS (
     UPDATE verification_codes v SET consumed_at = $5 FROM latest l
     WHERE v.id = l.id AND l.code_hash = $4 AND v.code_hash = $4 AND v.phone_e164 = $2
       AND v.consumed_at IS NULL AND v.superseded_at IS NULL AND v.expires_at > $5 AND v.attempts < v.max_attempts
     RETURNING v.id),
   missed AS (
     UPDATE verification_codes v SET attempts = v.attempts + 1 FROM latest l
     WHERE v.id = l.id AND l.code_hash <> $4 AND NOT EXISTS (SELECT 1 FROM stale) AND v.phone_e164 = $2
       AND v.consumed_at IS NULL AND v.superseded_at IS NULL AND v.expires_at > $5 AND v.attempts < v.max_attempts
     RETURNING v.attempts)
   SELECT l.id, l.code_hash, l.expires_at, l.attempts, l.max_attempts, l.consumed_at, l.superseded_at, l.country,
          EXISTS (SELECT 1 FROM stale) AS stale,
          EXISTS (SELECT 1 FROM consumed) AS consumed,
          (SELECT attempts FROM missed) AS attempts_after
   FROM (SELECT 1) one LEFT JOIN latest l ON true`,
);
