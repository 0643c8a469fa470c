import { Injectable, type ExecutionContext } from '@nestjs/common';
import { normalizeIp, ThrottlerGuard, type ThrottlerOptions } from '@nestjs/throttler';
import { type FastifyRequest } from 'fastify';
import { clientIp } from '../common/http/client-ip.js';
import { THROTTLER_METADATA as META } from './throttler-metadata.js';


/** What one throttler counts on one route: its settings, read once. */
interface Step {
  throttler: ThrottlerOptions;
  limit: number;
  ttl: number;
  blockDuration: number;
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
 * settings do not change, so they are read once per route here, and each request
 * goes straight to the package's count, headers and refusal (`handleRequest`).
 * A route whose settings are computed per request (a function for limit, ttl or
 * block duration, its own tracker or key) goes the package's whole way.
 */
@Injectable()
export class PasscodeThrottlerGuard extends ThrottlerGuard {
  private readonly steps = new WeakMap<object, Step[] | 'dynamic'>();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const steps = this.stepsOf(context);
    if (steps === 'dynamic') return super.canActivate(context);
    const { getTracker, generateKey } = this.commonOptions as Required<Pick<ThrottlerOptions, 'getTracker' | 'generateKey'>>;
    for (const step of steps) {
      if ((step.throttler.skipIf ?? this.commonOptions.skipIf)?.(context)) continue;
      await this.handleRequest({ context, ...step, getTracker, generateKey });
    }
    return true;
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
      steps.push({ throttler, limit, ttl, blockDuration });
    }
    return steps;
  }

  /** The client IP as {@link clientIp} reads it, an IPv6 /64 counting as one client. */
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(normalizeIp(clientIp(req as unknown as FastifyRequest), this.ipv6SubnetPrefix));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }
}
