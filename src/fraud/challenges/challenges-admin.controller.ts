import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../../audit/actor.js';
import { CurrentActor } from '../../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../../auth/operator-auth.guard.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { ChangesApp, ReadsApp } from '../../operators/operator-access.js';
import { ChallengeData } from './challenge-responses.dto.js';
import { ChallengeSettingsService } from './challenge-settings.service.js';
import { PutChallengeDto } from './challenge.dto.js';

@ApiTags('admin: challenges')
@UseGuards(OperatorAuthGuard)
@Controller('admin/apps/:appId/challenge')
export class ChallengesAdminController {
  constructor(private readonly settings: ChallengeSettingsService) {}

  @Get()
  @ReadsApp('appId')
  @ApiOperation({ summary: "Read an app's captcha provider", description: 'Which captcha the app demands where one is demanded, with its site key; never the secret, only whether one is set and its last four characters.' })
  @ApiData(ChallengeData)
  @ApiErrors('APP_NOT_FOUND')
  get(@Param('appId') appId: string) {
    return this.settings.get(appId);
  }

  @Put()
  @ChangesApp('appId')
  @ApiOperation({
    summary: "Set an app's captcha provider",
    description:
      "Replaces the settings whole: `image` (Passcode's image captcha) or a vendor (`turnstile`, `hcaptcha`, `recaptcha`) with its secret — " +
      'write-only, kept when omitted while the provider stays — and optional checks of its answer. Seed 004 keeps its image captcha whatever is set.',
  })
  @ApiData(ChallengeData)
  @ApiErrors('APP_NOT_FOUND')
  put(@CurrentActor() actor: Actor, @Param('appId') appId: string, @Body() dto: PutChallengeDto) {
    return this.settings.put(actor, appId, dto);
  }
}
