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

/** What a dialect needs to know of a request to render its answer: its id, its route and the route's own error numbering. */
export function errorContext(req: FastifyRequest): ErrorContext {
  const pattern = req.routeOptions?.url;
  const codes = req.routeOptions?.config?.passcodeErrorCodes;
  return { requestId: requestId(req), route: pattern ? `${req.method} ${pattern}` : '', ...(codes ? { codes } : {}) };
}
