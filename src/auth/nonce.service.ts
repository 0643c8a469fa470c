import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock/clock.js';

/**
 * Single-use request nonces, per app. Claiming is one INSERT that the primary key
 * settles, so a replay is refused even when it reaches another instance at the
 * same moment.
 */
@Injectable()
export class NonceService {
  private lastSweep = 0;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * True the first time `nonce` is presented for the app; false for a replay up to
   * and including `until`, which is when the request that carried it stops being
   * acceptable (for seed 003, its `ts` plus the window, so a `ts` in the future
   * keeps its nonce spent for longer).
   */
  async claim(appId: string, nonce: string, until: Date): Promise<boolean> {
    const now = this.clock.now();
    await this.sweep(now);
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO request_nonces (app_id, nonce, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE request_nonces.expires_at < $4
       RETURNING nonce`,
      [appId, nonce, until, now],
    );
    return rows.length === 1;
  }

  /** Drops nonces past their `until` now and then, so the table holds about one window of traffic. */
  private async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < 60_000) return;
    this.lastSweep = now.getTime();
    await this.ds.query('DELETE FROM request_nonces WHERE expires_at < $1', [now]);
  }
}
