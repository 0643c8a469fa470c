import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type OperatorEntity } from '../operators/operator.entity.js';
import { OperatorsService } from '../operators/operators.service.js';
import { OPERATOR_AUDIENCE, TOKEN_ISSUER } from './operator-jwt.strategy.js';

export interface OperatorToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Issues operator tokens (HS256, operator audience) after password authentication. */
@Injectable()
export class OperatorSessionService {
  constructor(
    private readonly operators: OperatorsService,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A token for the operator, after {@link OperatorsService.authenticate} from the client's IP. */
  async login(username: string, password: string, ip: string): Promise<OperatorToken> {
    return this.issue(await this.operators.authenticate(username, password, ip));
  }

  /** A token for an operator already authenticated (their password just changed). */
  async issue(operator: Pick<OperatorEntity, 'id' | 'username' | 'tokenGeneration'>): Promise<OperatorToken> {
    const ttl = this.config.admin.tokenTtlS;
    const access_token = await this.jwt.signAsync(
      { username: operator.username, gen: operator.tokenGeneration },
      { subject: operator.id, audience: OPERATOR_AUDIENCE, issuer: TOKEN_ISSUER, expiresIn: ttl, algorithm: 'HS256', secret: this.config.secrets.jwtSecret },
    );
    return { access_token, token_type: 'Bearer', expires_in: ttl };
  }
}
