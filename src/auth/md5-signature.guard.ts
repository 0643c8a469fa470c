import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { type AppEntity } from '../apps/app.entity.js';
import { AppsService } from '../apps/apps.service.js';
import { Clock } from '../common/clock/clock.js';
import { md5Hex, safeEqual } from '../common/crypto/hashing.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SIGNED_APP } from './signed-app.decorator.js';

const TIMESTAMP = /^\d{10}$/;
/**
 * The documents write `sign` as 32 lowercase hex characters, which is what every
 * MD5 helper they show prints. Uppercase hex is the same digest (PHP's
 * `strtoupper(md5(...))`, Java's `%02X`), so it is accepted too: refusing it
 * would protect nothing.
 */
const SIGN = /^[0-9a-fA-F]{32}$/;

/**
 * Seed 001's request signature: `sign = md5(appkey + timestamp + app_secret)` with
 * a 10-digit seconds timestamp within the configured skew (±120 s by default, as
 * intro.md states; `SIGNATURE_SKEW_S`). `appkey`, `timestamp`
 * and `sign` come from the query, a form body or a JSON body. The app's current
 * secret and, during a rotation grace, the previous one are accepted.
 */
@Injectable()
export class Md5SignatureGuard implements CanActivate {
  constructor(
    private readonly apps: AppsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const req = context.getArgByIndex<FastifyRequest>(0);
    const appkey = param(req, 'appkey');
    if (!appkey) throw new DomainError('SIGN_APPKEY_MISSING');
    // An appkey the cache knows is checked without a promise.
    const app = this.apps.cachedEnabledByAppkey(appkey);
    return app ? this.verify(req, appkey, app) : this.apps.getEnabledByAppkey(appkey).then((found) => this.verify(req, appkey, found));
  }

  private verify(req: FastifyRequest, appkey: string, app: AppEntity): boolean {
    const timestamp = param(req, 'timestamp');
    if (!timestamp || !TIMESTAMP.test(timestamp)) throw new DomainError('SIGN_TIMESTAMP_INVALID');
    const skew = Math.abs(Number(timestamp) - Math.floor(this.clock.nowMs() / 1000));
    if (skew > this.config.signature.skewS) throw new DomainError('SIGN_TIMESTAMP_EXPIRED');

    const sign = param(req, 'sign');
    if (!sign || !SIGN.test(sign)) throw new DomainError('SIGN_INVALID');
    // Every secret is compared, so the answer time does not tell which one matched.
    const given = sign.toLowerCase();
    let ok = false;
    for (const secret of this.apps.activeSecrets(app)) ok = safeEqual(md5Hex(appkey + timestamp + secret), given) || ok;
    if (!ok) throw new DomainError('SIGN_INVALID');

    (req as unknown as Record<symbol, unknown>)[SIGNED_APP] = app;
    return true;
  }
}

/** A signature parameter from the body (form or JSON) or, failing that, the query; only strings and numbers count. */
function param(req: FastifyRequest, name: string): string | undefined {
  return fieldOf(req.body, name) ?? fieldOf(req.query, name);
}

function fieldOf(source: unknown, name: string): string | undefined {
  if (!source || typeof source !== 'object' || Array.isArray(source)) return undefined;
  const value = (source as Record<string, unknown>)[name];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
