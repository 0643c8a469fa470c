import { type INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type ExampleObject,
  type MediaTypeObject,
  type OpenAPIObject,
  type OperationObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
  type SecurityRequirementObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { createDialectResolver } from '../api/dialects.js';
import { DomainError, type DomainErrorDetails } from '../common/errors/domain-error.js';
import { ERRORS, type ErrorName } from '../common/errors/error-registry.js';
import { errorCodesOf } from '../common/http/route-error-codes.js';
import { type WireDialect, type WireReply } from '../common/http/wire-dialect.js';
import { apiDataOf } from './api-data.decorator.js';
import { apiErrorsOf } from './api-errors.decorator.js';
import { type Envelope, ENVELOPES, failureSchema } from './envelopes.js';
import { BODY_ERRORS, REQUEST_ERRORS } from './error-groups.js';
import { operationId, type RouteHandler, routeHandlers } from './route-handlers.js';
import { GUARD_DOCS, type GuardDocs, MD5_SIGNATURE_PARAMS, SECURITY_SCHEMES } from './security-schemes.js';

const DESCRIPTION = `Multi-tenant SMS verification codes: the native v1 API, the seed dialects (Authing v3, enduser, oauth) and the admin API.

Each dialect keeps its own envelope and codes. v1, enduser and oauth answer **HTTP 200 for every outcome**, the outcome in the body's
\`code\`; Authing answers HTTP 200 for every outcome of an endpoint (the outcome in \`statusCode\`) and the transport status for a body
it cannot read; the admin API uses REST statuses. Every operation lists each error it can answer, with its code and an example
envelope: they are generated from the error registry and the dialects' tables, so they are what the server answers.

A typed client: \`npx openapi-typescript <base>/docs-json -o schema.d.ts\`, then \`createClient<paths>({ baseUrl })\` from
\`openapi-fetch\`.`;

const TAGS: Record<string, string> = {
  v1: 'The native API (zaihangyun seeds 000 and 001): SMS login, the logged-in user, and generic send/check for tenant back ends.',
  authing: 'Authing v3 (seed 002): SMS codes and the two-step phone change.',
  enduser: 'Seed 003: a signed code send and the proven phone change.',
  oauth: 'Seed 004: image captchas and the captcha-gated code send.',
  admin: 'Operators: login.',
  'admin: apps': 'Operators: tenant apps, their secrets and settings.',
  'admin: sms': 'Operators: SMS accounts, signatures, templates, scene bindings, the send log and test sends.',
  'admin: statistics': 'Operators: codes sent and approved per app, day and country.',
  'admin: erasure': 'Operators: erasing one person\'s phone number (GDPR, PIPL) from every table that holds it, audited.',
  'admin: webhooks': "Operators: each app's webhook endpoints (signed as Standard Webhooks says), their delivery records and redelivery.",
  'admin: challenges': "Operators: each app's captcha provider — the image captcha, Turnstile, hCaptcha or reCAPTCHA — and its secret (write-only).",
  'admin: fraud guard': "Operators: each app's fraud guard buckets (a destination country or a number range) that are challenged or blocked, and lifting one by hand.",
  'admin: audit': 'Operators: who changed what.',
  'admin: operators': 'Operators: who may do what (owner, admin of chosen apps, viewer), and their own password.',
  'sms receipts': 'Delivery status reports pushed by SMS providers, each authenticated by its account\'s receipt token.',
  health: 'Liveness and readiness, without an envelope.',
};

/**
 * The dialects documented with form and multipart bodies beside JSON, where the body is flat: v1 (intro.md
 * lists all three) and the seed dialects the same parsers serve. Admin is documented as JSON: its bodies
 * nest objects and carry numbers a form cannot type.
 */
const FORM_DIALECTS = new Set(['v1', 'authing', 'oauth']);
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const EXAMPLE_REQUEST_ID = 'b3c5e1f0-8d6a-4b8e-9a41-5f0b2f0c7e11';

/** Details that make an example answer look like a real one: the waits of rate limits, the outcome of a check, a send-log row. */
const EXAMPLE_DETAILS: Partial<Record<ErrorName, DomainErrorDetails>> = {
  TOO_MANY_REQUESTS: { retryAfterS: 60 },
  LOGIN_LOCKED: { retryAfterS: 300 },
  SEND_COOLDOWN: { retryAfterS: 42 },
  SEND_LIMIT_EXCEEDED: { retryAfterS: 3600 },
  CODE_WRONG: { data: { result: 'wrong_code' } },
  CODE_EXPIRED: { data: { result: 'expired' } },
  SMS_PROVIDER_REJECTED: { data: { message_id: 'c0a8012e-5b1f-4c6e-9d2a-7f3e8b9a0c1d', provider_code: 'isv.BUSINESS_REFUSED' } },
  SMS_PROVIDER_FAILED: { data: { message_id: 'c0a8012e-5b1f-4c6e-9d2a-7f3e8b9a0c1d', provider_code: 'Timeout' } },
};

/**
 * The published OpenAPI document: what @nestjs/swagger reads from the controllers
 * and DTOs, then each operation completed from what the code knows of it —
 * the dialect that answers its path, its guards (security and their refusals), its
 * @ApiErrors, its @ErrorCodes numbering and its DTOs' constraints. Every error
 * answer is rendered by the dialect itself (`WireDialect.failure`), so the codes and
 * envelopes shown are the ones the server sends. A route missing @ApiOperation or
 * @ApiData, or guarded by a guard {@link GUARD_DOCS} does not know, is refused.
 * Works on an application created in preview mode (no database).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder().setTitle('Passcode').setDescription(DESCRIPTION).setVersion('0.1.0').addServer('/', 'this server');
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) builder.addSecurity(name, scheme);
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { operationIdFactory: operationId });
  const components = (document.components ??= {});
  components.schemas = { ...components.schemas, Md5SignatureParams: MD5_SIGNATURE_PARAMS };
  for (const envelope of Object.values(ENVELOPES)) components.schemas[envelope.errorSchema] = envelope.error;

  const routes = routeHandlers(app);
  const dialects = createDialectResolver();
  const examples = new ExampleRegistry();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const route = routes.get(op.operationId ?? '');
      if (!route) throw new Error(`OpenAPI: no handler for operation ${op.operationId} (${method.toUpperCase()} ${path})`);
      new OperationDocs(document, path, method, op, route, dialects.forPath(path), examples).complete();
    }
  }
  components.examples = examples.components();
  return document;
}

/** One error answer of an operation: the code a client sees, the reply, and the errors (and conditions) that produce it. */
interface Answer {
  code: string | number;
  names: ErrorName[];
  when: string[];
  reply: WireReply;
}

/** What the document says of each operation's errors: the code of each answer, at which HTTP status, for which errors (`x-errors`). */
export interface DocumentedError {
  status: number;
  code: string | number;
  errors: ErrorName[];
}

/** One operation being completed. */
class OperationDocs {
  private readonly guards: GuardDocs[];

  constructor(
    private readonly document: OpenAPIObject,
    private readonly path: string,
    private readonly method: string,
    private readonly op: OperationObject,
    private readonly route: RouteHandler,
    private readonly dialect: WireDialect,
    private readonly examples: ExampleRegistry,
  ) {
    this.guards = route.guards.map((guard) => {
      const docs = GUARD_DOCS.get((typeof guard === 'function' ? guard : (guard as object).constructor) as never);
      if (!docs) throw this.problem(`its guard ${describe(guard)} is not in GUARD_DOCS (src/openapi/security-schemes.ts)`);
      return docs;
    });
  }

  complete(): void {
    if (!this.op.summary || !this.op.description) throw this.problem('@ApiOperation({ summary, description }) is missing');
    for (const tag of this.op.tags ?? []) if (!(tag in TAGS)) throw this.problem(`its tag "${tag}" has no description in TAGS`);
    this.op.security = this.security();
    this.requestBody();
    this.op.responses = this.responses();
  }

  /** The schemes its guards demand, with those it names itself (@ApiSecurity, for checks made outside a guard). */
  private security(): SecurityRequirementObject[] {
    const named = (this.op.security ?? []).flatMap((requirement) => Object.keys(requirement));
    for (const name of named) if (!(name in SECURITY_SCHEMES)) throw this.problem(`@ApiSecurity('${name}') names no scheme of SECURITY_SCHEMES`);
    const required = unique([...named, ...this.guards.filter((g) => !g.optional).map((g) => g.scheme)]);
    const optional = unique(this.guards.filter((g) => g.optional).map((g) => g.scheme));
    const requirement = (names: string[]): SecurityRequirementObject => Object.fromEntries(names.map((n) => [n, []]));
    if (!required.length && !optional.length) return [];
    return optional.length ? [requirement([...required, ...optional]), requirement(required)] : [requirement(required)];
  }

  /** Every body format the dialect reads, and the md5 signature parameters where the guard may find them in the body. */
  private requestBody(): void {
    const body = this.op.requestBody;
    if (!body || '$ref' in body) return;
    const json = body.content['application/json'];
    if (!json?.schema) return;
    const signed = this.guards.some((g) => g.scheme === 'md5Signature');
    const media: MediaTypeObject = { schema: signed ? { allOf: [json.schema, { $ref: '#/components/schemas/Md5SignatureParams' }] } : json.schema };
    body.content = { 'application/json': media };
    if (FORM_DIALECTS.has(this.dialect.name) && this.isFlat(json.schema)) {
      body.content['application/x-www-form-urlencoded'] = media;
      body.content['multipart/form-data'] = media;
    }
  }

  /** The success answer in the dialect's envelope, and every error answer at its HTTP status (v1, enduser, oauth: 200 too). */
  private responses(): Record<string, ResponseObject> {
    const declared = Object.keys(this.op.responses);
    const success = Number(declared.find((status) => status.startsWith('2')));
    if (!success || declared.length !== 1) throw this.problem(`expected one success response from @nestjs/swagger, found ${declared.join(', ')}`);
    const data = apiDataOf(this.route.handler);
    if (!data) throw this.problem('@ApiData(...) is missing (null when the handler returns nothing)');
    const envelope = this.envelope();
    const successSchema = this.route.raw ? (data.schema ?? {}) : envelope.success(data.schema);

    const byStatus = new Map<number, Map<string | number, Answer>>();
    for (const answer of this.errorAnswers()) {
      const answers = byStatus.get(answer.reply.status) ?? new Map<string | number, Answer>();
      byStatus.set(answer.reply.status, answers);
      const seen = answers.get(answer.code);
      if (!seen) answers.set(answer.code, answer);
      else {
        seen.names = unique([...seen.names, ...answer.names]);
        seen.when = unique([...seen.when, ...answer.when]);
      }
    }

    const responses: Record<string, ResponseObject> = {};
    const documented: DocumentedError[] = [];
    for (const status of unique([success, ...byStatus.keys()]).sort((a, b) => a - b)) {
      const answers = [...(byStatus.get(status)?.values() ?? [])].sort((a, b) => compareCodes(a.code, b.code));
      const schemas: Array<SchemaObject | ReferenceObject> = status === success ? [successSchema] : [];
      if (answers.length) schemas.push(failureSchema(envelope, answers.map((a) => a.reply.body as Record<string, unknown>)));
      const media: MediaTypeObject = { schema: schemas.length === 1 ? schemas[0] : { oneOf: schemas } };
      if (answers.length) media.examples = Object.fromEntries(answers.map((a) => [String(a.code), { $ref: this.examples.add(this.dialect.name, a) }]));
      // A 204 has no body to describe.
      const content = status === 204 && !answers.length ? undefined : { 'application/json': media };
      const response: ResponseObject = { description: describeResponse(status === success, answers), ...(content && { content }) };
      if (answers.some((a) => a.reply.headers?.['retry-after'])) {
        response.headers = { 'Retry-After': { description: 'seconds until a retry may succeed (rate limits and lockouts)', schema: { type: 'integer' } } };
      }
      responses[String(status)] = response;
      documented.push(...answers.map((a) => ({ status, code: a.code, errors: a.names })));
    }
    // Which errors each documented code stands for: for tools, and for the test that holds the codes to the dialects' tables.
    Object.assign(this.op, { 'x-errors': documented });
    return responses;
  }

  /** The answer to every error the operation can meet, as its dialect renders it. */
  private errorAnswers(): Answer[] {
    const names = unique<ErrorName>([
      ...REQUEST_ERRORS.filter((n) => !(n === 'TOO_MANY_REQUESTS' && this.route.skipThrottle)),
      ...(BODY_METHODS.has(this.method) ? BODY_ERRORS : []),
      ...this.guards.flatMap((g) => g.errors),
      ...apiErrorsOf(this.route.handler),
    ]);
    const ctx = { requestId: EXAMPLE_REQUEST_ID, route: `${this.method.toUpperCase()} ${this.path}`, codes: errorCodesOf(this.route.handler) };
    const envelope = this.envelope();
    const answer = (name: ErrorName, details: DomainErrorDetails, when: string): Answer => {
      const reply = this.dialect.failure(new DomainError(name, { ...EXAMPLE_DETAILS[name], ...details }), ctx);
      return { code: envelope.codeOf(reply.body as Record<string, unknown>), names: [name], when: [when], reply };
    };
    const answers: Answer[] = [];
    for (const name of names) {
      const plain = answer(name, {}, ERRORS[name].message);
      answers.push(plain);
      // A validation failure's code is its field's; another error's may depend on the field it names (seed 003 tells the old phone's code from the new one's).
      for (const field of this.route.fields) {
        if (name === 'VALIDATION_FAILED') {
          for (const constraint of field.constraints) {
            answers.push(answer(name, { field: field.name, constraint, message: validationMessage(field.name, constraint) }, validationWhen(field.name, constraint)));
          }
        } else {
          const named = answer(name, { field: field.name }, `${ERRORS[name].message} (\`${field.name}\`)`);
          if (named.code !== plain.code) answers.push(named);
        }
      }
    }
    return answers;
  }

  private envelope(): Envelope {
    const envelope = ENVELOPES[this.dialect.name];
    if (!envelope) throw this.problem(`the dialect ${this.dialect.name} has no envelopes in src/openapi/envelopes.ts`);
    return envelope;
  }

  /** A schema a form can carry: an object whose properties are all scalars. */
  private isFlat(schema: SchemaObject | ReferenceObject): boolean {
    return Object.values(this.resolve(schema).properties ?? {}).every((p) => {
      const prop = this.resolve(p);
      return prop.type !== 'object' && prop.type !== 'array' && !prop.properties;
    });
  }

  private resolve(schema: SchemaObject | ReferenceObject): SchemaObject {
    if (!('$ref' in schema)) return schema;
    const found = this.document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
    if (!found) throw this.problem(`unresolved ${schema.$ref}`);
    return this.resolve(found);
  }

  private problem(message: string): Error {
    return new Error(`OpenAPI: ${this.method.toUpperCase()} ${this.path} (${this.route.name}): ${message}`);
  }
}

/**
 * The examples of every operation, each body stored once under components/examples
 * (`<dialect>_<code>`) and referred to: most error bodies recur on many routes.
 */
class ExampleRegistry {
  private readonly byBody = new Map<string, { key: string; code: string | number; names: Set<ErrorName>; value: unknown }>();
  private readonly keys = new Set<string>();

  /** The reference of the example holding `answer`'s body. */
  add(dialect: string, answer: Answer): string {
    const body = JSON.stringify(answer.reply.body);
    let entry = this.byBody.get(body);
    if (!entry) {
      const base = `${dialect}_${String(answer.code)}`;
      let key = base;
      for (let n = 2; this.keys.has(key); n++) key = `${base}_${n}`;
      this.keys.add(key);
      entry = { key, code: answer.code, names: new Set(), value: answer.reply.body };
      this.byBody.set(body, entry);
    }
    for (const name of answer.names) entry.names.add(name);
    return `#/components/examples/${entry.key}`;
  }

  components(): Record<string, ExampleObject> {
    const entries = [...this.byBody.values()].sort((a, b) => a.key.localeCompare(b.key));
    return Object.fromEntries(entries.map((e) => [e.key, { summary: `${String(e.code)}: ${[...e.names].join(', ')}`, value: e.value }]));
  }
}

function describeResponse(success: boolean, answers: Answer[]): string {
  const lines = [success ? (answers.length ? 'Success, or one of the errors below (the code in the body tells which).' : 'Success.') : 'An error (the code in the body tells which).'];
  if (answers.length) {
    lines.push('', '| code | error | when |', '|---|---|---|');
    for (const a of answers) lines.push(`| \`${String(a.code)}\` | ${a.names.map((n) => `\`${n}\``).join(', ')} | ${a.when.join('; ')} |`);
  }
  return lines.join('\n');
}

const MISSING = new Set(['isNotEmpty', 'isDefined']);

function validationMessage(field: string, constraint: string): string {
  return MISSING.has(constraint) ? `${field} should not be empty` : `${field} is invalid (${constraint})`;
}

function validationWhen(field: string, constraint: string): string {
  return MISSING.has(constraint) ? `\`${field}\` is missing or empty` : `\`${field}\` fails ${constraint}`;
}

/** Numbers in order, then strings in order. */
function compareCodes(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

function describe(guard: unknown): string {
  return typeof guard === 'function' ? guard.name : ((guard as object | null)?.constructor.name ?? String(guard));
}
