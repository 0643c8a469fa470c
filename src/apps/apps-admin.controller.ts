import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { CreateAppDto, ListAppsQuery, RotateSecretDto, UpdateAppDto } from './app.dto.js';
import { AppsService } from './apps.service.js';

@ApiTags('admin: apps')
@ApiBearerAuth()
@UseGuards(OperatorAuthGuard)
@Controller('admin/apps')
export class AppsAdminController {
  constructor(private readonly apps: AppsService) {}

  /** Creates an app; the answer holds the secret, shown this once. */
  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateAppDto) {
    return this.apps.create(actor, dto);
  }

  @Get()
  list(@Query() query: ListAppsQuery) {
    return this.apps.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.apps.get(id);
  }

  @Patch(':id')
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateAppDto) {
    return this.apps.update(actor, id, dto);
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.apps.setStatus(actor, id, 'enabled');
  }

  @Post(':id/disable')
  @HttpCode(200)
  disable(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.apps.setStatus(actor, id, 'disabled');
  }

  /** A new secret, shown once; the old one keeps working for `grace_s` seconds. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: RotateSecretDto) {
    return this.apps.rotateSecret(actor, id, dto.grace_s ?? 0);
  }

  @Delete(':id')
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string) {
    await this.apps.delete(actor, id);
    return null;
  }
}
