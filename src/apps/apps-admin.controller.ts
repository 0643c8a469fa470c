import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor, CurrentOperator } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { CreateAppDto, ListAppsQuery, RotateSecretDto, UpdateAppDto } from './app.dto.js';
import { AnyOperator, ChangesApp, type OperatorPrincipal, OwnersOnly, ReadsApp } from '../operators/operator-access.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { AppData, AppListData, AppWithSecretData } from './app-responses.dto.js';
import { AppsService } from './apps.service.js';

@ApiTags('admin: apps')
@UseGuards(OperatorAuthGuard)
@Controller('admin/apps')
export class AppsAdminController {
  constructor(private readonly apps: AppsService) {}

  /** Creates an app; the answer holds the secret, shown this once. */
  @Post()
  @OwnersOnly()
  @ApiOperation({ summary: 'Create an app', description: 'A new app with a fresh appkey and secret; the answer holds the secret, shown this once. `login_config: null` leaves login unconfigured.' })
  @ApiData(AppWithSecretData)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateAppDto) {
    return this.apps.create(actor, dto);
  }

  @Get()
  @AnyOperator()
  @ApiOperation({ summary: 'List apps', description: 'Apps, newest first, paged; `q` matches the name (substring) or the appkey (exact).' })
  @ApiData(AppListData)
  list(@CurrentOperator() who: OperatorPrincipal, @Query() query: ListAppsQuery) {
    // An admin sees their apps only.
    return this.apps.list(query, who.role === 'admin' ? who.appIds : undefined);
  }

  @Get(':id')
  @ReadsApp('id')
  @ApiOperation({ summary: 'Read an app', description: 'The app, never its secret.' })
  @ApiData(AppData)
  @ApiErrors('APP_NOT_FOUND')
  get(@Param('id') id: string) {
    return this.apps.get(id);
  }

  @Patch(':id')
  @ChangesApp('id')
  @ApiOperation({ summary: 'Change an app', description: 'Renames it and merges a partial `login_config` and `code_policy` into the current ones; `login_config: null` removes it.' })
  @ApiData(AppData)
  @ApiErrors('APP_NOT_FOUND')
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateAppDto) {
    return this.apps.update(actor, id, dto);
  }

  @Post(':id/enable')
  @ChangesApp('id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable an app', description: 'Its appkey signs again and its users\' tokens work again.' })
  @ApiData(AppData)
  @ApiErrors('APP_NOT_FOUND')
  enable(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.apps.setStatus(actor, id, 'enabled');
  }

  @Post(':id/disable')
  @ChangesApp('id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an app', description: 'Its appkey is refused as unknown and its users\' tokens stop working.' })
  @ApiData(AppData)
  @ApiErrors('APP_NOT_FOUND')
  disable(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.apps.setStatus(actor, id, 'disabled');
  }

  /** A new secret, shown once; the old one keeps working for `grace_s` seconds. */
  @Post(':id/rotate-secret')
  @ChangesApp('id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the secret', description: 'A new secret, shown this once; the previous one keeps signing for `grace_s` seconds.' })
  @ApiData(AppWithSecretData)
  @ApiErrors('APP_NOT_FOUND')
  rotateSecret(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: RotateSecretDto) {
    return this.apps.rotateSecret(actor, id, dto.grace_s ?? 0);
  }

  @Delete(':id')
  @OwnersOnly()
  @ApiOperation({ summary: 'Delete an app', description: 'Deletes the app and everything that belongs to it: users, sessions, codes, bindings, send log.' })
  @ApiData(null)
  @ApiErrors('APP_NOT_FOUND')
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string) {
    await this.apps.delete(actor, id);
    return null;
  }
}
