import { randomUUID } from 'node:crypto';
import { type CanActivate, type ExecutionContext, type OnModuleDestroy } from '@nestjs/common';
import passport from 'passport';
import { Strategy as JwtStrategy, ExtractJwt, type VerifiedCallback } from 'passport-jwt';
import { DomainError } from '../common/errors/domain-error.js';

/**
 * A passport-jwt strategy registered under a name unique to this application
 * instance. Passport keeps strategies in one process-wide registry; a fixed name
 * would let a second Nest application in the same process (tests, the abuse
 * suite's instances) replace the first one's keys and database.
 */
export interface BearerJwtOptions {
  secretOrKey: string;
  audience: string;
  issuer: string;
}

export abstract class BearerJwtStrategy<P> implements OnModuleDestroy {
  readonly name: string;

  protected constructor(kind: string, options: BearerJwtOptions) {
    this.name = `${kind}:${randomUUID()}`;
    passport.use(
      this.name,
      new JwtStrategy({ ...options, algorithms: ['HS256'], jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken() }, (payload: Record<string, unknown>, done: VerifiedCallback) => {
        this.validate(payload).then(
          (principal) => done(null, principal ?? false),
          (err: unknown) => done(err, false),
        );
      }),
    );
  }

  /** The principal for a verified token, or null when the token must be refused. */
  protected abstract validate(payload: Record<string, unknown>): Promise<P | null>;

  onModuleDestroy(): void {
    passport.unuse(this.name);
  }
}

/**
 * Authenticates a request with a {@link BearerJwtStrategy}. A missing, malformed,
 * forged or revoked token is UNAUTHORIZED; an expired one TOKEN_EXPIRED.
 */
export abstract class BearerJwtGuard<P> implements CanActivate {
  protected constructor(private readonly strategy: BearerJwtStrategy<P>) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<{ user?: P }>();
    return new Promise((resolve, reject) => {
      passport.authenticate(this.strategy.name, { session: false }, (err: unknown, user: P | false, info: unknown) => {
        // Errors of validate() (the database down) propagate as they are; token problems are 401s.
        if (err) return reject(err);
        if (!user) {
          const expired = (info as { name?: string } | undefined)?.name === 'TokenExpiredError';
          return reject(new DomainError(expired ? 'TOKEN_EXPIRED' : 'UNAUTHORIZED'));
        }
        req.user = user;
        resolve(true);
      })(req, {}, (err: unknown) => reject(err ?? new DomainError('UNAUTHORIZED')));
    });
  }
}
