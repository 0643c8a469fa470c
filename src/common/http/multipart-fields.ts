import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DomainError } from '../errors/domain-error.js';
import { assertUncompressed, fieldsOf } from './body-parsers.js';

/** Fields of a multipart body: plenty for any endpoint, and a bound on what one request can make us hold. */
const LIMITS = { fields: 50, fieldBytes: 64 * 1024 };

/**
 * multipart/form-data bodies, read as forms are: each field becomes a body
 * property (a repeated one an array). The v1 API's rules page lists multipart
 * beside JSON and form-urlencoded, and PHP's curl sends an array of fields that
 * way. No endpoint takes files, so a file part is refused, and so is a field
 * over 64 KB or a body of more than 50 fields.
 *
 * The body is read within the body limit like any other, and parsed by Node's
 * own multipart reader (the Fetch API's `formData()`). @fastify/multipart, used
 * before, streams files to disk and so added two async hooks to every request
 * of every route, multipart or not, to clean up files that are never taken.
 */
export function acceptMultipartFields(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { bodyLimit } = fastify.initialConfig;
  fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    if ((body as Buffer).length === 0) return done(null, undefined);
    try {
      assertUncompressed(req.headers);
    } catch (err) {
      return done(err as DomainError, undefined);
    }
    readFields(body as Buffer, String(req.headers['content-type'])).then((fields) => done(null, fields), (err: Error) => done(err, undefined));
  });
}

async function readFields(body: Buffer, contentType: string): Promise<Record<string, string | string[]>> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    // No boundary, a cut-off body, anything that is not multipart.
    throw new DomainError('MALFORMED_BODY', { message: 'the multipart body cannot be read' });
  }
  const entries: Array<[string, string]> = [];
  for (const [name, value] of form) {
    if (typeof value !== 'string') throw new DomainError('MALFORMED_BODY', { message: 'file parts are not taken' });
    if (entries.length === LIMITS.fields || Buffer.byteLength(value) > LIMITS.fieldBytes) throw new DomainError('BODY_TOO_LARGE');
    entries.push([name, value]);
  }
  return fieldsOf(entries);
}
