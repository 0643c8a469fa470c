import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { OperatorsService } from '../operators/operators.service.js';
import { BearerJwtStrategy } from './passport-bearer.guard.js';

/** Operator tokens carry their own audience; end-user tokens are never accepted here. */
export const OPERATOR_AUDIENCE = 'passcode:operator';
export const TOKEN_ISSUER = 'passcode';

export interface OperatorPrincipal {
  operatorId: string;
  username: string;
}

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

  /** A token outlives neither its operator nor the operator's enabled status. */
  protected async validate(payload: Record<string, unknown>): Promise<OperatorPrincipal | null> {
    if (typeof payload.sub !== 'string') return null;
    const operator = await this.operators.findActive(payload.sub);
    return operator ? { operatorId: operator.id, username: operator.username } : null;
  }
}
