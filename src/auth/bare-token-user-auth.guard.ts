import { Injectable } from '@nestjs/common';
import { BearerJwtGuard } from './passport-bearer.guard.js';
import { UserJwtStrategy, type UserPrincipal } from './user-jwt.strategy.js';

/**
 * {@link UserAuthGuard} for clients that send the end-user token bare
 * (`authorization: <token>`) as well as `Bearer <token>`: Authing's SDKs after
 * setAccessToken. The same refusals: UNAUTHORIZED, or TOKEN_EXPIRED.
 */
@Injectable()
export class BareTokenUserAuthGuard extends BearerJwtGuard<UserPrincipal> {
  constructor(strategy: UserJwtStrategy) {
    super(strategy, 'bearer-or-bare');
  }
}
