import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor, CurrentOperator } from '../auth/current-actor.decorator.js';
import { OperatorTokenData } from '../auth/admin-login-responses.dto.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { OperatorSessionService } from '../auth/operator-session.service.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { AnyOperator, type OperatorPrincipal, OwnersOnly } from './operator-access.js';
import { ChangeOwnPasswordDto, CreateOperatorDto, UpdateOperatorDto } from './operator.dto.js';
import { OperatorData, OperatorListData } from './operator-responses.dto.js';
import { OperatorsAdminService } from './operators-admin.service.js';

@ApiTags('admin: operators')
@UseGuards(OperatorAuthGuard)
@Controller('admin/operators')
export class OperatorsAdminController {
  constructor(
    private readonly operators: OperatorsAdminService,
    private readonly sessions: OperatorSessionService,
  ) {}

  @Get('me')
  @AnyOperator()
  @ApiOperation({ summary: 'Who am I', description: 'The signed-in operator: role and, for an admin, their apps (what the console shows and hides).' })
  @ApiData(OperatorData)
  me(@CurrentOperator() who: OperatorPrincipal) {
    return this.operators.get(who.operatorId);
  }

  @Post('me/password')
  @HttpCode(200)
  @AnyOperator()
  @ApiOperation({ summary: 'Change my password', description: 'Needs the current password. Every token issued before ends; the answer holds a fresh one.' })
  @ApiData(OperatorTokenData)
  @ApiErrors('OPERATOR_PASSWORD_WRONG')
  async changeOwnPassword(@CurrentActor() actor: Actor, @Body() dto: ChangeOwnPasswordDto) {
    return this.sessions.issue(await this.operators.changeOwnPassword(actor, dto));
  }

  @Get()
  @OwnersOnly()
  @ApiOperation({ summary: 'List operators', description: 'Every operator with role, apps and status; never a password.' })
  @ApiData(OperatorListData)
  async list() {
    return { items: await this.operators.list() };
  }

  @Post()
  @OwnersOnly()
  @ApiOperation({
    summary: 'Create an operator',
    description: 'An owner (everything), an admin of the apps in `app_ids` (their settings, SMS bindings, webhooks, logs, statistics) or a viewer (reads everything).',
  })
  @ApiData(OperatorData)
  @ApiErrors('OPERATOR_USERNAME_TAKEN', 'APP_NOT_FOUND')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateOperatorDto) {
    return this.operators.create(actor, dto);
  }

  @Get(':id')
  @OwnersOnly()
  @ApiOperation({ summary: 'Read an operator', description: 'Role, apps and status; never a password.' })
  @ApiData(OperatorData)
  @ApiErrors('OPERATOR_NOT_FOUND')
  get(@Param('id') id: string) {
    return this.operators.get(id);
  }

  @Patch(':id')
  @OwnersOnly()
  @ApiOperation({
    summary: 'Change an operator',
    description:
      'Role, apps (replaced; admins only), status or password. A new password or a disable ends the operator\'s tokens. The last enabled owner can be neither demoted nor disabled.',
  })
  @ApiData(OperatorData)
  @ApiErrors('OPERATOR_NOT_FOUND', 'OPERATOR_LAST_OWNER', 'APP_NOT_FOUND')
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateOperatorDto) {
    return this.operators.update(actor, id, dto);
  }
}
