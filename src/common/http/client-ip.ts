import { isIP } from 'node:net';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { type FastifyRequest } from 'fastify';

const CLIENT_IP = Symbol('passcode:client-ip');

/**
 * The client's address. Fastify's `req.ip` follows `X-Forwarded-For` through the
 * proxies TRUST_PROXY trusts and returns the entry it stops at as it is, so a
 * client can put any text there (100 characters of it overflowed the IP columns:
 * a 500 on every send). Here the chain is walked from the socket outwards and ends
 * at the first entry that is not an IP address: the address before it, the last
 * one a trusted hop vouched for, is the client's. Empty when not even the socket
 * has an address (a connection already gone).
 */
export function clientIp(req: FastifyRequest): string {
  const known = (req as unknown as Record<symbol, string | undefined>)[CLIENT_IP];
  if (known !== undefined) return known;
  let ip = req.ip;
  if (!isIP(ip)) {
    ip = req.socket?.remoteAddress ?? '';
    // `ips` runs from the socket's address to the farthest trusted entry.
    for (const hop of req.ips ?? []) {
      if (!isIP(hop)) break;
      ip = hop;
    }
  }
  (req as unknown as Record<symbol, string>)[CLIENT_IP] = ip;
  return ip;
}

/**
 * What a per-client cap counts `ip` under: an IPv6 address by its /64 (one
 * subscriber's usual allocation: counted address by address, 20 addresses of
 * one /64 took 20 sends under a cap of 3), as the throttle counts it; no address
 * at all under one shared key, so such requests are capped together rather than
 * not at all.
 */
export function clientKey(ip: string): string {
  return ip ? normalizeIp(ip) : 'unknown';
}

/** The handler parameter of {@link clientIp}: use it, never Nest's `@Ip()`. */
export const ClientIp = createParamDecorator((_: unknown, ctx: ExecutionContext): string => clientIp(ctx.getArgByIndex<FastifyRequest>(0)));
