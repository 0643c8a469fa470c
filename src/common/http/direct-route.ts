import { type ArgumentMetadata, type CanActivate, type ExceptionFilter, ForbiddenException, type PipeTransform, RequestMethod, StreamableFile, type Type } from '@nestjs/common';
import {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { isObservable, lastValueFrom } from 'rxjs';
import { EnvelopingFastifyAdapter } from './enveloping-fastify.adapter.js';
import { requestId } from './request-context.js';
import { MergeRouteConfig } from './route-config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by {@link DirectRoute}: the controller method this route's direct handler runs. */
    passcodeDirect?: { controller: Type; method: string };
  }
}

/** The enhancers Nest applies to every route (the app's APP_GUARD, APP_PIPE and APP_FILTER), which a direct route applies too. */
export interface GlobalEnhancers {
  guards: Array<Type<CanActivate>>;
  pipe: Type<PipeTransform>;
  filter: Type<ExceptionFilter>;
}

/**
 * Marks a hot route to be answered by a plain Fastify handler instead of Nest's
 * router, running what Nest would run, in Nest's order: the global guards, the
 * controller's and the method's guards, the global pipe on each parameter Nest
 * pipes (not a header or the request), the method, the adapter's reply (the
 * dialect's envelope, resolved once for the route), and the global filter for
 * anything thrown. The controller stays the route's one declaration (path,
 * guards, parameters, DTO, OpenAPI); what Nest's per-request machinery costs
 * around it is gone (a check spent about as much CPU in it as in its own
 * work). A route using anything else Nest offers (interceptors, its own pipes
 * or filters, other parameter kinds, response headers, redirects) is refused
 * when the app starts rather than run differently.
 */
export function DirectRoute(): MethodDecorator {
  return (target, key, descriptor) => MergeRouteConfig({ passcodeDirect: { controller: target.constructor as Type, method: String(key) } })(target, key, descriptor);
}

/** What a direct route does with one parameter. */
interface Param {
  index: number;
  /** The value before pipes, from the request. */
  extract: (req: FastifyRequest, context: ExecutionContextHost) => unknown;
  /** What the pipe is told of it, as Nest tells it; none for the kinds Nest runs no pipe on (headers, the request). */
  metadata?: ArgumentMetadata;
}

const served = new WeakMap<NestFastifyApplication, string[]>();

/** The routes of `app` answered directly, as `METHOD /path` (for tests). */
export function directRoutesOf(app: NestFastifyApplication): string[] {
  return served.get(app) ?? [];
}

/**
 * Replaces the handler of every route marked {@link DirectRoute} as Nest
 * registers it (call before `init`). The instances are Nest's own: the
 * controller, its guards, the global guards, pipe and filter, as a test's
 * overrides left them.
 */
export function serveDirectRoutes(app: NestFastifyApplication, enhancers: GlobalEnhancers): void {
  const list: string[] = [];
  served.set(app, list);
  const adapter = app.getHttpAdapter();
  adapter.getInstance().addHook('onRoute', (route) => {
    const target = route.config?.passcodeDirect;
    if (!target) return;
    const envelope = adapter instanceof EnvelopingFastifyAdapter ? adapter.successEnvelope(route.url, route.config) : undefined;
    route.handler = directHandler(app, adapter, enhancers, target.controller, target.method, envelope);
    list.push(`${String(route.method)} ${route.url}`);
  });
}

function directHandler(
  app: NestFastifyApplication,
  adapter: ReturnType<NestFastifyApplication['getHttpAdapter']>,
  enhancers: GlobalEnhancers,
  controller: Type,
  method: string,
  successEnvelope: ((body: unknown, requestId: string) => unknown) | undefined,
): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const instance = app.get(controller, { strict: false }) as Record<string, (...args: unknown[]) => unknown>;
  const callback = (controller.prototype as Record<string, (...args: unknown[]) => unknown>)[method];
  const route = `${controller.name}.${method}`;
  for (const key of [INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA]) {
    if (metadataList(key, controller, callback).length) throw new Error(`DirectRoute ${route}: ${key} are not run by direct routes`);
  }
  if (metadataList(HEADERS_METADATA, callback).length) throw new Error(`DirectRoute ${route}: ${HEADERS_METADATA} are not set by direct routes`);
  for (const key of [REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA]) {
    if (Reflect.getMetadata(key, callback) !== undefined) throw new Error(`DirectRoute ${route}: ${key} is not run by direct routes`);
  }
  const resolve = <T>(ref: Type<T> | T): T => (typeof ref === 'function' ? app.get(ref as Type<T>, { strict: false }) : ref);
  const guards: CanActivate[] = [...enhancers.guards, ...metadataList<Type<CanActivate>>(GUARDS_METADATA, controller, callback)].map(resolve);
  const pipe = resolve(enhancers.pipe);
  const filter = resolve(enhancers.filter);
  const params = paramsOf(controller, method, route);
  const requestMethod = Reflect.getMetadata(METHOD_METADATA, callback) as RequestMethod;
  // Nest's default: 201 for POST, 200 otherwise.
  const status = (Reflect.getMetadata(HTTP_CODE_METADATA, callback) as number | undefined) ?? (requestMethod === RequestMethod.POST ? 201 : 200);
  // Nest's reply looks at a body sent with an error status (its Content-Type); such a route's answers go its way.
  const envelope = status < 400 ? successEnvelope : undefined;

  return async (req, reply) => {
    const context = new ExecutionContextHost([req, reply, undefined], controller, callback);
    try {
      for (const guard of guards) {
        let allowed = guard.canActivate(context);
        if (typeof allowed !== 'boolean') allowed = isObservable(allowed) ? await lastValueFrom(allowed) : await allowed;
        if (!allowed) throw new ForbiddenException('Forbidden resource'); // Nest's words
      }
      reply.status(status);
      const args: unknown[] = new Array(params.length);
      for (const param of params) {
        let value = param.extract(req, context);
        if (param.metadata) value = pipe.transform(value, param.metadata);
        if (isThenable(value)) value = await value;
        args[param.index] = value;
      }
      let result = instance[method](...args);
      if (isThenable(result)) result = await result;
      if (isObservable(result)) result = await lastValueFrom(result);
      // What the adapter's reply does with a success body (status already set), its envelope resolved once;
      // a file or an Error goes the adapter's whole way.
      if (envelope && !(result instanceof StreamableFile) && !(result instanceof Error)) reply.send(envelope(result, requestId(req)));
      else adapter.reply(reply, result, status);
    } catch (err) {
      filter.catch(err, context);
    }
    return reply;
  };
}

/**
 * The route's parameters, in index order, read as Nest's RouteParamsFactory
 * reads them: the whole body, the whole query, one header (by its lowercased
 * name), the request, and custom decorators. Any other kind (a body's or a
 * query's property among them) is refused when the app starts.
 */
function paramsOf(controller: Type, method: string, route: string): Param[] {
  const metadata = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    { index: number; data: unknown; pipes: unknown[]; factory?: (data: unknown, context: ExecutionContextHost) => unknown }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, method) ?? []) as Array<Type | undefined>;
  const params = Object.entries(metadata).map(([key, { index, data, pipes, factory }]): Param => {
    if (pipes?.length) throw new Error(`DirectRoute ${route}: parameter pipes are not run by direct routes`);
    const piped = (type: ArgumentMetadata['type']): ArgumentMetadata => ({ type, metatype: types[index], data: data as string | undefined });
    if (key.includes(CUSTOM_ROUTE_ARGS_METADATA) && factory) return { index, extract: (_req, context) => factory(data, context), metadata: piped('custom') };
    // As Nest, an empty key reads the whole body or query.
    const name = typeof data === 'string' && data !== '' ? data : undefined;
    const kind = Number(key.split(':')[0]);
    if (kind === RouteParamtypes.BODY && name === undefined) return { index, extract: (req) => req.body, metadata: piped('body') };
    if (kind === RouteParamtypes.QUERY && name === undefined) return { index, extract: (req) => req.query, metadata: piped('query') };
    if (kind === RouteParamtypes.HEADERS && name !== undefined) {
      const header = name.toLowerCase();
      return { index, extract: (req) => req.headers[header] };
    }
    if (kind === RouteParamtypes.REQUEST) return { index, extract: (req) => req };
    throw new Error(`DirectRoute ${route}: parameter ${index} is of a kind direct routes do not read`);
  });
  return params.sort((a, b) => a.index - b.index);
}

/** A list Nest's decorators keep on the class and on the method, the class's first. */
function metadataList<T>(key: string, ...targets: object[]): T[] {
  return targets.flatMap((target) => (Reflect.getMetadata(key, target) ?? []) as T[]);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
