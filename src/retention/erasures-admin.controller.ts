import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { OwnersOnly } from '../operators/operator-access.js';
import { ErasureData } from './erasure-responses.dto.js';
import { ErasureDto } from './erasure.dto.js';
import { ErasureService } from './erasure.service.js';

@ApiTags('admin: erasure')
@UseGuards(OperatorAuthGuard)
@Controller('admin/erasures')
export class ErasuresAdminController {
  constructor(private readonly erasures: ErasureService) {}

  @Post()
  @OwnersOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Erase a phone number',
    description:
      'Removes the number from the send log, codes, update-phone tokens, users and webhook payloads of one app (`app_id`) or of every app, ' +
      'its earlier keyed hashes included; an active user with it is deregistered. Cooldowns and daily counts still open keep it until they end ' +
      '(at most a day), then the retention purge deletes them. Audited with a keyed fingerprint of the number, never the number.',
  })
  @ApiData(ErasureData)
  @ApiErrors('APP_NOT_FOUND')
  erase(@CurrentActor() actor: Actor, @Body() dto: ErasureDto) {
    return this.erasures.erase(actor, dto);
  }
}
