import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { safeEqual } from '../common/crypto/hashing.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type DialectResolver } from '../common/http/dialect-resolver.js';
import { sendFailure } from '../common/http/wire-exception.filter.js';
import { Metrics } from './metrics.js';

/**
 * When metrics are on (METRICS_TOKEN): `GET /metrics` in Prometheus's text format
 * for a scraper that presents the token as a bearer token, and every answered
 * request counted by route pattern and status. The route is Fastify's own, beside
 * the API rather than in it: no throttle (a scraper comes every few seconds from
 * one address), not in the OpenAPI document. Off, nothing is registered and
 * `/metrics` is an unknown path.
 */
export function serveMetrics(app: NestFastifyApplication, token: string | undefined, dialects: DialectResolver): void {
  const metrics = app.get(Metrics);
  if (!metrics.enabled || !token) return;
  const fastify = app.getHttpAdapter().getInstance();
  const expected = `Bearer ${token}`;
  fastify.get('/metrics', async (req, reply) => {
    const given = req.headers.authorization;
    if (typeof given !== 'string' || !safeEqual(given, expected)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return sendFailure(dialects, new DomainError('UNAUTHORIZED', { message: 'GET /metrics takes the METRICS_TOKEN as a bearer token' }), req, reply);
    }
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    metrics.httpAnswered(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
