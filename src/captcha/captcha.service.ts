import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { hmacSha256Hex, randomString, safeEqual } from '../common/crypto/hashing.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CaptchaEntity } from './captcha.entity.js';
import { CaptchaRenderer } from './captcha-renderer.js';

/** Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L). */
const ANSWER_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const CAPTCHA_TTL_S = 300;

export interface IssuedCaptcha {
  id: string;
  /** `data:image/svg+xml;base64,…`, usable as an <img> source. */
  image: string;
  expiresAt: Date;
}

/** Image captchas: issued per app, answered once, case-insensitively, within five minutes. */
@Injectable()
export class CaptchaService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly renderer: CaptchaRenderer,
  ) {}

  /** A new captcha for an app. The answer exists only in the image and as a keyed hash. */
  async issue(appId: string): Promise<IssuedCaptcha> {
    const now = this.clock.now();
    const id = randomString(6, ID_ALPHABET);
    const answer = randomString(4, ANSWER_ALPHABET);
    const expiresAt = new Date(now.getTime() + CAPTCHA_TTL_S * 1000);
    await this.ds.getRepository(CaptchaEntity).insert({ id, appId, answerHash: this.hash(id, answer), expiresAt, usedAt: null, createdAt: now });
    // Opportunistic cleanup keeps the table small without a scheduler.
    await this.ds.getRepository(CaptchaEntity).delete({ expiresAt: LessThan(new Date(now.getTime() - 3600_000)) });
    const svg = this.renderer.render(id, answer);
    return { id, image: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, expiresAt };
  }

  /**
   * Uses up the captcha and checks the answer. The captcha is spent by this call
   * whatever the answer, so each image gets exactly one guess; the use is one
   * conditional UPDATE, so concurrent requests cannot both pass.
   */
  async consume(appId: string, id: string | undefined, answer: string | undefined): Promise<void> {
    if (!id || !answer) throw new DomainError('CAPTCHA_REQUIRED');
    const now = this.clock.now();
    const rows: Array<{ answer_hash: string }> = await this.ds.query(
      `UPDATE captchas SET used_at = $3 WHERE id = $1 AND app_id = $2 AND used_at IS NULL AND expires_at > $3 RETURNING answer_hash`,
      [id.slice(0, 16), appId, now],
    );
    // TypeORM returns [rows, count] for UPDATE … RETURNING on Postgres.
    const row = Array.isArray(rows[0]) ? (rows[0] as unknown as Array<{ answer_hash: string }>)[0] : rows[0];
    if (!row) throw new DomainError('CAPTCHA_INVALID');
    if (!safeEqual(row.answer_hash, this.hash(id, answer.trim().toUpperCase()))) throw new DomainError('CAPTCHA_WRONG');
  }

  private hash(id: string, answer: string): string {
    return hmacSha256Hex(this.config.secrets.codePepper, `captcha|${id}|${answer}`);
  }
}
