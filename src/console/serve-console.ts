import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PAGE_HEADERS } from '../common/http/page-headers.js';

/**
 * The operators' console: the single-page app `npm run build` writes to
 * console/dist (Vite), served as static files at /console/. It holds no rule of
 * its own; it calls the admin API with the operator's token, and its pages carry
 * {@link PAGE_HEADERS}: framed by nobody, loading nothing from elsewhere.
 *
 * Serves it when `dir` holds it; without it (`tsc` only) /console answers 404.
 */
export function serveConsole(app: NestFastifyApplication, dir: string): boolean {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return false;
  const index = readFileSync(indexFile);
  // The page itself at /console and /console/ (the router ignores the slash); its assets below.
  app.getHttpAdapter().getInstance().get('/console', (_req, reply) => {
    void reply.headers({ ...PAGE_HEADERS, 'cache-control': 'no-cache' }).type('text/html; charset=utf-8').send(index);
  });
  app.useStaticAssets({
    root: dir,
    prefix: '/console/',
    decorateReply: false,
    index: false,
    // Hashed asset names change with their content; the page itself is always asked again.
    // (@fastify/static hands its reply, not the raw response, whatever its type says.)
    setHeaders(reply: unknown, path: string) {
      const headers = { ...PAGE_HEADERS, 'cache-control': path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache' };
      (reply as { headers(values: Record<string, string>): void }).headers(headers);
    },
  });
  return true;
}
