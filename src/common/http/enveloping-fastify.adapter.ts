import { StreamableFile } from '@nestjs/common';
import { FastifyAdapter, RouteConfig } from '@nestjs/platform-fastify';
import { type FastifyContextConfig, type FastifyHttpOptions, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { DomainError } from '../errors/domain-error.js';
import { type DialectResolver } from './dialect-resolver.js';
import { requestId, requestPath } from './request-context.js';
import { sendFailure } from './wire-exception.filter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by {@link RawResponse}: the handler's return value is sent without an envelope. */
    passcodeRawResponse?: boolean;
  }
}

/**
 * The paths a HEAD is answered on, as their GET without the body: the health
 * checks and the pages (the console, the API docs). Fastify answers HEAD on
 * every GET route by running the GET's handler, and some of those act: a
 * logout revokes its token, an image captcha is a new row. HEAD is a safe
 * method that link checkers, monitors and proxies send freely, so anywhere
 * else it is a 405 naming the path's methods.
 */
const HEAD_ANSWERED = /^\/(?:health|console|docs)(?:[/-]|$)/;

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
    // No Nest middleware here, so no middie and its request hook (`use()` below refuses middleware).
    super(constructing({ ...options, skipMiddie: true }));
    keepAdapterHooks(this.getInstance());
    // Matched as Fastify's own router matches.
    const { ignoreTrailingSlash, ignoreDuplicateSlashes, caseSensitive } = options.routerOptions ?? {};
    this.paths = FindMyWay({ ignoreTrailingSlash, ignoreDuplicateSlashes, caseSensitive });
    this.getInstance().addHook('onRoute', (route) => {
      if (route.method === 'HEAD' && !HEAD_ANSWERED.test(route.url)) {
        route.handler = (req, reply) => {
          reply.header('allow', this.allowedMethods(req).join(', '));
          sendFailure(this.dialects, new DomainError('METHOD_NOT_ALLOWED'), req, reply);
          return reply;
        };
        return; // left out of `paths`: the path's Allow does not offer it
      }
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

  /**
   * FastifyAdapter's constructor calls this just before it adds its request
   * hooks (see {@link NEST_REQUEST_HOOKS}), which are then left out.
   */
  override setInstance<T>(instance: T): void {
    super.setInstance(instance);
    if (patching === 'constructing') leaveOutAdapterHooks(instance as FastifyInstance);
  }

  // The features whose hooks are left out are refused, rather than left silently undone.
  override setOnRequestHook(..._args: unknown[]): never {
    throw unsupported('request hooks set through the adapter');
  }

  override setOnResponseHook(..._args: unknown[]): never {
    throw unsupported('response hooks set through the adapter');
  }

  override enableCors(..._args: unknown[]): never {
    throw unsupported('CORS');
  }

  override registerSecurityHook(..._args: unknown[]): never {
    throw unsupported('CSRF protection and security headers');
  }

  override applyVersionFilter(..._args: unknown[]): never {
    throw unsupported('route versioning');
  }

  override use(..._args: unknown[]): never {
    throw unsupported('Nest middleware');
  }

  override initHttpServer(options: Parameters<FastifyAdapter['initHttpServer']>[0] = {}): void {
    if (options.return503OnClosing) throw unsupported('return503OnClosing');
    super.initHttpServer(options);
  }

  override reply(response: Parameters<FastifyAdapter['reply']>[0], body: unknown, statusCode?: number): FastifyReply {
    return super.reply(response, isFastifyReply(response) ? this.envelope(response, body) : body, statusCode);
  }

  /**
   * The success envelope of the route at `url` with `config`, resolved once, for
   * a handler that knows its route ({@link DirectRoute}): what {@link reply} does
   * to a body that is not a file on every request, after reading the route
   * (Fastify builds its `routeOptions` anew on each read) and the dialect of the
   * request's path.
   */
  successEnvelope(url: string, config: FastifyContextConfig | undefined): (body: unknown, requestId: string) => unknown {
    if (config?.passcodeRawResponse) return (body) => body;
    const dialect = this.dialects.forPath(url);
    return (body, requestId) => dialect.success(body, requestId);
  }

  private envelope(reply: FastifyReply, body: unknown): unknown {
    const req = reply.request;
    if (body instanceof StreamableFile || req.routeOptions.config?.passcodeRawResponse) return body;
    return this.dialects.forPath(requestPath(req)).success(body, requestId(req));
  }
}

/**
 * The request hooks FastifyAdapter's constructor adds: one running what
 * `setOnRequestHook()` set, a 503 while shutting down with `return503OnClosing`,
 * CORS, CSRF protection and security headers, a 404 for request targets Nest
 * middleware cannot match, and errors of custom versioning; and one running what
 * `setOnResponseHook()` set. Passcode uses none of these, yet each hook ran on
 * every request (a v1 check spent several microseconds in them). They are left
 * out, and the adapter refuses the features. Should another Nest version add a
 * different number, the app does not start, so that what the new ones do is
 * looked at first.
 */
const NEST_REQUEST_HOOKS: Readonly<Record<string, number>> = { onRequest: 6, onResponse: 1 };

type AddHook = (this: FastifyInstance, name: string, ...rest: unknown[]) => FastifyInstance;
/** Where the adapter under construction is: its hooks are left out only between `setInstance()` and the end of the constructor. */
let patching: 'idle' | 'constructing' | { instance: FastifyInstance; addHook: AddHook; counts: Record<string, number> } = 'idle';

function constructing<T>(options: T): T {
  patching = 'constructing';
  return options;
}

function leaveOutAdapterHooks(instance: FastifyInstance): void {
  const addHook = instance.addHook as unknown as AddHook;
  const counts: Record<string, number> = Object.fromEntries(Object.keys(NEST_REQUEST_HOOKS).map((name) => [name, 0]));
  patching = { instance, addHook, counts };
  (instance as unknown as { addHook: AddHook }).addHook = function (name, ...rest) {
    if (name in counts) {
      counts[name]++;
      return this;
    }
    return addHook.call(this, name, ...rest);
  };
}

function keepAdapterHooks(instance: FastifyInstance): void {
  const patched = patching;
  patching = 'idle';
  if (typeof patched !== 'object' || patched.instance !== instance) throw new Error('EnvelopingFastifyAdapter: FastifyAdapter no longer calls setInstance() from its constructor');
  (instance as unknown as { addHook: AddHook }).addHook = patched.addHook;
  for (const [name, expected] of Object.entries(NEST_REQUEST_HOOKS)) {
    if (patched.counts[name] !== expected) {
      throw new Error(`EnvelopingFastifyAdapter: FastifyAdapter added ${patched.counts[name]} ${name} hooks, not ${expected}: see what they do before leaving them out`);
    }
  }
}

function unsupported(feature: string): Error {
  return new Error(`EnvelopingFastifyAdapter: ${feature} is not supported (the adapter leaves out the request hooks it needs)`);
}

function isFastifyReply(response: unknown): response is FastifyReply {
  return typeof response === 'object' && response !== null && 'request' in response && 'raw' in response;
}
