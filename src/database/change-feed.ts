import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { type EntityManager } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export const CHANGES_CHANNEL = 'passcode_changed';

export interface ChangeSubscriber {
  /** `key` of the topic changed in some instance (this one included). */
  changed(key: string): void;
  /** Notifications may have been lost (the listener reconnects): forget everything. */
  missed(): void;
}

/**
 * Tells every instance on the same Postgres that configuration changed, so each
 * can drop what it cached. {@link announce} runs inside the change's transaction,
 * so the notification goes out only if it commits. One LISTEN connection per
 * instance serves every topic. PGlite serves one process: there, the instance
 * that makes a change drops its own copy and nothing else is needed.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnModuleDestroy {
  private readonly subscribers = new Map<string, ChangeSubscriber[]>();
  private readonly logger = new Logger('ChangeFeed');
  private listener?: pg.Client;
  private stopped = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  subscribe(topic: string, subscriber: ChangeSubscriber): void {
    this.subscribers.set(topic, [...(this.subscribers.get(topic) ?? []), subscriber]);
  }

  /** Announces, on commit of `m`'s transaction, that `key` of `topic` changed. */
  async announce(m: EntityManager, topic: string, key: string): Promise<void> {
    await m.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, `${topic}:${key}`]);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.db.url) await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
  }

  private deliver(payload: string): void {
    const colon = payload.indexOf(':');
    if (colon < 0) return;
    for (const s of this.subscribers.get(payload.slice(0, colon)) ?? []) s.changed(payload.slice(colon + 1));
  }

  private missedAll(): void {
    for (const list of this.subscribers.values()) for (const s of list) s.missed();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.db.url });
    client.on('notification', (msg) => {
      if (msg.channel === CHANGES_CHANNEL && msg.payload) this.deliver(msg.payload);
    });
    client.on('error', (err) => {
      this.logger.warn(`change listener lost its connection: ${err.message}`);
      this.missedAll();
      this.retry();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.logger.warn(`change listener could not connect: ${(err as Error).message}`);
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
