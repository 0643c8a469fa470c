import { type FastifyInstance, type onSendHookHandler } from 'fastify';

/**
 * The headers of the pages Passcode serves to a browser (the console, the API
 * docs): framed by nobody, loading nothing from elsewhere (scripts and styles
 * from the page's own origin, inline styles only), sending no referrer, and
 * never sniffed into another type.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Gives {@link PAGE_HEADERS} to every answer of the routes registered under
 * `prefix` from now on (so call it before they are registered), as a hook of
 * those routes alone: the others pay nothing for it.
 */
export function withPageHeaders(fastify: FastifyInstance, prefix: string): void {
  const setHeaders: onSendHookHandler = (_req, reply, payload, done) => {
    void reply.headers(PAGE_HEADERS);
    done(null, payload);
  };
  fastify.addHook('onRoute', (route) => {
    if (route.url !== prefix && !route.url.startsWith(`${prefix}/`) && !route.url.startsWith(`${prefix}-`)) return;
    const hooks = route.onSend;
    route.onSend = hooks === undefined ? [setHeaders] : [...(Array.isArray(hooks) ? hooks : [hooks]), setHeaders];
  });
}
