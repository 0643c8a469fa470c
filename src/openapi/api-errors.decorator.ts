import { type ErrorName } from '../common/errors/error-registry.js';

const API_ERRORS = Symbol('passcode:api-errors');

/**
 * The errors a handler (and the services it calls) can answer, beyond those of
 * its guards and of every request (see `openapi-document.ts`). The published
 * document lists, for each, the code its dialect answers and an example envelope;
 * a name not listed here is not documented for the route. Repeating the decorator
 * adds to the list.
 */
export function ApiErrors(...names: readonly ErrorName[]): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    Reflect.defineMetadata(API_ERRORS, [...apiErrorsOf(handler), ...names], handler);
    return descriptor;
  };
}

/** The names {@link ApiErrors} put on a handler. */
export function apiErrorsOf(handler: object): readonly ErrorName[] {
  return (Reflect.getMetadata(API_ERRORS, handler) as ErrorName[] | undefined) ?? [];
}
