// The send log's statements on every send, as named prepared statements
// (bench/bare-server.mjs sends these very texts, from the build).
import { PreparedStatement } from '../database/prepared-statement.js';
import type { NewSmsMessage } from './sms-message.entity.js';

/** A send-log row's values as {@link insertMessageSql} takes them, in its parameters' order. */
export function messageRowValues(row: NewSmsMessage): unknown[] {
  return [
    row.appId, row.scene, row.phone, row.origin, row.attempt, row.provider, row.accountId, row.templateCode, row.signName, row.status,
    row.bizId, row.error, row.providerCode, row.providerMessage, row.latencyMs, row.createdAt, row.completedAt, row.country,
  ];
}

/**
 * The INSERT of one send-log row (RETURNING its id) whose 18 values are the
 * parameters from `$from` on: a statement of its own, or a part of the send's
 * slot statement (verification.statements.ts), which writes the first attempt's
 * row in the same round trip as the code it carries, and only `when` its
 * condition holds.
 */
export function insertMessageSql(from: number, when?: string): string {
  const values = Array.from({ length: 18 }, (_, i) => `$${from + i}`).join(', ');
  return `INSERT INTO sms_messages (app_id, scene, phone, origin, attempt, provider, account_id, template_code, sign_name, status,
                             biz_id, error, provider_code, provider_message, latency_ms, created_at, completed_at, country)
   ${when ? `SELECT ${values} WHERE ${when}` : `VALUES (${values})`} RETURNING id`;
}

export const INSERT_MESSAGE = new PreparedStatement<{ id: string }>('passcode_insert_sms_message', insertMessageSql(1));
/**
 * Providers' outcomes on their rows, any number in one statement (SmsRepository
 * groups the outcomes that arrive while one such statement is in flight; see
 * GroupWriter), committed without waiting for the WAL flush: `set_config(…, true)`
 * turns synchronous_commit off for this statement's own transaction only (the
 * connection keeps its setting), so a send makes one durable commit (its code and
 * row) instead of two. A crash may lose the last moment of outcomes (Postgres's WAL
 * writer, or the embedded worker, flushes within a fraction of a second); their rows
 * stay `sending` and the sweeper closes them as `unknown`. An accepted send with
 * the provider's message id awaits its delivery outcome (`pending`): status
 * reports and the DeliveryPoller find it by that id. $1… are arrays, one element
 * per row: id, status, biz_id, error, provider_code, provider_message, latency_ms,
 * completed_at.
 */
export const COMPLETE_MESSAGES = new PreparedStatement(
  'passcode_complete_sms_messages',
  `UPDATE sms_messages m SET status = o.status, biz_id = o.biz_id, error = o.error, provider_code = o.provider_code,
     provider_message = o.provider_message, latency_ms = o.latency_ms, completed_at = o.completed_at,
     delivery_status = CASE WHEN o.status = 'sent' AND o.biz_id IS NOT NULL THEN 'pending' END
   FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::text[], $7::int[], $8::timestamptz[])
     AS o (id, status, biz_id, error, provider_code, provider_message, latency_ms, completed_at)
   WHERE m.id = o.id AND set_config('synchronous_commit', 'off', true) IS NOT NULL`,
);

/** {@link COMPLETE_MESSAGES}'s eight parameters for outcomes given as rows in its columns' order: one array per column. */
export function outcomeColumns(rows: readonly unknown[][]): unknown[][] {
  return Array.from({ length: 8 }, (_, i) => rows.map((row) => row[i]));
}
