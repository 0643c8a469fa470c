import { type ExecutionContext, Injectable } from '@nestjs/common';
import { BareTokenUserAuthGuard } from '../../auth/bare-token-user-auth.guard.js';
import { UserJwtStrategy } from '../../auth/user-jwt.strategy.js';
import { asksUser } from '../../users/account-code.service.js';
import { AUTHING_CHANNELS } from './authing.dto.js';

/**
 * send-sms's token: authenticates the end user when an Authorization header is
 * sent, bare or Bearer (a bad token is then refused), for the channels that
 * send to a user (bind, unbind, delete account) and for a channel it cannot
 * name. The channels anyone may ask (login, register, reset password) read no
 * token at all: a client whose token expired or was revoked asks for a login
 * code with it still set (the SDK sends whatever `setAccessToken` last set), and
 * that is the very request that recovers the session.
 */
@Injectable()
export class OptionalUserAuthGuard extends BareTokenUserAuthGuard {
  constructor(strategy: UserJwtStrategy) {
    super(strategy);
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, unknown>; body?: unknown }>();
    const auth = req.headers.authorization;
    if (auth === undefined || auth === '' || !channelAsksUser(req.body)) return Promise.resolve(true);
    return super.canActivate(context);
  }
}

/** Whether the body's channel sends to a user; true for a channel that is not one (the DTO then names the error, after the token). */
function channelAsksUser(body: unknown): boolean {
  const channel = (body as { channel?: unknown } | null | undefined)?.channel;
  if (typeof channel !== 'string' || !Object.hasOwn(AUTHING_CHANNELS, channel)) return true;
  return asksUser(AUTHING_CHANNELS[channel as keyof typeof AUTHING_CHANNELS]);
}
