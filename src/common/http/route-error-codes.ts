import { type ErrorName } from '../errors/error-registry.js';
import { MergeRouteConfig, routeConfigOf } from './route-config.js';

/** An endpoint's own numbering of some errors, where its document gives a number another meaning than its dialect's default. */
export type RouteErrorCodes = Readonly<Partial<Record<ErrorName, number>>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by {@link ErrorCodes}: the route's own error numbering, read by its dialect through the ErrorContext. */
    passcodeErrorCodes?: RouteErrorCodes;
  }
}

/**
 * Puts an endpoint's error numbering in its Fastify route config, so the table
 * travels with the handler: a renamed or moved route keeps it. It merges with a
 * config already set by decorators listed below it (e.g. `RouteConfig`).
 */
export function ErrorCodes(codes: RouteErrorCodes): MethodDecorator {
  return MergeRouteConfig({ passcodeErrorCodes: codes });
}

/** The numbering {@link ErrorCodes} put on a handler (for tests and docs). */
export function errorCodesOf(handler: object): RouteErrorCodes | undefined {
  return routeConfigOf(handler)?.passcodeErrorCodes;
}
