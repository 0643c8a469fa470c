import { ApiProperty } from '@nestjs/swagger';
import { type Assignable } from '../openapi/same-shape.js';
import { type OperatorToken } from './operator-session.service.js';

/** POST /admin/login. */
export class OperatorTokenData implements OperatorToken {
  @ApiProperty({ description: 'send it as `Authorization: Bearer <access_token>`' }) access_token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: 'Bearer';
  @ApiProperty({ type: 'integer', description: 'seconds the token stays valid' }) expires_in: number;
}

export type _OperatorTokenDocumented = Assignable<OperatorTokenData, OperatorToken>;
