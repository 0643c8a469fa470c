import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { OperatorsService } from '../operators/operators.service.js';

/** Operator tokens carry their own audience; end-user tokens are never accepted here. */
export const OPERATOR_AUDIENCE = 'passcode:operator';
export const TOKEN_ISSUER = 'passcode';

export interface OperatorPrincipal {
  operatorId: string;
  username: string;
}

@Injectable()
export class OperatorJwtStrategy extends PassportStrategy(Strategy, 'operator-jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly operators: OperatorsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.secrets.jwtSecret,
      audience: OPERATOR_AUDIENCE,
      issuer: TOKEN_ISSUER,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(payload: { sub?: unknown }): Promise<OperatorPrincipal | false> {
    if (typeof payload.sub !== 'string') return false;
    const operator = await this.operators.findActive(payload.sub);
    return operator ? { operatorId: operator.id, username: operator.username } : false;
  }
}
