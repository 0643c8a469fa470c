import { type ExecutionContext, Injectable } from '@nestjs/common';
import { UserAuthGuard } from '../../auth/user-auth.guard.js';
import { UserJwtStrategy } from '../../auth/user-jwt.strategy.js';

/** Authenticates the end user when an Authorization header is sent (a bad token is still refused); admits anonymous requests. */
@Injectable()
export class OptionalUserAuthGuard extends UserAuthGuard {
  constructor(strategy: UserJwtStrategy) {
    super(strategy);
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    const auth = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers.authorization;
    return auth === undefined || auth === '' ? Promise.resolve(true) : super.canActivate(context);
  }
}
