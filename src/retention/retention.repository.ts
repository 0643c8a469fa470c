import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { sqlRows } from '../database/sql-rows.js';
import { JOB_SCHEMA } from '../events/job-engine.js';
import { maskNumberSql, numberForms } from './number-forms.js';

/** Per-app cutoffs: rows of `appIds[i]` older than `cutoffs[i]` are due. */
export interface AppCutoffs {
  appIds: string[];
  cutoffs: Date[];
}

/** A table whose rows are deleted once past their app's cutoff, with the time the cutoff applies to. */
interface ExpiringTable {
  table: string;
  /** An indexed time of the row `t` (a column, or the expression of an index): the statement bounds it by the latest cutoff, so the index finds the candidates. */
  time: string;
  /** More conditions on the row `t`, with `p.cutoff` its app's cutoff. */
  also?: string;
}

/** The tables purged by age, by name. Each is purged only through {@link RetentionRepository.deleteExpired}. */
export const EXPIRING = {
  /** Codes: their BRIN index on `created_at`; a code's expiry follows its creation by at most an hour. */
  verification_codes: { table: 'verification_codes', time: 't.created_at', also: 't.expires_at < p.cutoff' },
  update_phone_tokens: { table: 'update_phone_tokens', time: 't.expires_at' },
  captchas: { table: 'captchas', time: 't.expires_at' },
  request_nonces: { table: 'request_nonces', time: 't.expires_at' },
  sms_messages: { table: 'sms_messages', time: 't.created_at' },
  /** Only finished deliveries: a pending one still has attempts to make. */
  webhook_deliveries: { table: 'webhook_deliveries', time: 't.created_at', also: "t.status <> 'pending'" },
  /**
   * End users' sessions, once ended: expired, or revoked before (least() passes
   * over a null revoked_at). Their index is on this very expression.
   */
  user_sessions: { table: 'user_sessions', time: 'least(t.expires_at, t.revoked_at)' },
} as const satisfies Record<string, ExpiringTable>;

export type ExpiringTableName = keyof typeof EXPIRING;

/** Rows whose number the purge replaces by a keyed hash: the send log, and webhook payloads (`data.phone`). */
export type HashedTable = 'sms_messages' | 'webhook_deliveries';

const NUMBER_OF: Record<HashedTable, string> = {
  sms_messages: 'phone',
  webhook_deliveries: "payload->'data'->>'phone'",
};

/** The remote end's text in each row, which may quote the row's number: the provider's message, the receiver's answer. */
const REMOTE_TEXT_OF: Record<HashedTable, string> = {
  sms_messages: 'provider_message',
  webhook_deliveries: 'last_error',
};

/** What an erased code's hash becomes: no HMAC's hex digits, so no code, tried with any number, matches it. */
const ERASED_CODE_HASH = 'erased';

/** A row still holding a number: `id`, the number, and when it was written. */
export interface NumberedRow {
  id: string;
  phone: string;
  created_at: Date;
}

/** One number to forget in one app: by an operator's erasure request, or by its user's deregistration. */
export interface NumberErasure {
  appId: string;
  /** The number, E.164: the texts of its rows lose it in each of its forms. */
  e164: string;
  /** What its rows may hold: the number, and its pseudonym from an earlier purge or deregistration. */
  numbers: string[];
  /** What they hold instead: `erased`, or the number's pseudonym. */
  replacement: string;
  now: Date;
  /** An operator's erasure request (not a deregistration): the active user is deregistered, and nothing else tying a row to the person stays. */
  erasure: boolean;
  /** Webhook deliveries are searched from then on; all of them when null. */
  payloadsSince: Date | null;
}

/** What one erasure changed in one app, per table. */
export interface ErasedCounts {
  users: number;
  sms_messages: number;
  verification_codes: number;
  update_phone_tokens: number;
  webhook_deliveries: number;
  /** Limit rows of the number whose window had passed, deleted. */
  expired_limits: number;
  /** Limit rows still open (a cooldown, today's count), kept until the purge takes them. */
  open_limits_kept: number;
}

const DAY_MS = 86_400_000;

/**
 * The retention purge's and the erasures' statements, across the tables that
 * hold numbers or expire (a departure from one repository per table: these
 * statements are one policy, and keep every table's erasure in one place; see
 * docs/design-changes.md). Purge statements each touch at most `limit` rows,
 * chosen with `FOR UPDATE SKIP LOCKED` and deleted or updated in the same
 * statement, each its own short transaction: a row a request holds is left for
 * the next batch, and no statement waits on the hot paths or holds them.
 */
@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Brings the waiting job of `queue` forward to start within `seconds` from now, when it would start later. */
  async startQueuedWithin(queue: string, seconds: number): Promise<void> {
    await this.ds.query(
      `UPDATE ${JOB_SCHEMA}.job SET start_after = now() + make_interval(secs => $2)
        WHERE name = $1 AND state = 'created' AND start_after > now() + make_interval(secs => $2)`,
      [queue, seconds],
    );
  }

  /** Deletes up to `limit` rows of `name` past their app's cutoff; answers how many. */
  async deleteExpired(name: ExpiringTableName, due: AppCutoffs, limit: number): Promise<number> {
    if (!due.appIds.length) return 0;
    const { table, time, also } = EXPIRING[name] as ExpiringTable;
    const latest = new Date(Math.max(...due.cutoffs.map((c) => c.getTime())));
    const [, count] = (await this.ds.query(
      `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
         SELECT t.ctid FROM ${table} t JOIN unnest($1::uuid[], $2::timestamptz[]) AS p(app_id, cutoff) ON t.app_id = p.app_id
          WHERE ${time} < $3 AND ${time} < p.cutoff${also ? ` AND ${also}` : ''}
          LIMIT $4 FOR UPDATE OF t SKIP LOCKED))`,
      [due.appIds, due.cutoffs, latest, limit],
    )) as [unknown, number];
    return count;
  }

  /** The pages of a table now (its heap size over the block size). */
  async pages(table: 'send_cooldowns' | 'send_counters'): Promise<number> {
    const [row] = (await this.ds.query(`SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::int AS pages`, [table])) as Array<{ pages: number }>;
    return row.pages;
  }

  /**
   * Deletes the limit rows whose window has passed among pages [from, to) of
   * their table: cooldowns ended before `now`, counters whose window (an hour or
   * a day) began a day or more before it. Neither table has an index on time
   * (one would cost every send an index entry), so the purge walks the table by
   * page ranges (TID range scans) instead of scanning it whole per batch.
   */
  /**
   * Deletes up to `limit` fraud guard buckets in the normal state untouched since
   * `before`: their sliding counts are all zero (a send would start them afresh),
   * and a number range's key is most of a number.
   */
  async deleteIdleBuckets(before: Date, limit: number): Promise<number> {
    const [, count] = (await this.ds.query(
      `DELETE FROM fraud_buckets WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM fraud_buckets WHERE updated_at < $1 AND state = 'normal' LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      [before, limit],
    )) as [unknown, number];
    return count;
  }

  async deleteClosedLimits(table: 'send_cooldowns' | 'send_counters', from: number, to: number, now: Date): Promise<number> {
    const closed = table === 'send_cooldowns' ? 't.next_allowed_at < $3' : 't.window_start <= $3::timestamptz - interval \'1 day\'';
    const [, count] = (await this.ds.query(
      `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
         SELECT t.ctid FROM ${table} t WHERE t.ctid >= $1::text::tid AND t.ctid < $2::text::tid AND ${closed}
         FOR UPDATE OF t SKIP LOCKED))`,
      [`(${from},0)`, `(${to},0)`, now],
    )) as [unknown, number];
    return count;
  }

  /** Up to `limit` rows of the app written in [from, before) that still hold a number, oldest first. */
  async numberedRows(table: HashedTable, appId: string, from: Date, before: Date, limit: number): Promise<NumberedRow[]> {
    const number = NUMBER_OF[table];
    return (await this.ds.query(
      `SELECT id, ${number} AS phone, created_at FROM ${table}
        WHERE app_id = $1 AND created_at >= $2 AND created_at < $3 AND ${number} LIKE '+%'
        ORDER BY created_at LIMIT $4`,
      [appId, from, before, limit],
    )) as NumberedRow[];
  }

  /**
   * Replaces each row's number by its hash, unless the row changed meanwhile, and
   * masks the number in the row's remote text (written before the text was masked
   * as it was stored); answers how many rows changed.
   */
  async replaceNumbers(table: HashedTable, rows: Array<{ id: string; phone: string; hash: string }>): Promise<number> {
    if (!rows.length) return 0;
    const set = table === 'sms_messages' ? 'phone = v.hash' : `payload = jsonb_set(t.payload, '{data,phone}', to_jsonb(v.hash))`;
    const text = REMOTE_TEXT_OF[table];
    const forms = rows.map((r) => numberForms(r.phone));
    const [, count] = (await this.ds.query(
      `UPDATE ${table} t SET ${set}, ${text} = ${maskNumberSql(`t.${text}`, ['v.phone', 'v.digits', 'v.national'])}
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(id, phone, hash, digits, national)
        WHERE t.id = v.id AND t.${NUMBER_OF[table]} = v.phone`,
      [rows.map((r) => r.id), rows.map((r) => r.phone), rows.map((r) => r.hash), forms.map((f) => f[1]), forms.map((f) => f[2])],
    )) as [unknown, number];
    return count;
  }

  /** Where the purge's `step` of the app got to: rows before it are done. */
  async mark(appId: string, step: string): Promise<Date | null> {
    const [row] = (await this.ds.query(`SELECT done_through FROM retention_marks WHERE app_id = $1 AND step = $2`, [appId, step])) as Array<{ done_through: Date }>;
    return row ? new Date(row.done_through) : null;
  }

  async setMark(appId: string, step: string, doneThrough: Date): Promise<void> {
    await this.ds.query(
      `INSERT INTO retention_marks (app_id, step, done_through) VALUES ($1, $2, $3)
       ON CONFLICT (app_id, step) DO UPDATE SET done_through = greatest(retention_marks.done_through, EXCLUDED.done_through)`,
      [appId, step, doneThrough],
    );
  }

  /**
   * Locks the app's rows of the number (`numbers`, its forms) that a request locks
   * before a user's row or one another, in the order those requests take them: its
   * cooldown (a send takes it, then supersedes the number's codes), its codes (a
   * login consumes one, then writes the user), its update-phone tokens (a
   * redemption takes one, then moves the user). A deregistration or an erasure
   * takes them here, before any user's row: one that took the user first and these
   * after closed a cycle with such a request, and Postgres aborted one of the two
   * (40P01, answered 503). Rows written after this call are not locked: a send
   * meanwhile waits for these when the number has a cooldown row or a live code,
   * and a code it writes otherwise reaches a login only by SMS, after the erasure
   * ends.
   */
  async lockNumber(m: EntityManager, appId: string, numbers: string[]): Promise<void> {
    await m.query(`SELECT 1 FROM send_cooldowns WHERE app_id = $1 AND phone_e164 = ANY($2) FOR UPDATE`, [appId, numbers]);
    await m.query(`SELECT 1 FROM verification_codes WHERE app_id = $1 AND phone_e164 = ANY($2) FOR UPDATE`, [appId, numbers]);
    await m.query(`SELECT 1 FROM update_phone_tokens WHERE app_id = $1 AND (old_phone_e164 = ANY($2) OR new_phone_e164 = ANY($2)) FOR UPDATE`, [appId, numbers]);
  }

  /**
   * Replaces the number (as E.164 and as its earlier pseudonym, `numbers`) by
   * `replacement` in every row of the app that holds it and no open limit needs:
   * the send log, codes, deregistered users (and, for an erasure request, the
   * active user first: deregistered, sessions revoked), webhook payloads; masks it
   * in the providers' messages and the receivers' answers of those rows (rows
   * written before the texts were masked as they were stored); deletes its
   * update-phone tokens and its limit rows whose window has passed. Open limits
   * keep the number until their window passes, then the purge deletes them. An
   * erasure request also clears what else ties the rows to the person: the codes'
   * hashes (with the pepper, one of a million codes would find the number again)
   * and IPs, its users' device ids and registration IP, their sessions' device
   * ids. Answers the counts and the ids of users it deregistered. Each statement
   * finds the app's rows of the number by an index (the send log's on `phone`,
   * the codes' lookup index, the users' on (app, number)); webhook payloads by
   * the app's deliveries since `payloadsSince` (all when null): they have no
   * index on the number, and older ones are the purge's to hash. The caller has
   * locked the number's rows ({@link lockNumber}) before any user's row.
   */
  async eraseNumber(m: EntityManager, e: NumberErasure): Promise<{ counts: ErasedCounts; cancelledUserIds: string[] }> {
    const count = async (sql: string, params: unknown[]): Promise<number> => ((await m.query(sql, params)) as [unknown, number])[1];
    const rows = async <T>(sql: string, params: unknown[]): Promise<T[]> => sqlRows<T>(await m.query(sql, params));
    const { appId, numbers, replacement, now, erasure, payloadsSince } = e;
    // The number's forms are $4, $5, $6 of the statements that mask a remote text.
    const forms = numberForms(e.e164);
    const masked = (column: string) => maskNumberSql(column, ['$4', '$5', '$6']);
    let cancelledUserIds: string[] = [];
    if (erasure) {
      cancelledUserIds = (
        await rows<{ id: string }>(
          `UPDATE users SET status = 'cancelled', cancelled_at = $3, updated_at = $3 WHERE app_id = $1 AND phone_e164 = ANY($2) AND status = 'active' RETURNING id`,
          [appId, numbers, now],
        )
      ).map((r) => String(r.id));
      if (cancelledUserIds.length) {
        await m.query(`UPDATE user_sessions SET revoked_at = $2 WHERE user_id = ANY($1::bigint[]) AND revoked_at IS NULL`, [cancelledUserIds, now]);
      }
    }
    const users = (
      await rows<{ id: string }>(
        `UPDATE users SET phone_e164 = $3, mcode = '', mobile = ''${erasure ? ', oaid = NULL, device_id = NULL, reg_ip = NULL' : ''}, updated_at = $4
          WHERE app_id = $1 AND phone_e164 = ANY($2) AND status = 'cancelled' RETURNING id`,
        [appId, numbers, replacement, now],
      )
    ).map((r) => String(r.id));
    if (erasure && users.length) {
      await m.query(`UPDATE user_sessions SET device_id = NULL WHERE user_id = ANY($1::bigint[]) AND device_id IS NOT NULL`, [users]);
    }
    const counts: ErasedCounts = {
      users: users.length,
      sms_messages: await count(
        `UPDATE sms_messages SET phone = $3, provider_message = ${masked('provider_message')} WHERE phone = ANY($2) AND app_id = $1`,
        [appId, numbers, replacement, ...forms],
      ),
      verification_codes: await count(
        `UPDATE verification_codes SET phone_e164 = $3${erasure ? `, code_hash = '${ERASED_CODE_HASH}', ip = NULL` : ''} WHERE app_id = $1 AND phone_e164 = ANY($2)`,
        [appId, numbers, replacement],
      ),
      update_phone_tokens: await count(
        `DELETE FROM update_phone_tokens WHERE app_id = $1 AND (old_phone_e164 = ANY($2) OR new_phone_e164 = ANY($2))`,
        [appId, numbers],
      ),
      webhook_deliveries: await count(
        `UPDATE webhook_deliveries SET payload = jsonb_set(payload, '{data,phone}', to_jsonb($3::text)), last_error = ${masked('last_error')}
          WHERE app_id = $1 AND payload->'data'->>'phone' = ANY($2)${payloadsSince ? ' AND created_at >= $7' : ''}`,
        payloadsSince ? [appId, numbers, replacement, ...forms, payloadsSince] : [appId, numbers, replacement, ...forms],
      ),
      expired_limits:
        (await count(`DELETE FROM send_cooldowns WHERE app_id = $1 AND phone_e164 = ANY($2) AND next_allowed_at < $3`, [appId, numbers, now])) +
        (await count(`DELETE FROM send_counters WHERE app_id = $1 AND scope = 'phone_day' AND subject = ANY($2) AND window_start <= $3`, [
          appId,
          numbers,
          new Date(now.getTime() - DAY_MS),
        ])),
      open_limits_kept: 0,
    };
    const [open] = await rows<{ n: number }>(
      `SELECT (SELECT count(*) FROM send_cooldowns WHERE app_id = $1 AND phone_e164 = ANY($2))::int
            + (SELECT count(*) FROM send_counters WHERE app_id = $1 AND scope = 'phone_day' AND subject = ANY($2))::int AS n`,
      [appId, numbers],
    );
    counts.open_limits_kept = open.n;
    return { counts, cancelledUserIds };
  }
}
