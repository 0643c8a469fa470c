import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../clock/clock.js';
import { DialectResolver } from './dialect-resolver.js';
import { type EnvelopingFastifyAdapter } from './enveloping-fastify.adapter.js';
import { errorContext, requestPath } from './request-context.js';
import { dbUnavailable, describeUnavailable, isStatementRefusal } from '../errors/db-unavailable.js';
import { DomainError } from '../errors/domain-error.js';
import { toDomainError } from './to-domain-error.js';
import { withFieldName } from './route-field-names.js';
import { Metrics } from '../../metrics/metrics.js';

/** How often, at most, a database that cannot serve is logged while it stays so, for each reason. */
const OUTAGE_LOG_EVERY_MS = 5_000;

/**
 * The one exception filter. It turns anything thrown into a DomainError and lets
 * the request's dialect render it. Unexpected errors are logged with the request
 * id and answered as the dialect's generic 500: no stack or internals leak. A
 * database that cannot serve (SERVICE_UNAVAILABLE) is one condition, not a bug per
 * request: it is logged as a warning naming the condition (`connection refused
 * (ECONNREFUSED)`, `read-only (25006)`, `disk full (53100)`), once per 5 s for
 * each, with how many requests it refused since its last line and when that was
 * (a three-second outage under load logged ~700 stacks).
 */
@Catch()
export class WireExceptionFilter implements ExceptionFilter {
  /** By condition: when it was last logged, and the requests it refused since. */
  private readonly outages = new Map<string, { loggedAtMs: number; unlogged: number }>();

  constructor(
    private readonly dialects: DialectResolver,
    private readonly logger: PinoLogger,
    private readonly adapterHost: HttpAdapterHost,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {
    this.logger.setContext('WireExceptionFilter');
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { error: mapped, unexpected } = toDomainError(exception);
    const error = withThrottlerWait(this.withAllowedMethods(mapped, req, reply), reply);
    const ctx = errorContext(req);
    this.metrics.answeredError(error.code);
    if (unexpected && error.code === 'SERVICE_UNAVAILABLE') this.logUnavailable(exception, ctx.requestId);
    else if (unexpected) this.logger.error({ err: exception, reqId: ctx.requestId, route: ctx.route }, 'request failed: %s', error.code);
    if (reply.sent) return;
    sendFailure(this.dialects, error, req, reply);
  }

  /** A 503 the database caused (an outage, or a statement it gave up): one line per condition every OUTAGE_LOG_EVERY_MS, the rest counted. */
  private logUnavailable(exception: unknown, reqId: string): void {
    const unavailable = dbUnavailable(exception);
    const reason = unavailable ? describeUnavailable(unavailable) : 'unavailable';
    const now = this.clock.nowMs();
    const outage = this.outages.get(reason);
    if (outage && now - outage.loggedAtMs < OUTAGE_LOG_EVERY_MS) {
      outage.unlogged++;
      return;
    }
    const cause = exception instanceof Error ? exception.message : String(exception);
    // The count is of the requests refused since the last line of this condition, which may be long past: its time says which.
    const since = outage ? { refusedSinceLastLine: outage.unlogged, lastLineAt: new Date(outage.loggedAtMs).toISOString() } : { refusedSinceLastLine: 0 };
    this.logger.warn({ reqId, reason, cause, ...since }, `${unavailable && isStatementRefusal(unavailable) ? 'database gave up the statement' : 'database unavailable'} (${reason}): answering SERVICE_UNAVAILABLE`);
    this.outages.set(reason, { loggedAtMs: now, unlogged: 0 });
  }

  /** A path that exists with other methods: 405 with their `Allow` rather than 404. */
  private withAllowedMethods(error: DomainError, req: FastifyRequest, reply: FastifyReply): DomainError {
    if (error.code !== 'ROUTE_NOT_FOUND') return error;
    const allowed = (this.adapterHost.httpAdapter as EnvelopingFastifyAdapter).allowedMethods(req);
    if (!allowed.length || allowed.includes(req.method as (typeof allowed)[number])) return error;
    reply.header('allow', allowed.join(', '));
    return new DomainError('METHOD_NOT_ALLOWED');
  }
}

/** Sends `error` in the request's dialect, with its request id; an input role becomes the route's field for it. */
export function sendFailure(dialects: DialectResolver, error: DomainError, req: FastifyRequest, reply: FastifyReply): void {
  const ctx = errorContext(req);
  const answer = dialects.forPath(requestPath(req)).failure(withFieldName(error, req.routeOptions?.config?.passcodeFieldNames), ctx);
  reply.status(answer.status);
  if (answer.headers) reply.headers(answer.headers);
  reply.header('x-request-id', ctx.requestId);
  void reply.send(answer.body);
}

/**
 * @nestjs/throttler announces the wait in `Retry-After-<throttler>` headers; carry
 * it into the error so every dialect reports it its own way (and REST as Retry-After).
 */
function withThrottlerWait(error: DomainError, reply: FastifyReply): DomainError {
  if (error.code !== 'TOO_MANY_REQUESTS' || error.details.retryAfterS !== undefined) return error;
  const waits = Object.entries(reply.getHeaders())
    .filter(([name]) => name.toLowerCase().startsWith('retry-after'))
    .map(([, value]) => Number(value))
    .filter((n) => Number.isFinite(n));
  return waits.length ? new DomainError('TOO_MANY_REQUESTS', { ...error.details, retryAfterS: Math.max(...waits) }) : error;
}
