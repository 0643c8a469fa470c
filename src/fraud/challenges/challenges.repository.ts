import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { sqlClientOf } from '../../database/sql-client.js';
import { type ChallengeProvider, type ChallengeSettings } from './challenge-provider.js';

interface ChallengeRow {
  provider: ChallengeProvider;
  site_key: string | null;
  secret_enc: string | null;
  min_score: number | null;
  hostname: string | null;
  action: string | null;
  updated_at: Date;
}

/** The only code that touches `app_challenges`: one row per app that has chosen its captcha. */
@Injectable()
export class ChallengesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The app's settings, or null when it never chose (the image captcha). One primary-key read. */
  async find(appId: string, on: DataSource | EntityManager = this.ds): Promise<ChallengeSettings | null> {
    const q = await sqlClientOf(on);
    const { rows } = await q.query<ChallengeRow>(
      `SELECT provider, site_key, secret_enc, min_score, hostname, action, updated_at FROM app_challenges WHERE app_id = $1`,
      [appId],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** Writes the app's settings whole, in the caller's transaction. */
  async save(tx: EntityManager, appId: string, s: ChallengeSettings & { updatedAt: Date }): Promise<void> {
    const q = await sqlClientOf(tx);
    await q.query(
      `INSERT INTO app_challenges (app_id, provider, site_key, secret_enc, min_score, hostname, action, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (app_id) DO UPDATE SET provider = $2, site_key = $3, secret_enc = $4, min_score = $5, hostname = $6, action = $7, updated_at = $8`,
      [appId, s.provider, s.siteKey, s.secretEnc, s.minScore, s.hostname, s.action, s.updatedAt],
    );
  }
}

function fromRow(r: ChallengeRow): ChallengeSettings {
  return {
    provider: r.provider,
    siteKey: r.site_key,
    secretEnc: r.secret_enc,
    minScore: r.min_score === null ? null : Number(r.min_score),
    hostname: r.hostname,
    action: r.action,
    updatedAt: new Date(r.updated_at),
  };
}
