import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type UserPrincipal } from './user-jwt.strategy.js';

/** The end user of a request that passed {@link UserAuthGuard}. */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserPrincipal => {
  return ctx.switchToHttp().getRequest<{ user: UserPrincipal }>().user;
});
