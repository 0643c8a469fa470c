import { Injectable } from '@nestjs/common';
import { BearerJwtGuard } from './passport-bearer.guard.js';
import { UserJwtStrategy, type UserPrincipal } from './user-jwt.strategy.js';

/** Admits requests with a live end-user token (v1: 401 when missing or revoked, 402 when expired). */
@Injectable()
export class UserAuthGuard extends BearerJwtGuard<UserPrincipal> {
  constructor(strategy: UserJwtStrategy) {
    super(strategy);
  }
}
