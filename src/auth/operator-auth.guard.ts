import { Injectable } from '@nestjs/common';
import { OperatorJwtStrategy, type OperatorPrincipal } from './operator-jwt.strategy.js';
import { BearerJwtGuard } from './passport-bearer.guard.js';

/** Admits requests with a valid, unexpired operator token of an existing, enabled operator. */
@Injectable()
export class OperatorAuthGuard extends BearerJwtGuard<OperatorPrincipal> {
  constructor(strategy: OperatorJwtStrategy) {
    super(strategy);
  }
}
