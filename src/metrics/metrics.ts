import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { poolOf } from '../database/pg-transaction.js';

/** The error names counted as refusals: a throttle or a limit said no, not a fault of the request's content. */
const REFUSALS: ReadonlySet<string> = new Set(['TOO_MANY_REQUESTS', 'LOGIN_LOCKED', 'SEND_COOLDOWN', 'SEND_LIMIT_EXCEEDED', 'PHONE_REGION_NOT_ALLOWED', 'PHONE_TYPE_NOT_ALLOWED', 'SEND_BLOCKED', 'CAPTCHA_REQUIRED', 'SIGN_NONCE_REPLAYED']);

/** Where a cache's lookups are counted: a name and running totals of hits and misses. */
export interface CountedCache {
  readonly hits: number;
  readonly misses: number;
}

/** Seconds: provider calls take tens of ms to seconds; requests a ms or two. */
const PROVIDER_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds from a send to its carrier's report: most arrive in seconds, stragglers in hours. */
const DELIVERY_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 900, 3600, 14400, 86400];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Passcode's Prometheus metrics, in a registry of their own (several
 * applications in one process, as in the tests, do not mix). Collected only when
 * METRICS_TOKEN is set: otherwise every method returns at once.
 *
 * Labels are bounded by what the operator configures, never by what callers send:
 * app and account ids, scenes, ISO regions, error names of the registry, route
 * patterns (not paths) and HTTP methods. No phone number, code or path reaches a label.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly enabled: boolean;

  private readonly sends = new Counter({
    name: 'passcode_sms_sends_total',
    help: 'Provider calls for SMS, by app, scene, destination country, provider account and outcome (accepted, unknown, or the refusal error).',
    labelNames: ['app', 'scene', 'country', 'account', 'outcome'] as const,
    registers: [],
  });

  private readonly providerDuration = new Histogram({
    name: 'passcode_sms_provider_duration_seconds',
    help: 'Time a provider took to answer a send, by account and outcome kind (accepted, refused, unknown).',
    labelNames: ['account', 'outcome'] as const,
    buckets: PROVIDER_BUCKETS,
    registers: [],
  });

  private readonly deliveries = new Counter({
    name: 'passcode_sms_deliveries_total',
    help: 'Delivery outcomes of accepted SMS, by provider account and outcome (delivered, failed, unknown: no outcome by the deadline).',
    labelNames: ['account', 'outcome'] as const,
    registers: [],
  });

  private readonly deliveryDuration = new Histogram({
    name: 'passcode_sms_delivery_seconds',
    help: 'Time from a send to its carrier\'s report of delivery, by provider account.',
    labelNames: ['account'] as const,
    buckets: DELIVERY_BUCKETS,
    registers: [],
  });

  private readonly checks = new Counter({
    name: 'passcode_code_checks_total',
    help: 'Code checks by app, scene and result (approved, wrong_code, expired, attempts_exhausted, superseded, not_found).',
    labelNames: ['app', 'scene', 'outcome'] as const,
    registers: [],
  });

  private readonly refusals = new Counter({
    name: 'passcode_refusals_total',
    help: 'Requests refused by a throttle or a limit, by kind (the error name: TOO_MANY_REQUESTS, SEND_COOLDOWN, SEND_LIMIT_EXCEEDED, ...).',
    labelNames: ['kind'] as const,
    registers: [],
  });

  private readonly fraudChanges = new Counter({
    name: 'passcode_fraud_bucket_changes_total',
    help: 'Fraud guard bucket state changes, by app, bucket kind (country, prefix) and the state entered (normal, challenge, blocked).',
    labelNames: ['app', 'kind', 'state'] as const,
    registers: [],
  });

  private readonly httpRequests = new Counter({
    name: 'passcode_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [],
  });

  private readonly httpDuration = new Histogram({
    name: 'passcode_http_request_duration_seconds',
    help: 'Time from a request to its answer, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers: [],
  });

  private readonly caches = new Map<string, CountedCache>();

  private readonly circuitSkips = new Counter({
    name: 'passcode_sms_circuit_skips_total',
    help: 'Sends that skipped a provider account whose circuit was open (its recent calls mostly failed), by account.',
    labelNames: ['account'] as const,
    registers: [],
  });

  private circuits: () => Array<{ account: string; open: boolean }> = () => [];

  constructor(@Inject(APP_CONFIG) config: AppConfig, @InjectDataSource() ds: DataSource) {
    this.enabled = config.metrics.enabled;
    if (!this.enabled) return;
    const caches = this.caches;
    const lookups = new Counter({
      name: 'passcode_cache_lookups_total',
      help: 'Lookups of the in-process caches of app settings and SMS routes, by cache and result (hit, miss).',
      labelNames: ['cache', 'result'] as const,
      registers: [],
      collect() {
        this.reset();
        for (const [name, cache] of caches) {
          this.inc({ cache: name, result: 'hit' }, cache.hits);
          this.inc({ cache: name, result: 'miss' }, cache.misses);
        }
      },
    });
    const pool = new Gauge({
      name: 'passcode_db_pool_connections',
      help: 'Database pool connections by state: in_use, idle, and waiting (requests queued for a connection).',
      labelNames: ['state'] as const,
      registers: [],
      collect() {
        const p = ds.isInitialized ? poolOf(ds) : undefined;
        this.set({ state: 'in_use' }, p ? p.totalCount - p.idleCount : 0);
        this.set({ state: 'idle' }, p ? p.idleCount : 0);
        this.set({ state: 'waiting' }, p ? p.waitingCount : 0);
      },
    });
    const circuits = () => this.circuits();
    const circuitOpen = new Gauge({
      name: 'passcode_sms_circuit_open',
      help: 'Whether a provider account\'s circuit is open or half-open (1) or closed (0) in this instance, by account.',
      labelNames: ['account'] as const,
      registers: [],
      collect() {
        this.reset();
        for (const c of circuits()) this.set({ account: c.account }, c.open ? 1 : 0);
      },
    });
    const all: Array<Parameters<Registry['registerMetric']>[0]> = [
      this.sends, this.providerDuration, this.deliveries, this.deliveryDuration, this.checks, this.refusals, this.fraudChanges, this.httpRequests, this.httpDuration, lookups, pool,
      this.circuitSkips, circuitOpen,
    ];
    for (const metric of all) this.registry.registerMetric(metric);
    collectDefaultMetrics({ register: this.registry });
  }

  /** One provider call for an SMS and how it ended. */
  smsSent(s: { app: string; scene: string; country: string | undefined; account: string; outcome: string; kind: 'accepted' | 'refused' | 'unknown'; seconds: number }): void {
    if (!this.enabled) return;
    this.sends.inc({ app: s.app, scene: s.scene, country: s.country ?? 'unknown', account: s.account, outcome: s.outcome });
    this.providerDuration.observe({ account: s.account, outcome: s.kind }, s.seconds);
  }

  /**
   * A send's delivery outcome, recorded once when it lands on its row; `seconds`
   * (send to report) for a delivered message. An account since deleted counts as `none`.
   */
  smsDelivered(account: string | null, outcome: 'delivered' | 'failed' | 'unknown', seconds?: number): void {
    if (!this.enabled) return;
    this.deliveries.inc({ account: account ?? 'none', outcome });
    if (outcome === 'delivered' && seconds !== undefined) this.deliveryDuration.observe({ account: account ?? 'none' }, Math.max(0, seconds));
  }

  codeChecked(app: string, scene: string, outcome: string): void {
    if (this.enabled) this.checks.inc({ app, scene, outcome });
  }

  /** A fraud guard bucket entered `state` (once across instances: counted by the instance that made the change). */
  fraudBucketChanged(app: string, kind: string, state: string): void {
    if (this.enabled) this.fraudChanges.inc({ app, kind, state });
  }

  /** An error answered: counted when it is a refusal (a throttle or a limit). */
  answeredError(name: string): void {
    if (this.enabled && REFUSALS.has(name)) this.refusals.inc({ kind: name });
  }

  httpAnswered(method: string, route: string, status: number, seconds: number): void {
    if (!this.enabled) return;
    this.httpRequests.inc({ method, route, status });
    this.httpDuration.observe({ method, route }, seconds);
  }

  /** Counts a cache's lookups under `name` from now on (read when scraped). */
  /** The provider circuits' states, read at each scrape. */
  watchCircuits(source: () => Array<{ account: string; open: boolean }>): void {
    this.circuits = source;
  }

  /** A send skipped the account: its circuit was open. */
  smsCircuitSkipped(account: string): void {
    if (this.enabled) this.circuitSkips.inc({ account });
  }

  countCache(name: string, cache: CountedCache): void {
    this.caches.set(name, cache);
  }
}
