import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor, CurrentOperator } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { SmsAccountsService } from './sms-accounts.service.js';
import { SmsCircuitBreaker } from './sms-circuit-breaker.js';
import {
  CreateSmsAccountDto, CreateSmsSignatureDto, CreateSmsTemplateDto, ListSmsMessagesQuery, UpdateSmsAccountDto, UpdateSmsTemplateDto,
} from './sms.dto.js';
import { AnyOperator, assertScoped, type OperatorPrincipal, OwnersOnly } from '../operators/operator-access.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import {
  SmsAccountData, SmsAccountListData, SmsHealthData, SmsMessageListData, SmsSignatureData, SmsSignatureListData, SmsTemplateData, SmsTemplateListData,
} from './sms-responses.dto.js';
import { SmsLogService } from './sms-log.service.js';
import { SmsReceiptTokenData } from './sms-receipts.dto.js';
import { SmsReceiptsService } from './sms-receipts.service.js';
import { SmsSignaturesService } from './sms-signatures.service.js';
import { SmsTemplatesService } from './sms-templates.service.js';

@ApiTags('admin: sms')
@UseGuards(OperatorAuthGuard)
@Controller('admin/sms')
export class SmsAdminController {
  constructor(
    private readonly accounts: SmsAccountsService,
    private readonly signatures: SmsSignaturesService,
    private readonly templates: SmsTemplatesService,
    private readonly log: SmsLogService,
    private readonly receipts: SmsReceiptsService,
    private readonly breaker: SmsCircuitBreaker,
  ) {}

  /** Creates a provider account; credentials are write-only. */
  @Post('accounts')
  @OwnersOnly()
  @ApiOperation({ summary: 'Create an SMS account', description: 'A provider account (`aliyun` needs both AccessKey parts). Credentials are encrypted at rest and write-only: reads show the AccessKey id masked, never the secret.' })
  @ApiData(SmsAccountData)
  createAccount(@CurrentActor() actor: Actor, @Body() dto: CreateSmsAccountDto) {
    return this.accounts.create(actor, dto);
  }

  @Get('accounts')
  @AnyOperator()
  @ApiOperation({ summary: 'List SMS accounts', description: 'Every provider account.' })
  @ApiData(SmsAccountListData)
  listAccounts() {
    return this.accounts.list();
  }

  @Get('accounts/:id')
  @AnyOperator()
  @ApiOperation({ summary: 'Read an SMS account', description: 'The account, its AccessKey id masked.' })
  @ApiData(SmsAccountData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  getAccount(@Param('id') id: string) {
    return this.accounts.get(id);
  }

  @Patch('accounts/:id')
  @OwnersOnly()
  @ApiOperation({ summary: 'Change an SMS account', description: 'Name, endpoint, protocol, timeout; a new `access_key_id` with its `access_key_secret` replaces the key.' })
  @ApiData(SmsAccountData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  updateAccount(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateSmsAccountDto) {
    return this.accounts.update(actor, id, dto);
  }

  @Post('accounts/:id/enable')
  @OwnersOnly()
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable an SMS account', description: 'Sends may use it again.' })
  @ApiData(SmsAccountData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  enableAccount(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.accounts.setStatus(actor, id, 'enabled');
  }

  @Post('accounts/:id/disable')
  @OwnersOnly()
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an SMS account', description: 'Sends through it are refused (SMS_ACCOUNT_DISABLED); a binding\'s fallback on another account still serves.' })
  @ApiData(SmsAccountData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  disableAccount(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.accounts.setStatus(actor, id, 'disabled');
  }

  @Post('accounts/:id/receipt-token')
  @OwnersOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Issue a receipt token',
    description:
      'A new token for the account\'s status-report URL (`receipt_path`, to configure as Aliyun\'s HTTP batch push URL or Tencent\'s ' +
      'status-report callback URL), replacing any earlier one at once. Shown this once: only its hash is kept. Aliyun and Tencent accounts only.',
  })
  @ApiData(SmsReceiptTokenData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  issueReceiptToken(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.receipts.issueToken(actor, id);
  }

  @Post('accounts/:id/signatures')
  @OwnersOnly()
  @ApiOperation({ summary: 'Add a signature', description: 'A sign name of the account, `verification` (default) or `notification`.' })
  @ApiData(SmsSignatureData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  createSignature(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: CreateSmsSignatureDto) {
    return this.signatures.create(actor, id, dto);
  }

  @Get('accounts/:id/signatures')
  @AnyOperator()
  @ApiOperation({ summary: 'List signatures', description: 'The account\'s sign names.' })
  @ApiData(SmsSignatureListData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  listSignatures(@Param('id') id: string) {
    return this.signatures.list(id);
  }

  @Post('signatures/:id/enable')
  @OwnersOnly()
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a signature', description: 'Sends may use it again.' })
  @ApiData(SmsSignatureData)
  @ApiErrors('SMS_SIGNATURE_NOT_FOUND')
  enableSignature(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.signatures.setStatus(actor, id, 'enabled');
  }

  @Post('signatures/:id/disable')
  @OwnersOnly()
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a signature', description: 'Sends through it are refused (SMS_SIGNATURE_DISABLED).' })
  @ApiData(SmsSignatureData)
  @ApiErrors('SMS_SIGNATURE_NOT_FOUND')
  disableSignature(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.signatures.setStatus(actor, id, 'disabled');
  }

  @Post('accounts/:id/templates')
  @OwnersOnly()
  @ApiOperation({ summary: 'Add a template', description: 'A template of the account; `content` (with `${code}`) is what the console provider renders, `code_param` the parameter carrying the code.' })
  @ApiData(SmsTemplateData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  createTemplate(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: CreateSmsTemplateDto) {
    return this.templates.create(actor, id, dto);
  }

  @Get('accounts/:id/templates')
  @AnyOperator()
  @ApiOperation({ summary: 'List templates', description: 'The account\'s templates.' })
  @ApiData(SmsTemplateListData)
  @ApiErrors('SMS_ACCOUNT_NOT_FOUND')
  listTemplates(@Param('id') id: string) {
    return this.templates.list(id);
  }

  @Patch('templates/:id')
  @OwnersOnly()
  @ApiOperation({ summary: 'Change a template', description: 'Its scene, code parameter and content.' })
  @ApiData(SmsTemplateData)
  @ApiErrors('SMS_TEMPLATE_NOT_FOUND')
  updateTemplate(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateSmsTemplateDto) {
    return this.templates.update(actor, id, dto);
  }

  @Post('templates/:id/enable')
  @OwnersOnly()
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a template', description: 'Sends may use it again.' })
  @ApiData(SmsTemplateData)
  @ApiErrors('SMS_TEMPLATE_NOT_FOUND')
  enableTemplate(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.templates.setStatus(actor, id, 'enabled');
  }

  @Post('templates/:id/disable')
  @OwnersOnly()
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a template', description: 'Sends through it are refused (SMS_TEMPLATE_DISABLED).' })
  @ApiData(SmsTemplateData)
  @ApiErrors('SMS_TEMPLATE_NOT_FOUND')
  disableTemplate(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.templates.setStatus(actor, id, 'disabled');
  }

  @Get('health')
  @AnyOperator()
  @ApiOperation({
    summary: 'Provider health',
    description:
      'Each provider account\'s circuit in the answering instance (each instance judges by its own calls): `open` when at least 5 of its calls ' +
      'in the last minute, and half of them or more, were transient refusals or unknown outcomes; an open account is skipped for 30 s while another ' +
      'route may send, then one call tries it (`half_open`) and closes the circuit unless it fails.',
  })
  @ApiData(SmsHealthData)
  health() {
    return { items: this.breaker.list() };
  }

  /** The send log: one row per attempt, newest first. */
  @Get('messages')
  @AnyOperator()
  @ApiOperation({ summary: 'The send log', description: 'One row per provider call, newest first, filtered and paged; a row its process left `sending` is closed as `unknown` after ten minutes. `delivery_status` says what became of an accepted message: `pending` until a status report or a poll says `delivered` or `failed`, `unknown` when none has in 72 hours.' })
  @ApiData(SmsMessageListData)
  listMessages(@CurrentOperator() who: OperatorPrincipal, @Query() query: ListSmsMessagesQuery) {
    // An admin reads the send log of one of their apps at a time.
    assertScoped(who, query.app_id);
    return this.log.list(query);
  }
}
