import { Injectable, type ExecutionContext } from '@nestjs/common';
import { normalizeIp, ThrottlerGuard, type ThrottlerOptions } from '@nestjs/throttler';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { clientIp } from '../common/http/client-ip.js';
import { MemoryThrottlerStorage, type ThrottlerStorageRecord } from './memory-throttler.storage.js';
import { THROTTLER_METADATA as META } from './throttler-metadata.js';


/** What one throttler counts on one route: its settings and response headers, read once. */
interface Step {
  throttler: ThrottlerOptions;
  /** The throttler's name (the package names an unnamed one `default`). */
  name: string;
  limit: number;
  ttl: number;
  blockDuration: number;
  /** The throttler's own, else the module's. */
  skipIf?: (context: ExecutionContext) => boolean;
  /** The throttler's own, else the module's: clients whose user agent matches are not counted. */
  ignoreUserAgents?: RegExp[];
  /** The package's header names with the throttler's suffix (`X-RateLimit-Limit`, `-Limit-admin-login` …), lowercased as Fastify sends them; none when it sets no headers. */
  headers?: { limit: string; remaining: string; reset: string; retryAfter: string };
}

/**
 * @nestjs/throttler's guard with one budget per client IP across all routes.
 * The package keys each count by `Class-handler-throttler-tracker` (a budget per
 * route and IP, so THROTTLE_LIMIT multiplied by the number of routes) and hashes
 * that with SHA-256 on every request; ours is the tracker alone, already bounded
 * (an IP address, an IPv6 /64), and the storages put the throttler's name in
 * front. The `admin-login` throttler counts only on its route (its `skipIf`), so it
 * stays a per-IP login budget.
 *
 * The package reads six metadata keys per throttler on every request; a route's
 * settings do not change, so they are read once per route here. With the
 * in-process storage a request is counted, and its headers set, without a
 * promise (the package's way took four); with Redis each request goes to the
 * package's count, headers and refusal (`handleRequest`). A route whose settings
 * are computed per request (a function for limit, ttl or block duration, its own
 * tracker or key) goes the package's whole way.
 */
@Injectable()
export class PasscodeThrottlerGuard extends ThrottlerGuard {
  private readonly steps = new WeakMap<object, Step[] | 'dynamic'>();

  // @ts-expect-error The package types it as a promise; Nest's CanActivate takes a boolean too, as do both callers (Nest's guards consumer, direct routes).
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const steps = this.stepsOf(context);
    if (steps === 'dynamic') return super.canActivate(context);
    if (!(this.storageService instanceof MemoryThrottlerStorage)) return this.countRemotely(context, steps);
    // The arguments themselves: switchToHttp() adds three new closures to the context each time it is called.
    const req = context.getArgByIndex<FastifyRequest>(0);
    const reply = context.getArgByIndex<FastifyReply>(1);
    for (const step of steps) {
      if (skipped(step, context, req)) continue;
      const tracker = this.trackerOf(req);
      const hit = this.storageService.count(tracker, step.ttl, step.limit, step.blockDuration, step.name);
      if (hit.isBlocked) return this.refuse(context, step, tracker, hit);
      if (step.headers) {
        reply.header(step.headers.limit, step.limit);
        reply.header(step.headers.remaining, Math.max(0, step.limit - hit.totalHits));
        reply.header(step.headers.reset, hit.timeToExpire);
      }
    }
    return true;
  }

  /** The package's count (Redis): one round trip per throttler. */
  private async countRemotely(context: ExecutionContext, steps: Step[]): Promise<boolean> {
    const { getTracker, generateKey } = this.commonOptions as Required<Pick<ThrottlerOptions, 'getTracker' | 'generateKey'>>;
    for (const step of steps) {
      if (step.skipIf?.(context)) continue;
      await this.handleRequest({ context, throttler: step.throttler, limit: step.limit, ttl: step.ttl, blockDuration: step.blockDuration, getTracker, generateKey });
    }
    return true;
  }

  /** What the package does once a client is blocked: the wait in Retry-After, and its ThrottlerException. */
  private async refuse(context: ExecutionContext, step: Step, tracker: string, hit: ThrottlerStorageRecord): Promise<boolean> {
    if (step.headers) context.getArgByIndex<FastifyReply>(1).header(step.headers.retryAfter, hit.timeToBlockExpire);
    await this.throwThrottlingException(context, { limit: step.limit, ttl: step.ttl, key: tracker, tracker, ...hit });
    return false;
  }

  private stepsOf(context: ExecutionContext): Step[] | 'dynamic' {
    const handler = context.getHandler();
    let steps = this.steps.get(handler);
    if (!steps) {
      steps = this.readSteps(handler, context.getClass());
      this.steps.set(handler, steps);
    }
    return steps;
  }

  private readSteps(handler: ReturnType<ExecutionContext['getHandler']>, classRef: ReturnType<ExecutionContext['getClass']>): Step[] | 'dynamic' {
    const steps: Step[] = [];
    for (const throttler of this.throttlers) {
      const meta = (key: string): unknown => this.reflector.getAllAndOverride(key + throttler.name, [handler, classRef]);
      if (meta(META.skip)) continue;
      if (meta(META.tracker) || meta(META.keyGenerator)) return 'dynamic';
      const limit = meta(META.limit) ?? throttler.limit;
      const ttl = meta(META.ttl) ?? throttler.ttl;
      const blockDuration = meta(META.blockDuration) ?? throttler.blockDuration ?? ttl;
      if (typeof limit !== 'number' || typeof ttl !== 'number' || typeof blockDuration !== 'number') return 'dynamic';
      const suffix = throttler.name === 'default' ? '' : `-${throttler.name}`;
      const header = (name: string): string => `${this.headerPrefix}-${name}${suffix}`.toLowerCase();
      steps.push({
        throttler,
        name: throttler.name ?? 'default',
        limit,
        ttl,
        blockDuration,
        skipIf: throttler.skipIf ?? this.commonOptions.skipIf,
        ignoreUserAgents: throttler.ignoreUserAgents ?? this.commonOptions.ignoreUserAgents,
        headers: (throttler.setHeaders ?? this.commonOptions.setHeaders ?? true)
          ? { limit: header('Limit'), remaining: header('Remaining'), reset: header('Reset'), retryAfter: `Retry-After${suffix}`.toLowerCase() }
          : undefined,
      });
    }
    return steps;
  }

  /** The client IP as {@link clientIp} reads it, an IPv6 /64 counting as one client. */
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(this.trackerOf(req as unknown as FastifyRequest));
  }

  private trackerOf(req: FastifyRequest): string {
    return normalizeIp(clientIp(req), this.ipv6SubnetPrefix);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }
}

/** Whether `step` leaves this request uncounted: its `skipIf` says so, or the client's user agent is one it ignores (as the package decides). */
function skipped(step: Step, context: ExecutionContext, req: FastifyRequest): boolean {
  if (step.skipIf?.(context)) return true;
  if (!step.ignoreUserAgents) return false;
  const agent = req.headers['user-agent'];
  return step.ignoreUserAgents.some((pattern) => pattern.test(agent as string));
}
