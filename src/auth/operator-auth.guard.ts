import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { authorize, type OperatorPrincipal, ROUTE_ACCESS, type RouteAccess } from '../operators/operator-access.js';
import { OperatorJwtStrategy } from './operator-jwt.strategy.js';
import { BearerJwtGuard } from './passport-bearer.guard.js';

/**
 * Admits requests with a valid, unexpired operator token of an existing, enabled
 * operator whose role the route admits (its `@AnyOperator`, `@ReadsApp`, …
 * declaration; owners only when it has none): FORBIDDEN otherwise, before any
 * input is read.
 */
@Injectable()
export class OperatorAuthGuard extends BearerJwtGuard<OperatorPrincipal> {
  constructor(
    strategy: OperatorJwtStrategy,
    private readonly reflector: Reflector,
  ) {
    super(strategy);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<{ user: OperatorPrincipal; params?: Record<string, string | undefined> }>();
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]) ?? { kind: 'owner' };
    authorize(req.user, access, req.params ?? {});
    return true;
  }
}
