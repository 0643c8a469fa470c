import { Inject, Injectable } from '@nestjs/common';
import { type AppEntity } from '../apps/app.entity.js';
import { AppsService } from '../apps/apps.service.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TOKEN_ISSUER } from '../users/users.service.js';
import { UsersService } from '../users/users.service.js';
import { BearerJwtStrategy } from './passport-bearer.guard.js';

export interface UserPrincipal {
  userId: string;
  jti: string;
  app: AppEntity;
}

/**
 * End-user tokens: HS256, audience `app:<appId>`, each backed by a `user_sessions`
 * row (its jti) so logout, deregistration and the session cap revoke it. Read as
 * `Bearer <token>`, or bare where a dialect's clients send it so (Authing).
 */
@Injectable()
export class UserJwtStrategy extends BearerJwtStrategy<UserPrincipal> {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersService,
    private readonly apps: AppsService,
  ) {
    // Any app's audience passes the signature check; validate() binds it to the session's app.
    super('user-jwt', { secretOrKey: config.secrets.jwtSecret, audience: /^app:/ as unknown as string, issuer: TOKEN_ISSUER }, ['bearer', 'bearer-or-bare']);
  }

  protected async validate(payload: Record<string, unknown>): Promise<UserPrincipal | null> {
    const { sub, jti, aud } = payload;
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof aud !== 'string') return null;
    const session = await this.users.liveSession(jti, sub, aud);
    if (!session) return null;
    const app = await this.apps.findEnabledById(session.app_id);
    return app ? { userId: sub, jti, app } : null;
  }
}
