import { DomainError, type InputRole } from '../errors/domain-error.js';
import { MergeRouteConfig } from './route-config.js';

/** A route's field for each input role its service may report (DomainErrorDetails.role). */
export type RouteFieldNames = Readonly<Partial<Record<InputRole, string>>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by {@link FieldNames}: the route's field names of input roles, applied by {@link withFieldName}. */
    passcodeFieldNames?: RouteFieldNames;
  }
}

/**
 * Puts an endpoint's names for input roles in its Fastify route config, where the
 * exception filter finds them (as `@ErrorCodes` does its numbering). It merges with
 * a config already set by decorators listed below it.
 */
export function FieldNames(names: RouteFieldNames): MethodDecorator {
  return MergeRouteConfig({ passcodeFieldNames: names });
}

/**
 * The error as the route's dialect should see it: a role becomes the route's field
 * for it (the role itself where the route names none), and a message that starts
 * with the role starts with that field. Errors without a role are returned as they are.
 */
export function withFieldName(error: DomainError, names: RouteFieldNames | undefined): DomainError {
  const { role, ...details } = error.details;
  if (!role) return error;
  const field = names?.[role] ?? role;
  const message = details.message?.startsWith(role) ? field + details.message.slice(role.length) : details.message;
  return new DomainError(error.code, { ...details, field, ...(message !== undefined ? { message } : {}) });
}
