import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { type EntityManager } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { sessionWithout } from './data-source.factory.js';

export const CHANGES_CHANNEL = 'passcode_changed';
/** The listener's `application_name`, so operators (and tests) find it in `pg_stat_activity`. */
export const CHANGE_FEED_APPLICATION_NAME = 'passcode-change-feed';

/** Reconnect delays: doubling from the first to the cap, back to the first once LISTEN succeeds. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;
/** A connect that hangs (a partition, a stopped host) counts as a failed attempt after this. */
const CONNECT_TIMEOUT_MS = 10_000;

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
 *
 * The listener is one chain: a client lost (its `error` and `end` events count as
 * one loss) is ended and replaced by exactly one new client after a backoff, so a
 * restarting Postgres never multiplies the connections. Subscribers hear `missed`
 * on each loss and again once a new LISTEN holds, since anything cached while no
 * one listened may have missed a change.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnModuleDestroy {
  private readonly subscribers = new Map<string, ChangeSubscriber[]>();
  private readonly logger = new Logger('ChangeFeed');
  /** The one client of the chain, connecting or listening; none while a retry waits. */
  private listener?: pg.Client;
  private retryTimer?: NodeJS.Timeout;
  private retryDelayMs = RETRY_FIRST_MS;
  private stopped = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  subscribe(topic: string, subscriber: ChangeSubscriber): void {
    this.subscribers.set(topic, [...(this.subscribers.get(topic) ?? []), subscriber]);
  }

  /**
   * Tells this instance's subscribers of `topic` at once that `key` changed, as
   * the announcement, once committed, tells the other instances (and this one
   * again, a moment later): every cache of the topic drops it here.
   */
  changedHere(topic: string, key: string): void {
    this.deliver(`${topic}:${key}`);
  }

  /** Announces, on commit of `m`'s transaction, that `key` of `topic` changed. */
  async announce(m: EntityManager, topic: string, key: string): Promise<void> {
    await m.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, `${topic}:${key}`]);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.db.url) await this.listen(false);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }

  private deliver(payload: string): void {
    const colon = payload.indexOf(':');
    if (colon < 0) return;
    for (const s of this.subscribers.get(payload.slice(0, colon)) ?? []) s.changed(payload.slice(colon + 1));
  }

  private missedAll(): void {
    for (const list of this.subscribers.values()) for (const s of list) s.missed();
  }

  /** Opens the chain's next client; `reconnect` when it replaces a lost one. */
  private async listen(reconnect: boolean): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.config.db.url,
      application_name: CHANGE_FEED_APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // A half-open connection (a host gone without a word) is found by TCP keepalive, not by a query we never send.
      keepAlive: true,
    });
    this.listener = client;
    let lost = false;
    const lose = (why: string) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(`change listener lost its connection (${why}); reconnecting in ${this.retryDelayMs} ms`);
      this.missedAll();
      this.scheduleRetry();
    };
    client.on('notification', (msg) => {
      if (msg.channel === CHANGES_CHANNEL && msg.payload) this.deliver(msg.payload);
    });
    client.on('error', (err) => lose(err.message));
    client.on('end', () => lose('connection ended'));
    try {
      await client.connect();
      // Idle is what a listener is: an idle_session_timeout set on the role or the database (Postgres 14+) ended it each
      // time, and each reconnect dropped every cache.
      await client.query(sessionWithout('idle_session_timeout'));
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (err) {
      lose((err as Error).message);
      return;
    }
    if (lost) return;
    if (reconnect) {
      this.logger.log('change listener reconnected');
      this.missedAll();
    }
    this.retryDelayMs = RETRY_FIRST_MS;
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.listen(true);
    }, delay);
    this.retryTimer.unref();
  }
}
