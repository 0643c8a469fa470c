import { type ExecutionContext, Injectable } from '@nestjs/common';
import { BareTokenUserAuthGuard } from '../../auth/bare-token-user-auth.guard.js';
import { UserJwtStrategy } from '../../auth/user-jwt.strategy.js';

/**
 * Authenticates the end user when an Authorization header is sent, bare or Bearer
 * (a bad token is still refused); admits anonymous requests.
 */
@Injectable()
export class OptionalUserAuthGuard extends BareTokenUserAuthGuard {
  constructor(strategy: UserJwtStrategy) {
    super(strategy);
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    const auth = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers.authorization;
    return auth === undefined || auth === '' ? Promise.resolve(true) : super.canActivate(context);
  }
}
