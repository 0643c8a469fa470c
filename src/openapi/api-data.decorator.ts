import { type Type } from '@nestjs/common';
import { ApiExtraModels, getSchemaPath, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';

const API_DATA = Symbol('passcode:api-data');

/** What a handler answers: `schema` goes in its dialect's envelope as `data`; none when it returns nothing. */
export interface ApiDataSpec {
  schema?: SchemaObject | ReferenceObject;
}

/**
 * The `data` of a handler's success answer, which the published document wraps
 * in the route's dialect envelope: a schema class, `[Class]` for an array of it, a
 * schema object (naming in `models` the classes it refers to), or `null` when the
 * handler returns nothing. Every handler says it, so the document cannot show an
 * answer no one described.
 */
export function ApiData(data: Type | [Type] | SchemaObject | null, ...models: Type[]): MethodDecorator {
  const spec: ApiDataSpec = { schema: toSchema(data) };
  const classes = [...models, ...(typeof data === 'function' ? [data] : Array.isArray(data) ? data : [])];
  const extraModels = classes.length ? ApiExtraModels(...classes) : undefined;
  return (target, key, descriptor) => {
    Reflect.defineMetadata(API_DATA, spec, descriptor.value as object);
    return extraModels ? (extraModels(target, key, descriptor) as typeof descriptor | undefined) ?? descriptor : descriptor;
  };
}

/** What {@link ApiData} said of a handler; undefined when it said nothing. */
export function apiDataOf(handler: object): ApiDataSpec | undefined {
  return Reflect.getMetadata(API_DATA, handler) as ApiDataSpec | undefined;
}

function toSchema(data: Type | [Type] | SchemaObject | null): SchemaObject | ReferenceObject | undefined {
  if (data === null) return undefined;
  if (typeof data === 'function') return { $ref: getSchemaPath(data) };
  if (Array.isArray(data)) return { type: 'array', items: { $ref: getSchemaPath(data[0]) } };
  return data;
}
