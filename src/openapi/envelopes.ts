import { type ReferenceObject, type SchemaObject } from '@nestjs/swagger';

type Schema = SchemaObject | ReferenceObject;
type Body = Record<string, unknown>;

/**
 * A dialect's envelopes as schemas: the success body around a handler's `data`,
 * and the error body whose codes are those the route can answer at one HTTP status.
 * The shapes are the dialects' own (`success()` and `failure()` in src/api/*\/*.dialect.ts
 * and src/common/http/rest.dialect.ts); the examples beside them are the dialects'
 * real answers, so a shape changed in a dialect and not here fails the lint of the
 * document (examples are validated against these schemas).
 */
export interface Envelope {
  /** The success body; `data` undefined when the handler returns nothing. */
  success(data: Schema | undefined): SchemaObject;
  /** The error body of the dialect, whatever its code: a schema of components, by the name in `errorSchema`. */
  error: SchemaObject;
  errorSchema: string;
  /** The properties that carry the code, narrowed to `bodies`' values (the error answers of a route at one HTTP status). */
  codes(bodies: readonly Body[]): Record<string, SchemaObject>;
  /** What tells one error answer from another: the code a client switches on. */
  codeOf(body: Body): string | number;
}

const str = (description: string, example?: string): SchemaObject => ({ type: 'string', description, ...(example !== undefined ? { example } : {}) });
const int = (description: string): SchemaObject => ({ type: 'integer', description });
const values = <T>(bodies: readonly Body[], key: string): T[] => [...new Set(bodies.map((b) => b[key] as T))];
const REQUEST_ID = str('the request id (also the x-request-id header)', 'b3c5e1f0-8d6a-4b8e-9a41-5f0b2f0c7e11');

/** v1 (zaihangyun): `{code: 200, msg, data?}`; errors `{code, msg, data?: {retry_after}}`. */
const V1: Envelope = {
  success: (data) => ({
    type: 'object',
    additionalProperties: false,
    required: data ? ['code', 'msg', 'data'] : ['code', 'msg'],
    properties: { code: { type: 'integer', enum: [200] }, msg: str('`success`', 'success'), ...(data ? { data } : {}) },
  }),
  errorSchema: 'V1Error',
  error: {
    type: 'object',
    additionalProperties: false,
    required: ['code', 'msg'],
    properties: {
      code: { type: 'integer', description: 'a global code (code.md) or the endpoint\'s 6-digit business code' },
      msg: str('what went wrong'),
      data: { type: 'object', additionalProperties: false, properties: { retry_after: int('seconds until a retry may succeed') } },
    },
  },
  codes: (bodies) => ({ code: { type: 'integer', enum: values<number>(bodies, 'code') } }),
  codeOf: (body) => body.code as number,
};

/** Authing v3 (seed 002): `{statusCode: 200, message, requestId, data}`; errors add `apiCode`. */
const AUTHING: Envelope = {
  success: (data) => ({
    type: 'object',
    additionalProperties: false,
    required: ['statusCode', 'message', 'requestId', 'data'],
    properties: {
      statusCode: { type: 'integer', enum: [200] },
      message: str('`操作成功`', '操作成功'),
      requestId: REQUEST_ID,
      data: data ?? { type: 'object', description: 'always `{}`' },
    },
  }),
  errorSchema: 'AuthingError',
  error: {
    type: 'object',
    additionalProperties: false,
    required: ['statusCode', 'message', 'apiCode', 'requestId', 'data'],
    properties: {
      statusCode: { type: 'integer', description: 'the business status code; 200 alone is success' },
      message: str('what went wrong'),
      apiCode: { type: 'integer', description: 'the precise error' },
      requestId: REQUEST_ID,
      data: {
        type: 'object',
        additionalProperties: false,
        properties: { field: str('the request field at fault'), retryAfter: int('seconds until a retry may succeed') },
      },
    },
  },
  codes: (bodies) => ({
    statusCode: { type: 'integer', enum: values<number>(bodies, 'statusCode') },
    apiCode: { type: 'integer', enum: values<number>(bodies, 'apiCode') },
  }),
  codeOf: (body) => body.apiCode as number,
};

/** enduser (seed 003): `{code: 200, msg, extMsg, data}`. */
const ENDUSER: Envelope = {
  success: (data) => ({
    type: 'object',
    additionalProperties: false,
    required: ['code', 'msg', 'extMsg', 'data'],
    properties: {
      code: { type: 'integer', enum: [200] },
      msg: str('`success`', 'success'),
      extMsg: str('empty on success', ''),
      data: data ?? { type: 'object', description: 'always `{}`' },
    },
  }),
  errorSchema: 'EnduserError',
  error: {
    type: 'object',
    additionalProperties: false,
    required: ['code', 'msg', 'extMsg', 'data'],
    properties: {
      code: { type: 'integer', description: 'the seed\'s status code' },
      msg: str('what went wrong'),
      extMsg: str('the validation message, when a parameter is at fault'),
      data: { type: 'object', additionalProperties: false, properties: { retryAfter: int('seconds until a retry may succeed') } },
    },
  },
  codes: (bodies) => ({ code: { type: 'integer', enum: values<number>(bodies, 'code') } }),
  codeOf: (body) => body.code as number,
};

/** oauth (seed 004): `{request_id, code: "000", msg, data}`. */
const OAUTH: Envelope = {
  success: (data) => ({
    type: 'object',
    additionalProperties: false,
    required: ['request_id', 'code', 'msg', 'data'],
    properties: {
      request_id: REQUEST_ID,
      code: { type: 'string', enum: ['000'] },
      msg: str('`成功`', '成功'),
      data: data ?? { type: 'object', nullable: true, enum: [null] },
    },
  }),
  errorSchema: 'OauthError',
  error: {
    type: 'object',
    additionalProperties: false,
    required: ['request_id', 'code', 'msg', 'data'],
    properties: {
      request_id: REQUEST_ID,
      code: { type: 'string', description: 'three digits' },
      msg: str('what went wrong'),
      data: {
        type: 'object',
        nullable: true,
        additionalProperties: false,
        properties: { field: str('the request field at fault'), retry_after: int('seconds until a retry may succeed') },
      },
    },
  },
  codes: (bodies) => ({ code: { type: 'string', enum: values<string>(bodies, 'code') } }),
  codeOf: (body) => body.code as string,
};

/** REST (admin, health): `{code: "OK", msg, data}`; errors `{code: <error name>, msg, data, request_id}` at the error's HTTP status. */
const REST: Envelope = {
  success: (data) => ({
    type: 'object',
    additionalProperties: false,
    required: ['code', 'msg', 'data'],
    properties: {
      code: { type: 'string', enum: ['OK'] },
      msg: str('`success`', 'success'),
      data: data ?? { type: 'object', nullable: true, enum: [null] },
    },
  }),
  errorSchema: 'RestError',
  error: {
    type: 'object',
    additionalProperties: false,
    required: ['code', 'msg', 'data', 'request_id'],
    properties: {
      code: { type: 'string', description: 'the error\'s name (src/common/errors/error-registry.ts)' },
      msg: str('what went wrong'),
      data: {
        type: 'object',
        description: 'details: the field at fault, seconds until a retry may succeed, and what the SMS provider answered',
        properties: {
          field: str('the request field at fault'),
          retry_after_s: { type: 'number', description: 'seconds until a retry may succeed' },
          message_id: str('the send-log row of a failed SMS'),
          provider_code: { type: 'string', nullable: true, description: 'the SMS provider\'s answer code' },
          result: str('why a code was refused'),
        },
      },
      request_id: REQUEST_ID,
    },
  },
  codes: (bodies) => ({ code: { type: 'string', enum: values<string>(bodies, 'code') } }),
  codeOf: (body) => body.code as string,
};

/** Each dialect's envelopes, by WireDialect.name. */
export const ENVELOPES: Readonly<Record<string, Envelope>> = { v1: V1, authing: AUTHING, enduser: ENDUSER, oauth: OAUTH, rest: REST };

/** An error body of `envelope` whose code is one of `bodies`' (the error answers of a route at one HTTP status). */
export function failureSchema(envelope: Envelope, bodies: readonly Body[]): SchemaObject {
  const codes = envelope.codes(bodies);
  return { allOf: [{ $ref: `#/components/schemas/${envelope.errorSchema}` }, { type: 'object', required: Object.keys(codes), properties: codes }] };
}
