import { type FastifyInstance } from 'fastify';
import { createDialectResolver } from '../../api/dialects.js';
import { EnvelopingFastifyAdapter } from './enveloping-fastify.adapter.js';

/** The request and response hooks a GET route runs, as Fastify lists them once ready. */
async function routeHooks(fastify: FastifyInstance): Promise<Record<string, number>> {
  fastify.get('/probe', async () => 'ok');
  await fastify.ready();
  const listing = fastify.printRoutes({ includeHooks: true, commonPrefix: false });
  const counts: Record<string, number> = {};
  for (const [, kind, names] of listing.matchAll(/\((onRequest|onResponse)\) (\[.*\])/g)) counts[kind] = (JSON.parse(names) as string[]).length;
  return counts;
}

describe('EnvelopingFastifyAdapter: no request hooks for Nest features Passcode does not use', () => {
  it('a route runs only the hooks added after the adapter was made', async () => {
    const adapter = new EnvelopingFastifyAdapter({ logger: false }, createDialectResolver());
    await adapter.init(); // where Nest registers middie, unless told not to
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (_req, _reply, done) => done());
    fastify.addHook('onResponse', (_req, _reply, done) => done());
    // FastifyAdapter's own constructor adds six request hooks and one response hook; middie adds another.
    expect(await routeHooks(fastify)).toEqual({ onRequest: 1, onResponse: 1 });
    await fastify.close();
  });

  it('a second adapter is made the same way (nothing is left patched by the first)', async () => {
    const first = new EnvelopingFastifyAdapter({ logger: false }, createDialectResolver());
    const second = new EnvelopingFastifyAdapter({ logger: false }, createDialectResolver());
    for (const adapter of [first, second]) {
      const fastify = adapter.getInstance<FastifyInstance>();
      fastify.addHook('onRequest', (_req, _reply, done) => done());
      expect(await routeHooks(fastify)).toEqual({ onRequest: 1 });
      await fastify.close();
    }
  });

  it('the features those hooks served are refused, not left silently undone', () => {
    const adapter = new EnvelopingFastifyAdapter({ logger: false }, createDialectResolver());
    expect(() => adapter.enableCors({})).toThrow(/CORS is not supported/);
    expect(() => adapter.use(() => undefined)).toThrow(/Nest middleware is not supported/);
    expect(() => adapter.setOnRequestHook(() => undefined)).toThrow(/request hooks set through the adapter/);
    expect(() => adapter.setOnResponseHook(() => undefined)).toThrow(/response hooks set through the adapter/);
    expect(() => adapter.registerSecurityHook(() => undefined)).toThrow(/security headers is not supported/);
    expect(() => adapter.applyVersionFilter(() => undefined, '1', { type: 1 } as never)).toThrow(/route versioning is not supported/);
    expect(() => adapter.initHttpServer({ return503OnClosing: true })).toThrow(/return503OnClosing is not supported/);
  });
});
