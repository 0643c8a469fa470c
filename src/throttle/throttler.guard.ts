import { Injectable, type ExecutionContext } from '@nestjs/common';
import { normalizeIp, ThrottlerGuard } from '@nestjs/throttler';
import { type FastifyRequest } from 'fastify';
import { clientIp } from '../common/http/client-ip.js';

/**
 * @nestjs/throttler's guard with one budget per client IP across all routes.
 * The package keys each count by `Class-handler-throttler-tracker` (a budget per
 * route and IP, so THROTTLE_LIMIT multiplied by the number of routes) and hashes
 * that with SHA-256 on every request; ours is the tracker alone, already bounded
 * (an IP address, an IPv6 /64), and the storages put the throttler's name in
 * front. The `admin-login` throttler counts only on its route (its `skipIf`), so it
 * stays a per-IP login budget.
 */
@Injectable()
export class PasscodeThrottlerGuard extends ThrottlerGuard {
  /** The client IP as {@link clientIp} reads it, an IPv6 /64 counting as one client. */
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(normalizeIp(clientIp(req as unknown as FastifyRequest), this.ipv6SubnetPrefix));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }
}
