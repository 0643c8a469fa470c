import { type OpenAPIObject, type OperationObject, type ParameterObject, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';
import { AUTHING_CODES } from '../src/api/authing/authing.dialect.js';
import { createDialectResolver } from '../src/api/dialects.js';
import { ENDUSER_CODES, ENDUSER_FIELD_CODES, ENDUSER_FIELD_ERRORS } from '../src/api/enduser/enduser.dialect.js';
import { OAUTH_CODES, OAUTH_FIELD_CODES } from '../src/api/oauth/oauth.dialect.js';
import { V1_DEFAULT_CODES, V1_FIELD_CODES } from '../src/api/v1/v1.dialect.js';
import { ERRORS, type ErrorName } from '../src/common/errors/error-registry.js';
import { errorCodesOf, type RouteErrorCodes } from '../src/common/http/route-error-codes.js';
import { apiErrorsOf } from '../src/openapi/api-errors.decorator.js';
import { type DocumentedError } from '../src/openapi/openapi-document.js';
import { previewOpenApiDocument } from '../src/openapi/openapi-preview.js';
import { routeHandlers } from '../src/openapi/route-handlers.js';
import { GUARD_DOCS } from '../src/openapi/security-schemes.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/*
 * The published document against the code: every operation complete, and the
 * error codes it lists exactly those its dialect's tables can answer. The document
 * renders each error through the dialect's failure(); this test reads the tables
 * (the registry, V1_DEFAULT_CODES and the routes' @ErrorCodes, V1_FIELD_CODES,
 * ENDUSER_*, OAUTH_*, AUTHING_CODES) directly, so either side drifting fails it.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  id: string;
  path: string;
  method: string;
  op: OperationObject & { 'x-errors'?: DocumentedError[] };
}

interface Field {
  name: string;
  required: boolean;
}

let t: TestApp;
let doc: OpenAPIObject;
let operations: Operation[];

beforeAll(async () => {
  t = await startTestApp();
  doc = (await t.http.get('/docs-json').expect(200)).body as OpenAPIObject;
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ id: item[method]!.operationId!, path, method, op: item[method]! })),
  );
});

afterAll(async () => {
  await t?.close();
});

describe('the published OpenAPI document', () => {
  it('is the one the lint and the typed client are built from (preview mode, no database)', async () => {
    expect(await previewOpenApiDocument()).toEqual(doc);
  });

  it('documents every route, each with a summary, a description, its security and a success answer', () => {
    const routes = routeHandlers(t.app);
    expect(operations.map((o) => o.id).sort()).toEqual([...routes.keys()].sort());
    for (const { id, op } of operations) {
      expect({ id, summary: Boolean(op.summary), description: Boolean(op.description), security: Array.isArray(op.security) }).toEqual({
        id,
        summary: true,
        description: true,
        security: true,
      });
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect({ id, successes: success.length }).toEqual({ id, successes: 1 });
    }
  });

  it('lists, for every operation, the errors its guards and its @ApiErrors name', () => {
    const routes = routeHandlers(t.app);
    for (const { id, op } of operations) {
      const route = routes.get(id)!;
      const documented = new Set((op['x-errors'] ?? []).flatMap((e) => e.errors));
      const declared = [...apiErrorsOf(route.handler), ...route.guards.flatMap((g) => GUARD_DOCS.get(g as never)?.errors ?? [])];
      expect({ id, missing: declared.filter((name) => !documented.has(name)) }).toEqual({ id, missing: [] });
    }
  });

  it('shows each documented code once, with an example that is the code', () => {
    for (const { id, op } of operations) {
      const listed = (op['x-errors'] ?? []).map((e) => `${e.status}:${e.code}`).sort();
      expect({ id, listed }).toEqual({ id, listed: examplesOf(op).sort() });
    }
  });

  it('documents for each operation exactly the codes its dialect\'s tables answer for its errors', () => {
    const routes = routeHandlers(t.app);
    const dialects = createDialectResolver();
    for (const { id, path, op } of operations) {
      const names = (op['x-errors'] ?? []).flatMap((e) => e.errors);
      const expected = tableCodes(dialects.forPath(path).name, names, errorCodesOf(routes.get(id)!.handler), fieldsOf(op));
      expect({ id, codes: examplesOf(op).sort() }).toEqual({ id, codes: [...expected].sort() });
    }
  });

  it('uses only names of the error registry', () => {
    const names = operations.flatMap(({ op }) => (op['x-errors'] ?? []).flatMap((e) => e.errors));
    expect(names.filter((n) => !(n in ERRORS))).toEqual([]);
  });
});

/** `status:code` of every example of an operation's responses (the code a client switches on). */
function examplesOf(op: OperationObject): string[] {
  return Object.entries(op.responses).flatMap(([status, response]) => {
    const examples = (response && 'content' in response ? response.content?.['application/json']?.examples : undefined) ?? {};
    return Object.values(examples).map((ref) => {
      const name = (ref as ReferenceObject).$ref.replace('#/components/examples/', '');
      const body = (doc.components!.examples![name] as { value: Record<string, unknown> }).value;
      return `${status}:${String(body.apiCode ?? body.code)}`;
    });
  });
}

/** The request fields of an operation: its JSON body's top-level properties and its query parameters. */
function fieldsOf(op: OperationObject): Field[] {
  const fields: Field[] = [];
  const body = op.requestBody && 'content' in op.requestBody ? op.requestBody.content['application/json']?.schema : undefined;
  if (body) fields.push(...objectFields(body));
  for (const p of (op.parameters ?? []) as ParameterObject[]) if (p.in === 'query') fields.push({ name: p.name, required: Boolean(p.required) });
  return fields;
}

function objectFields(schema: SchemaObject | ReferenceObject): Field[] {
  const s = '$ref' in schema ? (doc.components!.schemas![schema.$ref.replace('#/components/schemas/', '')] as SchemaObject) : schema;
  const own = Object.keys(s.properties ?? {}).map((name) => ({ name, required: (s.required ?? []).includes(name) }));
  return [...own, ...(s.allOf ?? []).flatMap(objectFields)];
}

/** `status:code` of every answer the dialect's tables give for `names` on a route with numbering `routeCodes` and request `fields`. */
function tableCodes(dialect: string, names: ErrorName[], routeCodes: RouteErrorCodes | undefined, fields: Field[]): Set<string> {
  const codes = new Set<string>();
  for (const name of new Set(names)) {
    switch (dialect) {
      case 'v1': {
        codes.add(`200:${routeCodes?.[name] ?? V1_DEFAULT_CODES[name]}`);
        if (name !== 'VALIDATION_FAILED' || routeCodes?.VALIDATION_FAILED !== undefined) break;
        for (const field of fields) {
          const table = V1_FIELD_CODES[field.name];
          if (!table) continue;
          for (const [key, code] of Object.entries(table)) if (key !== 'missing' || field.required) codes.add(`200:${code}`);
        }
        break;
      }
      case 'enduser': {
        codes.add(`200:${ENDUSER_CODES[name][0]}`);
        for (const field of fields) {
          const byField = ENDUSER_FIELD_ERRORS[name]?.[field.name];
          if (byField) codes.add(`200:${byField[0]}`);
          const table = name === 'VALIDATION_FAILED' ? ENDUSER_FIELD_CODES[field.name] : undefined;
          if (table) for (const [code] of field.required ? [table.missing, table.other] : [table.other]) codes.add(`200:${code}`);
        }
        break;
      }
      case 'oauth': {
        codes.add(`200:${OAUTH_CODES[name][0]}`);
        if (name === 'VALIDATION_FAILED') for (const field of fields) if (OAUTH_FIELD_CODES[field.name]) codes.add(`200:${OAUTH_FIELD_CODES[field.name][0]}`);
        break;
      }
      case 'authing':
        codes.add(`${AUTHING_CODES[name].http}:${AUTHING_CODES[name].apiCode}`);
        break;
      case 'rest':
        codes.add(`${ERRORS[name].status}:${name}`);
        break;
      default:
        throw new Error(`no tables for the dialect ${dialect}`);
    }
  }
  return codes;
}
