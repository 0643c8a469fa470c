import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { APPROVAL_BOUNDS_S, type DayStats, emptyCounts } from './day-stats.js';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a UTC day's start. */
export const dayOf = (ms: number): string => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
/** The start of a `YYYY-MM-DD` UTC day. */
export const startOf = (day: string): Date => new Date(`${day}T00:00:00.000Z`);

const BOUNDS = `ARRAY[${APPROVAL_BOUNDS_S.join(', ')}]::float8[]`;

/**
 * The only code that reads the send log and codes for statistics, and that
 * touches `daily_stats` and `stats_rollup_state`. A day is UTC.
 */
@Injectable()
export class StatsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Counts from the rows themselves, per app, day and country, for the days in
   * [from, to) (`YYYY-MM-DD`), of one app or all. Reads the send log through its
   * (app, created_at) or created_at index and the codes through their BRIN index.
   */
  async countRows(from: string, to: string, appId?: string, m: EntityManager = this.ds.manager): Promise<DayStats[]> {
    const params: unknown[] = [startOf(from), startOf(to)];
    const ofApp = appId ? (params.push(appId), 'AND app_id = $3') : '';
    const day = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
    const messages = (await m.query(
      `SELECT app_id, ${day} AS day, coalesce(country, '') AS country, coalesce(error, '') AS error,
              count(*) FILTER (WHERE status <> 'failed' AND origin <> 'admin-test')::int AS sent,
              count(*) FILTER (WHERE delivery_status = 'delivered' AND origin <> 'admin-test')::int AS delivered,
              count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM sms_messages WHERE created_at >= $1 AND created_at < $2 ${ofApp}
        GROUP BY 1, 2, 3, 4`,
      params,
    )) as Array<{ app_id: string; day: string; country: string; error: string; sent: number; delivered: number; failed: number }>;
    const approvals = (await m.query(
      `SELECT app_id, ${day} AS day, coalesce(country, '') AS country,
              width_bucket(extract(epoch FROM consumed_at - created_at)::float8, ${BOUNDS}) AS bucket, count(*)::int AS n
         FROM verification_codes WHERE created_at >= $1 AND created_at < $2 AND consumed_at IS NOT NULL ${ofApp}
        GROUP BY 1, 2, 3, 4`,
      params,
    )) as Array<{ app_id: string; day: string; country: string; bucket: number; n: number }>;

    const byKey = new Map<string, DayStats>();
    const at = (appId: string, day: string, country: string): DayStats => {
      const key = `${appId}|${day}|${country}`;
      let s = byKey.get(key);
      if (!s) byKey.set(key, (s = { appId, day, country, ...emptyCounts() }));
      return s;
    };
    for (const r of messages) {
      const s = at(r.app_id, r.day, r.country);
      s.sent += r.sent;
      s.delivered += r.delivered;
      s.failed += r.failed;
      if (r.failed) s.failures[r.error || 'UNKNOWN'] = (s.failures[r.error || 'UNKNOWN'] ?? 0) + r.failed;
    }
    for (const r of approvals) {
      const s = at(r.app_id, r.day, r.country);
      s.approved += r.n;
      // width_bucket answers 0 below the first bound, i in [bound i, bound i+1) (1-based), n past the last.
      s.approvalBuckets[Math.min(r.bucket, APPROVAL_BOUNDS_S.length)] += r.n;
    }
    return [...byKey.values()];
  }

  /** The stored counts of finished days in [from, to), of one app or all. */
  async storedDays(from: string, to: string, appId?: string): Promise<DayStats[]> {
    const params: unknown[] = [from, to];
    const ofApp = appId ? (params.push(appId), 'AND app_id = $3') : '';
    const rows = (await this.ds.query(
      `SELECT app_id, to_char(day, 'YYYY-MM-DD') AS day, country, sent, delivered, failed, failures, approved, approval_buckets
         FROM daily_stats WHERE day >= $1::date AND day < $2::date ${ofApp}`,
      params,
    )) as Array<{ app_id: string; day: string; country: string; sent: number; delivered: number; failed: number; failures: Record<string, number>; approved: number; approval_buckets: number[] }>;
    return rows.map((r) => ({
      appId: r.app_id,
      day: r.day,
      country: r.country,
      sent: r.sent,
      delivered: r.delivered,
      failed: r.failed,
      failures: r.failures,
      approved: r.approved,
      approvalBuckets: r.approval_buckets,
    }));
  }

  /** The last day whose counts are stored for good; null before the first roll-up. */
  async finalThrough(m: EntityManager = this.ds.manager): Promise<string | null> {
    const [row] = (await m.query(`SELECT to_char(final_through, 'YYYY-MM-DD') AS day FROM stats_rollup_state WHERE id = 1`)) as Array<{ day: string }>;
    return row?.day ?? null;
  }

  /** The first day with a message or a code, if any. */
  async firstDay(m: EntityManager): Promise<string | null> {
    const [row] = (await m.query(
      `SELECT to_char(least((SELECT min(created_at) FROM sms_messages), (SELECT min(created_at) FROM verification_codes)) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day`,
    )) as Array<{ day: string | null }>;
    return row?.day ?? null;
  }

  /**
   * Stores `days` (replacing what was stored for them) and moves the final day to
   * `through`. A day another instance has already stored for good is left as it is:
   * its rows may have been purged since (src/retention/), and this instance may
   * have counted what was left of them.
   */
  async storeFinal(m: EntityManager, days: DayStats[], through: string): Promise<void> {
    for (const d of days) {
      await m.query(
        `INSERT INTO daily_stats (app_id, day, country, sent, delivered, failed, failures, approved, approval_buckets)
         SELECT $1::uuid, $2::date, $3::varchar, $4::int, $5::int, $6::int, $7::jsonb, $8::int, $9::int[]
          WHERE NOT EXISTS (SELECT 1 FROM stats_rollup_state WHERE id = 1 AND final_through >= $2::date)
         ON CONFLICT (app_id, day, country) DO UPDATE SET sent = EXCLUDED.sent, delivered = EXCLUDED.delivered, failed = EXCLUDED.failed,
           failures = EXCLUDED.failures, approved = EXCLUDED.approved, approval_buckets = EXCLUDED.approval_buckets`,
        [d.appId, d.day, d.country, d.sent, d.delivered, d.failed, JSON.stringify(d.failures), d.approved, d.approvalBuckets],
      );
    }
    await m.query(
      `INSERT INTO stats_rollup_state (id, final_through) VALUES (1, $1::date)
       ON CONFLICT (id) DO UPDATE SET final_through = greatest(stats_rollup_state.final_through, EXCLUDED.final_through)`,
      [through],
    );
  }
}
