import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { SmsConfigService } from './sms-config.service.js';
import {
  CreateSmsAccountDto, CreateSmsSignatureDto, CreateSmsTemplateDto, ListSmsMessagesQuery, UpdateSmsAccountDto, UpdateSmsTemplateDto,
} from './sms.dto.js';
import { SmsService } from './sms.service.js';

@ApiTags('admin: sms')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('admin/sms')
export class SmsAdminController {
  constructor(
    private readonly config: SmsConfigService,
    private readonly sms: SmsService,
  ) {}

  /** Creates a provider account; credentials are write-only. */
  @Post('accounts')
  createAccount(@CurrentActor() actor: Actor, @Body() dto: CreateSmsAccountDto) {
    return this.config.createAccount(actor, dto);
  }

  @Get('accounts')
  listAccounts() {
    return this.config.listAccounts();
  }

  @Get('accounts/:id')
  getAccount(@Param('id') id: string) {
    return this.config.getAccount(id);
  }

  @Patch('accounts/:id')
  updateAccount(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateSmsAccountDto) {
    return this.config.updateAccount(actor, id, dto);
  }

  @Post('accounts/:id/enable')
  @HttpCode(200)
  enableAccount(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.config.setAccountStatus(actor, id, 'enabled');
  }

  @Post('accounts/:id/disable')
  @HttpCode(200)
  disableAccount(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.config.setAccountStatus(actor, id, 'disabled');
  }

  @Post('accounts/:id/signatures')
  createSignature(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: CreateSmsSignatureDto) {
    return this.config.createSignature(actor, id, dto);
  }

  @Get('accounts/:id/signatures')
  listSignatures(@Param('id') id: string) {
    return this.config.listSignatures(id);
  }

  @Post('signatures/:id/enable')
  @HttpCode(200)
  enableSignature(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.config.setSignatureStatus(actor, id, 'enabled');
  }

  @Post('signatures/:id/disable')
  @HttpCode(200)
  disableSignature(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.config.setSignatureStatus(actor, id, 'disabled');
  }

  @Post('accounts/:id/templates')
  createTemplate(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: CreateSmsTemplateDto) {
    return this.config.createTemplate(actor, id, dto);
  }

  @Get('accounts/:id/templates')
  listTemplates(@Param('id') id: string) {
    return this.config.listTemplates(id);
  }

  @Patch('templates/:id')
  updateTemplate(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateSmsTemplateDto) {
    return this.config.updateTemplate(actor, id, dto);
  }

  @Post('templates/:id/enable')
  @HttpCode(200)
  enableTemplate(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.config.setTemplateStatus(actor, id, 'enabled');
  }

  @Post('templates/:id/disable')
  @HttpCode(200)
  disableTemplate(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.config.setTemplateStatus(actor, id, 'disabled');
  }

  /** The send log: one row per attempt, newest first. */
  @Get('messages')
  listMessages(@Query() query: ListSmsMessagesQuery) {
    return this.sms.listMessages(query);
  }
}
