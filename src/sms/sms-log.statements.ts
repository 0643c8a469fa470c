// The send log's statements on every send, as named prepared statements
// (bench/bare-server.mjs sends these very texts, from the build).
import { PreparedStatement } from '../database/prepared-statement.js';

export const INSERT_MESSAGE = new PreparedStatement<{ id: string }>(
  'passcode_insert_sms_message',
  `INSERT INTO sms_messages (app_id, scene, phone, origin, attempt, provider, account_id, template_code, sign_name, status,
                             biz_id, error, provider_code, provider_message, latency_ms, created_at, completed_at, country)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
);
/**
 * A provider's outcome on its row, committed without waiting for the WAL flush:
 * `set_config(…, true)` turns synchronous_commit off for this statement's own
 * transaction only (the connection keeps its setting), so a send makes one durable
 * commit (its code and row) instead of two. A crash may lose the last moment of
 * outcomes; their rows stay `sending` and the sweeper closes them as `unknown`.
 * An accepted send with the provider's message id awaits its delivery outcome
 * (`pending`): status reports and the DeliveryPoller find it by that id.
 */
export const COMPLETE_MESSAGE = new PreparedStatement(
  'passcode_complete_sms_message',
  `UPDATE sms_messages SET status = $2, biz_id = $3, error = $4, provider_code = $5, provider_message = $6, latency_ms = $7, completed_at = $8,
     delivery_status = CASE WHEN $2::varchar = 'sent' AND $3::varchar IS NOT NULL THEN 'pending' END
   WHERE id = $1 AND set_config('synchronous_commit', 'off', true) IS NOT NULL`,
);
