import multipart from '@fastify/multipart';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error.js';

/** Fields of a multipart body: plenty for any endpoint, and a bound on what one request can make us hold. */
const LIMITS = { parts: 50, fields: 50, fieldSize: 64 * 1024, files: 0 };

/**
 * multipart/form-data bodies, read as forms are: each field becomes a body
 * property (a repeated one an array). The v1 API's rules page lists multipart
 * beside JSON and form-urlencoded, and PHP's curl sends an array of fields that
 * way. No endpoint takes files, so a file part is refused, and so is a field cut
 * short by the size limit rather than passed on truncated.
 */
export function acceptMultipartFields(app: NestFastifyApplication): void {
  void app.register(multipart, { limits: LIMITS });
  // A callback hook: the requests that are not multipart (nearly all) pass without a promise.
  app.getHttpAdapter().getInstance().addHook('preValidation', (req, _reply, done) => {
    if (!req.isMultipart()) return done();
    readFields(req).then((body) => {
      req.body = body;
      done();
    }, done);
  });
}

async function readFields(req: FastifyRequest): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file' || part.valueTruncated || part.fieldnameTruncated) throw new DomainError(part.type === 'file' ? 'MALFORMED_BODY' : 'BODY_TOO_LARGE');
      const seen = body[part.fieldname];
      body[part.fieldname] = seen === undefined ? part.value : [seen, part.value].flat();
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    // Too many parts or fields is too large; a file, no boundary, a cut-off body or a __proto__ field is malformed.
    const { code, statusCode } = err as { code?: string; statusCode?: number };
    throw new DomainError(statusCode === 413 && code !== 'FST_FILES_LIMIT' ? 'BODY_TOO_LARGE' : 'MALFORMED_BODY');
  }
  return body;
}
