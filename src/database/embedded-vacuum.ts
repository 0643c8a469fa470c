import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { escapeIdentifier } from 'pg';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '../common/periodic-task.js';
import { type PasscodeDataSource } from './data-source.factory.js';
import { poolOf } from './pg-transaction.js';

/** Autovacuum looks at each database once a minute; the embedded database, whose requests wait behind a VACUUM, every two. */
export const EMBEDDED_VACUUM_EVERY_MS = 120_000;

/**
 * The tables autovacuum would vacuum now, or only analyze, by its own rules and
 * the server's settings: dead rows, or rows inserted since the last vacuum, past
 * the threshold plus the scale factor times the table's rows; a transaction age
 * past `autovacuum_freeze_max_age`; rows changed since the last analyze past the
 * analyze threshold. A table never vacuumed counts no rows (`reltuples` is -1).
 */
const DUE_TABLES = `
  SELECT schema, "table", dead_rows, vacuum FROM (
    SELECT s.schemaname AS schema, s.relname AS "table", s.n_dead_tup::int AS dead_rows,
           (s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8 + current_setting('autovacuum_vacuum_scale_factor')::float8 * GREATEST(c.reltuples, 0)
            OR s.n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::float8 + current_setting('autovacuum_vacuum_insert_scale_factor')::float8 * GREATEST(c.reltuples, 0)
            OR age(c.relfrozenxid) > current_setting('autovacuum_freeze_max_age')::float8) AS vacuum,
           s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8 + current_setting('autovacuum_analyze_scale_factor')::float8 * GREATEST(c.reltuples, 0) AS analyze_due
      FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  ) due
   WHERE vacuum OR analyze_due
   ORDER BY dead_rows DESC`;

/** What one round did to one table. */
export interface Maintained {
  table: string;
  vacuumed: boolean;
  deadRows: number;
  ms: number;
}

/**
 * Autovacuum's work, for the embedded database, which has no autovacuum: PGlite
 * is a single-user backend, so nothing would ever free the space of dead rows
 * (each check and send leaves some), shrink their index entries, refresh the
 * planner's statistics or freeze old rows before the transaction counter wraps
 * around. Every two minutes it vacuums and analyzes the tables autovacuum would, one
 * statement each, on the one backend; requests wait behind each (a
 * 140 MB table with 500,000 dead rows took 0.75 s), which the thresholds keep
 * rare. On Postgres it does not run: autovacuum does this there.
 */
@Injectable()
export class EmbeddedVacuum implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task = new PeriodicTask(EMBEDDED_VACUUM_EVERY_MS, (stopping) => this.run(stopping), (err) => this.logger.warn({ err }, 'embedded vacuum failed'));

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('EmbeddedVacuum');
  }

  onApplicationBootstrap(): void {
    if ((this.ds as PasscodeDataSource).embedded) this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** One round: vacuums (and analyzes) or only analyzes each table due, until `stopping`; answers what it did. */
  async run(stopping?: AbortSignal): Promise<Maintained[]> {
    const pool = poolOf(this.ds);
    const { rows } = await pool.query<{ schema: string; table: string; dead_rows: number; vacuum: boolean }>(DUE_TABLES);
    const done: Maintained[] = [];
    for (const { schema, table, dead_rows: deadRows, vacuum } of rows) {
      if (stopping?.aborted) break;
      const started = performance.now();
      await pool.query(`${vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE'} ${escapeIdentifier(schema)}.${escapeIdentifier(table)}`);
      const ms = Math.round(performance.now() - started);
      done.push({ table: `${schema}.${table}`, vacuumed: vacuum, deadRows, ms });
      this.logger.info({ table: `${schema}.${table}`, deadRows, ms }, vacuum ? 'table vacuumed' : 'table analyzed');
    }
    return done;
  }
}
