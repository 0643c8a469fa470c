import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type AppEntity } from '../apps/app.entity.js';
import { type ParsedPhone } from '../common/phone/phone.js';

/** Where the signature guards ({@link Md5SignatureGuard}, {@link Sha256SignatureGuard}) leave the app a request was signed for. */
export const SIGNED_APP = Symbol('passcode:signed-app');

/** Where {@link Sha256SignatureGuard} leaves the number a seed 003 request is for, parsed. */
export const SIGNED_PHONE = Symbol('passcode:signed-phone');

/** The app of a request that passed a signature guard. (The request is the context's first argument: `switchToHttp()` would add three closures to the context per call.) */
export const SignedApp = createParamDecorator((_: unknown, ctx: ExecutionContext): AppEntity => {
  return ctx.getArgByIndex<Record<symbol, AppEntity>>(0)[SIGNED_APP];
});

/** The number of a request that passed the seed 003 signature guard, which checked it before spending the nonce. */
export const SignedPhone = createParamDecorator((_: unknown, ctx: ExecutionContext): ParsedPhone => {
  return ctx.getArgByIndex<Record<symbol, ParsedPhone>>(0)[SIGNED_PHONE];
});
