import { StreamableFile } from '@nestjs/common';
import { FastifyAdapter, RouteConfig } from '@nestjs/platform-fastify';
import { type FastifyHttpOptions, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { type DialectResolver } from './dialect-resolver.js';
import { errorContext, requestPath } from './request-context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by {@link RawResponse}: the handler's return value is sent without an envelope. */
    passcodeRawResponse?: boolean;
  }
}

/** Marks a handler whose return value is sent as is, without the dialect's envelope (health). */
export const RawResponse = () => RouteConfig({ passcodeRawResponse: true });

/**
 * The Fastify adapter, wrapping every handler's return value in its dialect's
 * success envelope on the way out. This is the one place Nest hands a handler's
 * result to Fastify, so no interceptor is needed: with none, Nest calls handlers
 * without building an rxjs chain per request (a quarter of a check's CPU).
 * Errors are rendered by WireExceptionFilter, which sends its own body.
 */
export class EnvelopingFastifyAdapter extends FastifyAdapter {
  /** Every route's path and method, so a known path asked with another method is a 405, not a 404. */
  private readonly paths: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
  private readonly methods = new Set<HTTPMethod>();

  constructor(
    options: FastifyHttpOptions<RawServerDefault>,
    private readonly dialects: DialectResolver,
  ) {
    super(options);
    // Matched as Fastify's own router matches.
    const { ignoreTrailingSlash, ignoreDuplicateSlashes, caseSensitive } = options.routerOptions ?? {};
    this.paths = FindMyWay({ ignoreTrailingSlash, ignoreDuplicateSlashes, caseSensitive });
    this.getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat() as HTTPMethod[]) {
        this.paths.on(method, route.url, () => undefined);
        this.methods.add(method);
      }
    });
  }

  /** The methods the request's path has (none for an unknown path), for a 405's `Allow`. */
  allowedMethods(req: FastifyRequest): HTTPMethod[] {
    let path: string;
    try {
      path = FindMyWay.sanitizeUrlPath(req.url);
    } catch {
      return []; // a malformed URL matches nothing
    }
    return [...this.methods].filter((method) => this.paths.find(method, path) !== null);
  }

  override reply(response: Parameters<FastifyAdapter['reply']>[0], body: unknown, statusCode?: number): FastifyReply {
    return super.reply(response, isFastifyReply(response) ? this.envelope(response, body) : body, statusCode);
  }

  private envelope(reply: FastifyReply, body: unknown): unknown {
    const req = reply.request;
    if (body instanceof StreamableFile || req.routeOptions.config?.passcodeRawResponse) return body;
    return this.dialects.forPath(requestPath(req)).success(body, errorContext(req));
  }
}

function isFastifyReply(response: unknown): response is FastifyReply {
  return typeof response === 'object' && response !== null && 'request' in response && 'raw' in response;
}
