import { type FastifyRequest } from 'fastify';
import { type ErrorContext } from './wire-dialect.js';

/** The path of a request without its query string. */
export function requestPath(req: FastifyRequest): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The request id Fastify assigned (a caller's sane `x-request-id`, or a fresh UUID). */
export function requestId(req: FastifyRequest): string {
  return String(req.id);
}

/**
 * What a dialect needs to know of a request to render its answer: its id, its
 * route and the route's own error numbering. `route` is the request's
 * `routeOptions` when the caller has read it already: Fastify builds that
 * object anew on every read.
 */
export function errorContext(req: FastifyRequest, route: FastifyRequest['routeOptions'] | undefined = req.routeOptions): ErrorContext {
  const pattern = route?.url;
  const codes = route?.config?.passcodeErrorCodes;
  return { requestId: requestId(req), route: pattern ? `${req.method} ${pattern}` : '', ...(codes ? { codes } : {}) };
}
