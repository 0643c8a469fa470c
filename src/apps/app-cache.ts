import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { Clock } from '../common/clock/clock.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppEntity } from './app.entity.js';

export const APP_CHANGED_CHANNEL = 'passcode_app_changed';
const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * Apps by appkey, for the request paths that resolve one on every call. An admin
 * change evicts the entry here and, through Postgres NOTIFY (sent in the change's
 * transaction, so only on commit), in every other instance. The TTL bounds
 * staleness should a notification be lost while the listener reconnects.
 */
@Injectable()
export class AppCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, { app: AppEntity | null; expiresAt: number }>();
  private readonly logger = new Logger('AppCache');
  private listener?: pg.Client;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** The cached lookup, or `load()` (whose answer, null included, is cached). */
  async get(appkey: string, load: () => Promise<AppEntity | null>): Promise<AppEntity | null> {
    const now = this.clock.nowMs();
    const hit = this.entries.get(appkey);
    if (hit && hit.expiresAt > now) return hit.app;
    const app = await load();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(appkey, { app, expiresAt: now + TTL_MS });
    return app;
  }

  evict(appkey: string): void {
    this.entries.delete(appkey);
  }

  async onModuleInit(): Promise<void> {
    // PGlite serves one process: local eviction is the whole story there.
    if (this.config.db.url) await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.db.url });
    client.on('notification', (msg) => {
      if (msg.channel === APP_CHANGED_CHANNEL && msg.payload) this.evict(msg.payload);
    });
    client.on('error', (err) => {
      this.logger.warn(`app-change listener lost its connection: ${err.message}`);
      this.entries.clear();
      this.retry();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${APP_CHANGED_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.logger.warn(`app-change listener could not connect: ${(err as Error).message}`);
      await client.end().catch(() => undefined);
      this.retry();
    }
  }

  private retry(): void {
    if (this.stopped) return;
    this.listener = undefined;
    setTimeout(() => void this.listen(), 2000).unref();
  }
}
