import { type IncomingHttpHeaders } from 'node:http';
import { TextDecoder } from 'node:util';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type RawServerDefault } from 'fastify';
import { DomainError } from '../errors/domain-error.js';
import { formBeyondLimits, jsonBeyondLimits, queryBeyondLimits } from './input-limits.js';

/**
 * The JSON and form parsers, the refusal of every other body type, and the bound
 * on query strings. A body is measured
 * against `MAX_BODY_DEPTH` and `MAX_INPUT_VALUES` (input-limits.ts) in one pass
 * over its bytes before it is parsed, so a hostile shape costs a scan and a
 * MALFORMED_BODY, never a parse and a walk.
 */
export function acceptJsonAndFormBodies(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { bodyLimit } = fastify.initialConfig;
  // Fastify's JSON parser (prototype-poisoning checks and all), except that an empty
  // body is no body rather than a malformed one: seed 003 takes everything in the
  // query, yet documents `application/json`, so its callers send the header alone.
  const json = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (req, body, done) => {
    // A path with no route is answered 404 (or 405) whatever its body: a malformed one was a MALFORMED_BODY.
    if (body.length === 0 || req.is404) return done(null, undefined);
    let decoder: TextDecoder | undefined;
    try {
      decoder = decoderOf(req.headers);
    } catch (err) {
      return done(err as DomainError, undefined);
    }
    // A body in another charset is measured as the UTF-8 of its text: another charset's bytes need not keep JSON's
    // structure bytes apart (a GBK character's second byte may be `{` or `\`).
    if (decoder) body = Buffer.from(decoder.decode(body));
    let beyond = jsonBeyondLimits(body);
    // A route that reads its body without a DTO may take more (its config's `maxInputValues`): asked only of a body beyond the default.
    const routeMax = beyond && req.routeOptions.config.maxInputValues;
    if (routeMax) beyond = jsonBeyondLimits(body, routeMax);
    if (beyond) return done(new DomainError('MALFORMED_BODY', { message: beyond }), undefined);
    json(req, body.toString('utf8'), done);
  });
  app.useBodyParser<RawServerDefault>('application/x-www-form-urlencoded', { bodyLimit }, (req, body, done) => {
    if (req.is404) return done(null, undefined);
    const beyond = formBeyondLimits(body);
    if (beyond) return done(new DomainError('MALFORMED_BODY', { message: beyond }), undefined);
    try {
      const decoder = decoderOf(req.headers);
      done(null, decoder ? parseFormIn(body, decoder) : parseForm(body.toString('utf8')));
    } catch (err) {
      done(err as DomainError, undefined);
    }
  });
  // text/plain is no body format of any API here, yet Fastify reads it as a string
  // by default, which a DTO took for an empty body: it is refused as every other
  // unknown type is (415; v1's 406). A request without a body is fine whatever its
  // Content-Type says (seed 003's callers send one with everything in the query).
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    if ((body as Buffer).length === 0 || req.is404) done(null, undefined);
    else done(new DomainError('UNSUPPORTED_MEDIA_TYPE'), undefined);
  });
  // A query string is parsed while routing, and is at most the 16 KB of headers
  // Node accepts; still, its parameters are walked like a body's.
  fastify.addHook('preValidation', (req, _reply, done) => {
    const beyond = queryBeyondLimits(req.query);
    done(beyond ? new DomainError('VALIDATION_FAILED', { message: beyond }) : undefined);
  });
}

/** A form body by the WHATWG urlencoded parser, made fields by {@link fieldsOf}; a leading byte order mark is none of the first name (as in JSON). */
function parseForm(text: string): Record<string, string | string[]> {
  return fieldsOf(new URLSearchParams(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
}

/**
 * A form body in another charset (GBK from a Chinese PHP page, ISO-8859-1 from
 * Apache HttpClient's default): split and percent-decoded into bytes as the
 * WHATWG parser does, then each name and value decoded in that charset. Read as
 * UTF-8 its text became U+FFFD, stored and answered so for good.
 */
function parseFormIn(body: Buffer, decoder: TextDecoder): Record<string, string | string[]> {
  const decode = (part: string) => decoder.decode(percentDecoded(part));
  const entries: Array<[string, string]> = [];
  // latin1 maps each byte to one character, so the split sees bytes, and percentDecoded gives them back.
  for (const pair of body.toString('latin1').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    entries.push(eq === -1 ? [decode(pair), ''] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))]);
  }
  return fieldsOf(entries);
}

/** The bytes of a latin1-read form part: `+` a space, `%XX` its byte, anything else its own byte. */
function percentDecoded(part: string): Buffer {
  const bytes = Buffer.allocUnsafe(part.length);
  let n = 0;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c === 0x2b) bytes[n++] = 0x20;
    else if (c === 0x25 && i + 2 < part.length && isHex(part.charCodeAt(i + 1)) && isHex(part.charCodeAt(i + 2))) {
      bytes[n++] = parseInt(part.slice(i + 1, i + 3), 16);
      i += 2;
    } else bytes[n++] = c;
  }
  return bytes.subarray(0, n);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
const UTF8 = /^utf-?8$/i;
const decoders = new Map<string, TextDecoder>();

/**
 * The decoder of the body's declared charset, or none for UTF-8 (the default,
 * and JSON's own). Any charset Node's ICU decodes is taken (gbk, gb18030, big5,
 * shift_jis, iso-8859-1 …); one it does not know is refused rather than read as
 * UTF-8, and so is a compressed body ({@link assertUncompressed}).
 */
function decoderOf(headers: IncomingHttpHeaders): TextDecoder | undefined {
  assertUncompressed(headers);
  const charset = CHARSET.exec(headers['content-type'] ?? '')?.[1];
  if (charset === undefined || UTF8.test(charset)) return undefined;
  const label = charset.toLowerCase();
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', { message: `the charset ${charset.slice(0, 40)} is not known` });
    }
    // A decoder by its canonical name: the labels that name one (`gb2312`, `GBK`, `x-gbk`) share it.
    decoders.set(label, decoders.get(decoder.encoding) ?? decoder);
    decoder = decoders.get(label)!;
  }
  return decoder;
}

/**
 * The fields of a form or multipart body: each a property, a repeated one an
 * array. A `__proto__` field is refused, as in JSON bodies: copied onto an
 * ordinary object it would replace that object's prototype.
 */
export function fieldsOf(entries: Iterable<[string, string]>): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of entries) {
    if (name === '__proto__') throw new DomainError('MALFORMED_BODY', { message: 'the body has a __proto__ field' });
    const seen = fields[name];
    if (seen === undefined) fields[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else fields[name] = [seen, value];
  }
  return fields;
}

/** A body with a Content-Encoding other than identity (gzip from an OkHttp interceptor) is refused: it was parsed as if it were plain. */
export function assertUncompressed(headers: IncomingHttpHeaders): void {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', { message: `a body with Content-Encoding ${encoding.slice(0, 40)} is not accepted: send it uncompressed` });
  }
}
