import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * A path whose last segment is a credential: a receipt push's token, the only proof
 * that a push comes from the provider (Aliyun does not sign them). Logged, anyone who
 * reads the log could push delivery outcomes, and the webhooks they send, for every
 * app of the account. Found anywhere in the URL: a request target in absolute form
 * (`http://host/sms/receipts/…`), which Fastify routes, and paths that only look
 * like the route (`//sms/…`, `/%73ms/…`) carry it too.
 */
const CREDENTIAL_IN_PATH = /(\/receipts\/[^/?#]*\/[^/?#]*\/)[^?#]+/i;

/** The request's path with query values removed (seed 003 puts phone numbers and signatures there), and a credential in the path masked. */
export function safeUrl(url: string | undefined): string {
  if (!url) return '/';
  url = url.replace(CREDENTIAL_IN_PATH, '$1~');
  const q = url.indexOf('?');
  if (q === -1) return url;
  const keys = url
    .slice(q + 1)
    .split('&')
    .map((pair) => pair.split('=')[0])
    .filter(Boolean);
  return `${url.slice(0, q)}?${keys.map((k) => `${k}=~`).join('&')}`;
}

/**
 * One line per answered request, from a Fastify hook: the request id, method,
 * path without query values, status and time taken. Bodies, headers and query
 * values (phone numbers, codes, signatures) are never logged.
 *
 * This replaces pino-http as Nest middleware: that ran through middie and an
 * AsyncLocalStorage per request and cost a quarter of the CPU of a v1 check
 * (see README "Benchmarks"). Service log lines therefore carry no request id;
 * the failure line of the exception filter does.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (logger.isLevelEnabled(level)) {
      logger[level](
        { reqId: req.id, req: { id: req.id, method: req.method, url: safeUrl(req.url) }, res: { statusCode: status }, responseTime: Math.round(reply.elapsedTime) },
        'request completed',
      );
    }
    done();
  });
}
