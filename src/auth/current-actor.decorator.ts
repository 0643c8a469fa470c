import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { type Actor } from '../audit/actor.js';
import { clientIp } from '../common/http/client-ip.js';
import { type OperatorPrincipal } from './operator-jwt.strategy.js';

/** The authenticated operator of an admin request, with the client IP, for the audit log. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest & { user: OperatorPrincipal }>();
  return { operatorId: req.user.operatorId, username: req.user.username, ip: clientIp(req) };
});

/** The authenticated operator of an admin request, with role and apps (for routes that scope what they answer). */
export const CurrentOperator = createParamDecorator((_: unknown, ctx: ExecutionContext): OperatorPrincipal => {
  return ctx.switchToHttp().getRequest<FastifyRequest & { user: OperatorPrincipal }>().user;
});
