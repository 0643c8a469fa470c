import { ApiProperty } from '@nestjs/swagger';
import { type Assignable } from '../openapi/same-shape.js';
import { OPERATOR_ROLES, type OperatorRole } from './operator-access.js';
import { type OperatorView } from './operator.view.js';

export class OperatorData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'alice' }) username: string;
  @ApiProperty({ enum: OPERATOR_ROLES }) role: OperatorRole;
  @ApiProperty({ type: [String], description: 'the apps an admin manages (empty for owners and viewers)' }) app_ids: string[];
  @ApiProperty({ enum: ['enabled', 'disabled'] }) status: 'enabled' | 'disabled';
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_login_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class OperatorListData {
  @ApiProperty({ type: [OperatorData] }) items: OperatorData[];
}

export type _OperatorViewDocumented = [Assignable<OperatorView, OperatorData>, Assignable<OperatorData, OperatorView>];
