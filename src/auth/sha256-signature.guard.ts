import { applyDecorators, type CanActivate, type ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type FastifyRequest } from 'fastify';
import { AppsService } from '../apps/apps.service.js';
import { Clock } from '../common/clock/clock.js';
import { safeEqual, sha256Hex } from '../common/crypto/hashing.js';
import { DomainError } from '../common/errors/domain-error.js';
import { PasscodeValidationPipe } from '../common/http/validation.pipe.js';
import { lenientCallingCode, parsePhoneInput } from '../common/phone/phone.js';
import { NonceService } from './nonce.service.js';
import { SIGNED_APP, SIGNED_PHONE } from './signed-app.decorator.js';

/** Seed 003's window for `ts` either side of the clock; a `random` stays spent until its `ts` plus this. */
const WINDOW_MS = 10 * 60_000;

/** The query parameters of seed 003's signature scheme, as sent (the signature covers their exact text). */
export interface Sha256SignedQuery {
  userDomain: string;
  internationalCode: string;
  phone: string;
  codeType: string;
  random: string;
  ts: string;
  signature: string;
}

/** Where {@link Sha256Signed} leaves the DTO that validates a route's query. */
const SIGNED_QUERY_DTO = Symbol('passcode:sha256-signed-query');

/**
 * Seed 003's request signature: `signature = sha256hex(phone + codeType + random +
 * ts + secret)` over the query as sent, `userDomain` naming the app and a
 * millisecond `ts` within ±10 minutes of the clock; `random` is accepted once per
 * app. The app's current secret and, during a rotation grace, the previous one are
 * accepted. In order: the query's validation (the route's DTO, as its pipe would,
 * so a malformed request answers its parameter's code first), the app
 * (APPKEY_NOT_FOUND), `ts` (SIGN_TIMESTAMP_EXPIRED), the signature (SIGN_INVALID),
 * the number (VALIDATION_FAILED naming `internationalCode` or `phone`), and only
 * then the `random` (SIGN_NONCE_REPLAYED): neither garbage nor a request bound to
 * fail can burn one. Use it as {@link Sha256Signed}.
 */
@Injectable()
export class Sha256SignatureGuard implements CanActivate {
  private readonly pipe = new PasscodeValidationPipe();

  constructor(
    private readonly reflector: Reflector,
    private readonly apps: AppsService,
    private readonly nonces: NonceService,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const dto = this.reflector.get<new () => Sha256SignedQuery>(SIGNED_QUERY_DTO, context.getHandler());
    const q = (await this.pipe.transform(req.query, { type: 'query', metatype: dto })) as Sha256SignedQuery;

    const app = await this.apps.getEnabledByAppkey(q.userDomain);
    if (Math.abs(Number(q.ts) - this.clock.nowMs()) > WINDOW_MS) throw new DomainError('SIGN_TIMESTAMP_EXPIRED');
    const signed = q.phone + q.codeType + q.random + q.ts;
    // Every active secret is compared, so the answer time does not tell which one matched.
    const given = q.signature.toLowerCase();
    let ok = false;
    for (const secret of this.apps.activeSecrets(app)) ok = safeEqual(sha256Hex(signed + secret), given) || ok;
    if (!ok) throw new DomainError('SIGN_INVALID');
    const phone = parsePhoneInput(lenientCallingCode(q.internationalCode), q.phone, { mcode: 'internationalCode', mobile: 'phone' });
    // Claimed before the handler sends; kept until the request's own ts leaves the
    // window, however far ahead of the clock that ts is.
    if (!(await this.nonces.claim(app.id, q.random, new Date(Number(q.ts) + WINDOW_MS)))) throw new DomainError('SIGN_NONCE_REPLAYED');

    const signedReq = req as unknown as Record<symbol, unknown>;
    signedReq[SIGNED_APP] = app;
    signedReq[SIGNED_PHONE] = phone;
    return true;
  }
}

/**
 * A route signed by seed 003's scheme ({@link Sha256SignatureGuard}), its query
 * validated by `dto` before the signature is checked. The handler reads the app
 * with `@SignedApp()` and the parsed number with `@SignedPhone()`.
 */
export function Sha256Signed(dto: new () => Sha256SignedQuery): MethodDecorator {
  return applyDecorators(SetMetadata(SIGNED_QUERY_DTO, dto), UseGuards(Sha256SignatureGuard));
}
