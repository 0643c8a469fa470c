import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type OperatorPrincipal } from '../operators/operator-access.js';
import { OperatorsService } from '../operators/operators.service.js';
import { BearerJwtStrategy } from './passport-bearer.guard.js';

/** Operator tokens carry their own audience; end-user tokens are never accepted here. */
export const OPERATOR_AUDIENCE = 'passcode:operator';
export const TOKEN_ISSUER = 'passcode';

export type { OperatorPrincipal } from '../operators/operator-access.js';

@Injectable()
export class OperatorJwtStrategy extends BearerJwtStrategy<OperatorPrincipal> {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly operators: OperatorsService,
  ) {
    super('operator-jwt', {
      secretOrKey: config.secrets.jwtSecret,
      audience: OPERATOR_AUDIENCE,
      issuer: TOKEN_ISSUER,
    });
  }

  /**
   * A token outlives neither its operator, nor the operator's enabled status, nor
   * a password change or disable after it was issued (its `gen` claim); the role
   * and apps are read afresh.
   */
  protected async validate(payload: Record<string, unknown>): Promise<OperatorPrincipal | null> {
    if (typeof payload.sub !== 'string') return null;
    const operator = await this.operators.findPrincipal(payload.sub);
    // Tokens from before generations existed carry none: generation 0.
    if (!operator || (payload.gen ?? 0) !== operator.tokenGeneration) return null;
    return operator.principal;
  }
}
