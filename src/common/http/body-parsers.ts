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
    if (body.length === 0) return done(null, undefined);
    let beyond = jsonBeyondLimits(body);
    // A route that reads its body without a DTO may take more (its config's `maxInputValues`): asked only of a body beyond the default.
    const routeMax = beyond && req.routeOptions.config.maxInputValues;
    if (routeMax) beyond = jsonBeyondLimits(body, routeMax);
    if (beyond) return done(new DomainError('MALFORMED_BODY', { message: beyond }), undefined);
    json(req, body.toString('utf8'), done);
  });
  app.useBodyParser<RawServerDefault>('application/x-www-form-urlencoded', { bodyLimit }, (_req, body, done) => {
    const beyond = formBeyondLimits(body);
    if (beyond) return done(new DomainError('MALFORMED_BODY', { message: beyond }), undefined);
    done(null, parseForm(body.toString('utf8')));
  });
  // text/plain is no body format of any API here, yet Fastify reads it as a string
  // by default, which a DTO took for an empty body: it is refused as every other
  // unknown type is (415; v1's 406). A request without a body is fine whatever its
  // Content-Type says (seed 003's callers send one with everything in the query).
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    if ((body as Buffer).length === 0) done(null, undefined);
    else done(new DomainError('UNSUPPORTED_MEDIA_TYPE'), undefined);
  });
  // A query string is parsed while routing, and is at most the 16 KB of headers
  // Node accepts; still, its parameters are walked like a body's.
  fastify.addHook('preValidation', (req, _reply, done) => {
    const beyond = queryBeyondLimits(req.query);
    done(beyond ? new DomainError('VALIDATION_FAILED', { message: beyond }) : undefined);
  });
}

/** A form body by the WHATWG urlencoded parser, made fields by {@link fieldsOf}. */
function parseForm(text: string): Record<string, string | string[]> {
  return fieldsOf(new URLSearchParams(text));
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
