import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { DomainError } from '../common/errors/domain-error.js';

/**
 * Operator roles. An owner does everything, operators and shared SMS accounts
 * included; an admin reads and changes only the apps they are given (their
 * settings, SMS bindings, webhooks, logs and statistics); a viewer reads
 * everything and changes nothing.
 */
export const OPERATOR_ROLES = ['owner', 'admin', 'viewer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Who is asking, as the operator guard found them (loaded on every request, so a change applies at once). */
export interface OperatorPrincipal {
  operatorId: string;
  username: string;
  role: OperatorRole;
  /** The apps an admin may manage (empty for owners and viewers, who are not scoped). */
  appIds: readonly string[];
}

/**
 * What an admin route asks of the operator, declared on each route with one of
 * the decorators below. A route without a declaration is for owners only, so a
 * new route is closed until someone opens it.
 */
export type RouteAccess =
  /** Any operator: their own account, shared reads every role needs (SMS accounts, the app list as their scope shows it). */
  | { kind: 'any' }
  /** Reads across all apps (the audit log, all-apps statistics): owners and viewers. */
  | { kind: 'read-all' }
  /** Reads of the app named by the route parameter: owners, viewers, and admins of that app. */
  | { kind: 'read-app'; param: string }
  /** Changes to the app named by the route parameter: owners and admins of that app. */
  | { kind: 'change-app'; param: string }
  /** Owners only. */
  | { kind: 'owner' };

export const ROUTE_ACCESS = 'passcode:route-access';

const ROLES_OF: Record<RouteAccess['kind'], readonly OperatorRole[]> = {
  any: ['owner', 'admin', 'viewer'],
  'read-all': ['owner', 'viewer'],
  'read-app': ['owner', 'admin', 'viewer'],
  'change-app': ['owner', 'admin'],
  owner: ['owner'],
};

/** Declares a route's access, and publishes the roles it admits in the OpenAPI document (`x-operator-roles`). */
function access(a: RouteAccess, note?: string) {
  return applyDecorators(SetMetadata(ROUTE_ACCESS, a), ApiExtension('x-operator-roles', note ? [...ROLES_OF[a.kind], note] : ROLES_OF[a.kind]));
}

export const AnyOperator = () => access({ kind: 'any' });
export const ReadsAllApps = () => access({ kind: 'read-all' });
export const ReadsApp = (param = 'id') => access({ kind: 'read-app', param }, `admin: only of their apps`);
export const ChangesApp = (param = 'id') => access({ kind: 'change-app', param }, `admin: only of their apps`);
export const OwnersOnly = () => access({ kind: 'owner' });

/**
 * Whether the operator may use a route declared `a`, with the route's
 * parameters `params`; throws FORBIDDEN saying why when not.
 */
export function authorize(who: OperatorPrincipal, a: RouteAccess, params: Record<string, string | undefined>): void {
  if (!ROLES_OF[a.kind].includes(who.role)) throw forbidden(who, a);
  if ((a.kind === 'read-app' || a.kind === 'change-app') && who.role === 'admin') assertScoped(who, params[a.param]);
}

/** For routes that name an app elsewhere than in the path (a filter): an admin may name only their apps, and must name one. */
export function assertScoped(who: OperatorPrincipal, appId: string | undefined): void {
  if (who.role !== 'admin') return;
  if (!appId) throw new DomainError('FORBIDDEN', { message: 'an admin must name one of their apps (app_id)' });
  // An app id is a UUID, which Postgres reads in either case: an admin's own app in capitals is still theirs.
  if (!who.appIds.includes(appId.toLowerCase())) throw new DomainError('FORBIDDEN', { message: 'this app is not one of the operator\'s apps' });
}

function forbidden(who: OperatorPrincipal, a: RouteAccess): DomainError {
  const needs: Record<RouteAccess['kind'], string> = {
    any: '',
    'read-all': 'reading across all apps needs an owner or a viewer',
    'read-app': '',
    'change-app': 'changes need an owner or an admin of the app',
    owner: 'only an owner may do this',
  };
  return new DomainError('FORBIDDEN', { message: `${needs[a.kind]} (this operator is ${who.role === 'admin' ? 'an admin' : `a ${who.role}`})` });
}
