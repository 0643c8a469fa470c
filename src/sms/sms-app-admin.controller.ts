import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { SmsBindingsService } from './sms-bindings.service.js';
import { PutSmsBindingDto, PutSmsRoutesDto, SmsTestSendDto } from './sms.dto.js';
import { SmsRoutesService } from './sms-routes.service.js';
import { ChangesApp, ReadsApp } from '../operators/operator-access.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { SMS_DELIVERY } from '../openapi/error-groups.js';
import { SmsBindingData, SmsBindingListData, SmsRoutesData, SmsRoutesListData, SmsTestSendData } from './sms-responses.dto.js';
import { SmsTestSendService } from './sms-test-send.service.js';

@ApiTags('admin: sms')
@UseGuards(OperatorAuthGuard)
@Controller('admin/apps/:id/sms')
export class SmsAppAdminController {
  constructor(
    private readonly bindings: SmsBindingsService,
    private readonly testSend: SmsTestSendService,
    private readonly routes: SmsRoutesService,
  ) {}

  @Get('bindings')
  @ReadsApp('id')
  @ApiOperation({ summary: 'List scene bindings', description: 'The app\'s scenes and the template and signature each sends with.' })
  @ApiData(SmsBindingListData)
  @ApiErrors('APP_NOT_FOUND')
  listBindings(@Param('id') id: string) {
    return this.bindings.list(id);
  }

  /** Binds (or rebinds) a scene to a template + signature, optionally with a fallback pair. */
  @Put('bindings/:scene')
  @ChangesApp('id')
  @ApiOperation({ summary: 'Bind a scene', description: 'Binds (or rebinds) a scene of the app to a template and signature of one account, optionally with a fallback pair of another account. A pair spanning two accounts or mixing message types is refused.' })
  @ApiData(SmsBindingData)
  @ApiErrors('APP_NOT_FOUND', 'SMS_TEMPLATE_NOT_FOUND', 'SMS_SIGNATURE_NOT_FOUND', 'SMS_BINDING_ACCOUNT_MISMATCH', 'SMS_BINDING_TYPE_MISMATCH')
  putBinding(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('scene') scene: string, @Body() dto: PutSmsBindingDto) {
    return this.bindings.put(actor, id, scene, dto);
  }

  @Delete('bindings/:scene')
  @ChangesApp('id')
  @ApiOperation({ summary: 'Unbind a scene', description: 'Sends of the scene are refused (SMS_NOT_CONFIGURED) until it is bound again.' })
  @ApiData(null)
  @ApiErrors('APP_NOT_FOUND', 'SMS_NOT_CONFIGURED')
  async deleteBinding(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('scene') scene: string) {
    await this.bindings.delete(actor, id, scene);
    return null;
  }

  @Get('routes')
  @ReadsApp('id')
  @ApiOperation({ summary: 'List scene routes', description: 'Each scene of the app that has routes, with them in the order they are tried.' })
  @ApiData(SmsRoutesListData)
  @ApiErrors('APP_NOT_FOUND')
  listRoutes(@Param('id') id: string) {
    return this.routes.list(id);
  }

  @Put('routes/:scene')
  @ChangesApp('id')
  @ApiOperation({
    summary: 'Set a scene\'s routes',
    description:
      'Replaces the scene\'s ordered routes. Each names a template and (but for twilio) a signature of one account, and optionally the destination ' +
      'countries it serves. A send takes the routes serving its destination in order and fails over to the next one only when no message can have ' +
      'left and another account may succeed (an account problem or a transient refusal; never on an unknown outcome, a refused number or a rate limit). ' +
      'A scene with routes ignores its binding.',
  })
  @ApiData(SmsRoutesData)
  @ApiErrors('APP_NOT_FOUND', 'SMS_TEMPLATE_NOT_FOUND', 'SMS_SIGNATURE_NOT_FOUND', 'SMS_BINDING_ACCOUNT_MISMATCH', 'SMS_BINDING_TYPE_MISMATCH')
  putRoutes(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('scene') scene: string, @Body() dto: PutSmsRoutesDto) {
    return this.routes.put(actor, id, scene, dto);
  }

  @Delete('routes/:scene')
  @ChangesApp('id')
  @ApiOperation({ summary: 'Remove a scene\'s routes', description: 'The scene sends by its binding again (SMS_NOT_CONFIGURED when it has none).' })
  @ApiData(null)
  @ApiErrors('APP_NOT_FOUND', 'SMS_NOT_CONFIGURED')
  async deleteRoutes(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('scene') scene: string) {
    await this.routes.delete(actor, id, scene);
    return null;
  }

  /** Sends a test message through the app's binding; errors come back as the send would raise them. */
  @Post('test')
  @ChangesApp('id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a test message', description: 'Sends through the app\'s binding of `scene` (a random `code` when no `params`); errors come back as the send would raise them.' })
  @ApiData(SmsTestSendData)
  @ApiErrors('APP_NOT_FOUND', ...SMS_DELIVERY)
  async test(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: SmsTestSendDto) {
    const r = await this.testSend.send(actor, id, dto);
    return { message_id: r.messageId, provider: r.provider, biz_id: r.bizId, status: r.status };
  }
}
