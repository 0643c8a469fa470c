import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { SmsConfigService } from './sms-config.service.js';
import { PutSmsBindingDto, SmsTestSendDto } from './sms.dto.js';
import { SmsService } from './sms.service.js';

@ApiTags('admin: sms')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('admin/apps/:id/sms')
export class SmsAppAdminController {
  constructor(
    private readonly config: SmsConfigService,
    private readonly sms: SmsService,
  ) {}

  @Get('bindings')
  listBindings(@Param('id') id: string) {
    return this.config.listBindings(id);
  }

  /** Binds (or rebinds) a scene to a template + signature, optionally with a fallback pair. */
  @Put('bindings/:scene')
  putBinding(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('scene') scene: string, @Body() dto: PutSmsBindingDto) {
    return this.config.putBinding(actor, id, scene, dto);
  }

  @Delete('bindings/:scene')
  async deleteBinding(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('scene') scene: string) {
    await this.config.deleteBinding(actor, id, scene);
    return null;
  }

  /** Sends a test message through the app's binding; errors come back as the send would raise them. */
  @Post('test')
  @HttpCode(200)
  async test(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: SmsTestSendDto) {
    const r = await this.sms.testSend(actor, id, dto);
    return { message_id: r.messageId, provider: r.provider, biz_id: r.bizId, status: r.status };
  }
}
