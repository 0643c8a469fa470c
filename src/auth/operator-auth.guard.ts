import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { DomainError } from '../common/errors/domain-error.js';

/** Admits requests with a valid, unexpired operator token; anything else is UNAUTHORIZED or TOKEN_EXPIRED. */
@Injectable()
export class OperatorAuthGuard extends AuthGuard('operator-jwt') {
  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err || !user) {
      const expired = (info as { name?: string } | undefined)?.name === 'TokenExpiredError';
      throw new DomainError(expired ? 'TOKEN_EXPIRED' : 'UNAUTHORIZED');
    }
    return user;
  }
}
