import { randomUUID } from 'node:crypto';
import { type CanActivate, type ExecutionContext, type OnModuleDestroy } from '@nestjs/common';
import passport from 'passport';
import { Strategy as JwtStrategy, type JwtFromRequestFunction, type VerifiedCallback } from 'passport-jwt';
import { DomainError } from '../common/errors/domain-error.js';

/**
 * How a route reads the token from the Authorization header: `bearer` demands
 * `Bearer <token>`; `bearer-or-bare` also takes the bare token, as Authing's SDKs
 * send it after setAccessToken (`authorization: <token>`).
 */
export type TokenScheme = 'bearer' | 'bearer-or-bare';

/**
 * The longest Authorization header read: the tokens Passcode issues are a few
 * hundred characters; a longer header is no token of ours, and is not read at all.
 */
export const MAX_AUTHORIZATION_CHARS = 4096;

/** `Bearer <token>`, the scheme in any case, spaces or tabs around the token; the whole header, so nothing may follow it. */
const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * The token of `Bearer <token>`. passport-jwt's own extractor matched the header
 * with an unanchored pattern that backtracks: a 16,000-character header without
 * a space held the event loop for a quarter of a second, no token needed. This
 * one bounds the header first, and its pattern is anchored at both ends.
 */
const bearerToken: JwtFromRequestFunction = (req) => {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_CHARS) return null;
  return BEARER.exec(header)?.[1] ?? null;
};

/** The whole header as the token when it is one word (a JWT holds no space; `Basic x` is not a token). */
const bareToken: JwtFromRequestFunction = (req) => {
  const header = req.headers.authorization;
  return typeof header === 'string' && header.length <= MAX_AUTHORIZATION_CHARS && /^\S+$/.test(header) ? header : null;
};

const EXTRACTORS: Record<TokenScheme, JwtFromRequestFunction> = {
  bearer: bearerToken,
  'bearer-or-bare': (req) => bearerToken(req) ?? bareToken(req),
};

export interface BearerJwtOptions {
  secretOrKey: string;
  audience: string;
  issuer: string;
}

/**
 * A passport-jwt strategy registered under names unique to this application
 * instance, one per {@link TokenScheme} it serves. Passport keeps strategies in
 * one process-wide registry; a fixed name would let a second Nest application in
 * the same process (tests, the abuse suite's instances) replace the first one's
 * keys and database.
 */
export abstract class BearerJwtStrategy<P> implements OnModuleDestroy {
  /** The passport strategy name of each way of reading the token that this strategy serves. */
  readonly names: Readonly<Partial<Record<TokenScheme, string>>>;

  protected constructor(kind: string, options: BearerJwtOptions, schemes: readonly TokenScheme[] = ['bearer']) {
    const id = `${kind}:${randomUUID()}`;
    this.names = Object.fromEntries(schemes.map((scheme) => [scheme, `${id}:${scheme}`]));
    for (const scheme of schemes) {
      passport.use(
        `${id}:${scheme}`,
        new JwtStrategy({ ...options, algorithms: ['HS256'], jwtFromRequest: EXTRACTORS[scheme] }, (payload: unknown, done: VerifiedCallback) => {
          // A signed payload that is no object (an array, a number) carries no claims: no token of ours.
          if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return done(null, false);
          this.validate(payload as Record<string, unknown>).then(
            (principal) => done(null, principal ?? false),
            (err: unknown) => done(err, false),
          );
        }),
      );
    }
  }

  /** The principal for a verified token, or null when the token must be refused. */
  protected abstract validate(payload: Record<string, unknown>): Promise<P | null>;

  onModuleDestroy(): void {
    for (const name of Object.values(this.names)) if (name) passport.unuse(name);
  }
}

/**
 * Authenticates a request with a {@link BearerJwtStrategy}, reading the token as
 * `scheme` says (default: Bearer only). A missing, malformed, forged or revoked
 * token is UNAUTHORIZED; an expired one TOKEN_EXPIRED.
 */
export abstract class BearerJwtGuard<P> implements CanActivate {
  private readonly strategyName: string;

  protected constructor(strategy: BearerJwtStrategy<P>, scheme: TokenScheme = 'bearer') {
    const name = strategy.names[scheme];
    if (!name) throw new Error(`${strategy.constructor.name} does not read ${scheme} tokens`);
    this.strategyName = name;
  }

  canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<{ user?: P }>();
    return new Promise((resolve, reject) => {
      const authenticate = passport.authenticate(this.strategyName, { session: false }, (err: unknown, user: P | false, info: unknown) => {
        // Errors of validate() (the database down) propagate as they are; token problems are 401s.
        if (err) return reject(err);
        if (!user) {
          const expired = (info as { name?: string } | undefined)?.name === 'TokenExpiredError';
          return reject(new DomainError(expired ? 'TOKEN_EXPIRED' : 'UNAUTHORIZED'));
        }
        req.user = user;
        resolve(true);
      });
      try {
        authenticate(req, {}, (err: unknown) => reject(err ?? new DomainError('UNAUTHORIZED')));
      } catch {
        // jsonwebtoken throws, rather than reporting, on some tokens whose signature holds (a payload of `null`):
        // a token refused, not a server error. validate() reports its errors through the callback above.
        reject(new DomainError('UNAUTHORIZED'));
      }
    });
  }
}
