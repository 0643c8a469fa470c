import { type FastifyInstance } from 'fastify';
import { type Logger } from 'pino';

/**
 * How long a stopping server waits for the handlers still running before it lets
 * the database close: less than Fastify's plugin timeout (10 s), which bounds a
 * close hook too; a hook past it made the close throw AVV_ERR_READY_TIMEOUT,
 * uncaught, and the process died instead of closing.
 */
export const DRAIN_LIMIT_MS = 8_000;

/**
 * What a stopping server still owes: every route handler still running, whether
 * its client waits for the answer or has gone. Fastify's close waits for open
 * connections only; a send whose client had hung up went on after the database
 * closed, and its send-log row was left `sending` (the sweeper later wrote
 * `unknown`, for a message whose provider had answered).
 *
 * Once the server begins to close, {@link closing} is set (the request hook then
 * refuses new requests, so no handler starts), and the close waits for the
 * running handlers, up to {@link DRAIN_LIMIT_MS}, before the listener closes and
 * the database after it.
 */
export class Drain {
  private running = 0;
  private idle?: () => void;
  closing = false;

  constructor(fastify: FastifyInstance, logger: Logger, limitMs = DRAIN_LIMIT_MS) {
    const started = () => this.running++;
    const settled = () => {
      if (--this.running === 0) this.idle?.();
    };
    fastify.addHook('onRoute', (route) => {
      const handler = route.handler;
      route.handler = function (this: FastifyInstance, req, reply) {
        const result = handler.call(this, req, reply) as unknown;
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
          started();
          (result as PromiseLike<unknown>).then(settled, settled);
        }
        return result as ReturnType<typeof handler>;
      };
    });
    const { pluginTimeout } = fastify.initialConfig as { pluginTimeout?: number };
    if (pluginTimeout) limitMs = Math.min(limitMs, pluginTimeout - 1000);
    fastify.addHook('preClose', async () => {
      this.closing = true;
      closeConnectionsAsTheyIdle(fastify);
      if (this.running === 0) return;
      const since = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        new Promise<boolean>((resolve) => (this.idle = () => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), limitMs))),
      ]);
      clearTimeout(timer);
      if (!done) logger.warn({ running: this.running, waitedMs: Date.now() - since }, 'closing with requests still running');
    });
  }
}

/**
 * From the start of a close until the listener has closed, every connection is
 * closed as soon as it is idle. The listener's close ends only the connections
 * idle at that moment; one whose answer was still being made (a send past the
 * drain limit) then stayed open for HTTP_KEEP_ALIVE_TIMEOUT_MS once answered
 * (72 s), and the process with it, past any orchestrator's grace period.
 */
function closeConnectionsAsTheyIdle(fastify: FastifyInstance): void {
  const server = fastify.server;
  const timer = setInterval(() => server.closeIdleConnections(), 250).unref();
  server.once('close', () => clearInterval(timer));
}
