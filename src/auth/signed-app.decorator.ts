import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type AppEntity } from '../apps/app.entity.js';

/** Where {@link Md5SignatureGuard} leaves the app a request was signed for. */
export const SIGNED_APP = Symbol('passcode:signed-app');

/** The app of a request that passed the seed 001 signature guard. */
export const SignedApp = createParamDecorator((_: unknown, ctx: ExecutionContext): AppEntity => {
  return (ctx.switchToHttp().getRequest() as Record<symbol, AppEntity>)[SIGNED_APP];
});
