import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { ChangesApp, ReadsApp } from '../operators/operator-access.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { WebhookDeliveriesService } from './webhook-deliveries.service.js';
import { WebhookEndpointsService } from './webhook-endpoints.service.js';
import { CreateWebhookEndpointDto, ListWebhookDeliveriesQuery, UpdateWebhookEndpointDto } from './webhook.dto.js';
import { WebhookDeliveryData, WebhookDeliveryListData, WebhookEndpointData, WebhookEndpointWithSecretData } from './webhook-responses.dto.js';

@ApiTags('admin: webhooks')
@UseGuards(OperatorAuthGuard)
@Controller('admin/apps/:appId')
export class WebhooksAdminController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Post('webhook-endpoints')
  @ChangesApp('appId')
  @ApiOperation({ summary: 'Add a webhook endpoint', description: 'An enabled endpoint for the given event types; the answer holds its signing secret (`whsec_…`), shown this once. An app has at most `WEBHOOK_ENDPOINTS_PER_APP` (20).' })
  @ApiData(WebhookEndpointWithSecretData)
  @ApiErrors('APP_NOT_FOUND', 'WEBHOOK_ENDPOINT_LIMIT')
  create(@CurrentActor() actor: Actor, @Param('appId') appId: string, @Body() dto: CreateWebhookEndpointDto) {
    return this.endpoints.create(actor, appId, dto);
  }

  @Get('webhook-endpoints')
  @ReadsApp('appId')
  @ApiOperation({ summary: 'List webhook endpoints', description: "The app's endpoints, oldest first, never their secrets." })
  @ApiData([WebhookEndpointData])
  @ApiErrors('APP_NOT_FOUND')
  list(@Param('appId') appId: string) {
    return this.endpoints.list(appId);
  }

  @Patch('webhook-endpoints/:id')
  @ChangesApp('appId')
  @ApiOperation({ summary: 'Change a webhook endpoint', description: 'Its address, event types or status; enabling it again clears its run of failures.' })
  @ApiData(WebhookEndpointData)
  @ApiErrors('WEBHOOK_ENDPOINT_NOT_FOUND')
  update(@CurrentActor() actor: Actor, @Param('appId') appId: string, @Param('id') id: string, @Body() dto: UpdateWebhookEndpointDto) {
    return this.endpoints.update(actor, appId, id, dto);
  }

  @Post('webhook-endpoints/:id/rotate-secret')
  @ChangesApp('appId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a webhook signing secret', description: 'A new signing secret, shown this once; events are signed with it from now on, including retries of earlier ones.' })
  @ApiData(WebhookEndpointWithSecretData)
  @ApiErrors('WEBHOOK_ENDPOINT_NOT_FOUND')
  rotateSecret(@CurrentActor() actor: Actor, @Param('appId') appId: string, @Param('id') id: string) {
    return this.endpoints.rotateSecret(actor, appId, id);
  }

  @Delete('webhook-endpoints/:id')
  @ChangesApp('appId')
  @ApiOperation({ summary: 'Delete a webhook endpoint', description: 'The endpoint and its delivery records; attempts still queued send nothing.' })
  @ApiData(null)
  @ApiErrors('WEBHOOK_ENDPOINT_NOT_FOUND')
  async delete(@CurrentActor() actor: Actor, @Param('appId') appId: string, @Param('id') id: string) {
    await this.endpoints.delete(actor, appId, id);
    return null;
  }

  @Get('webhook-deliveries')
  @ReadsApp('appId')
  @ApiOperation({ summary: 'List webhook deliveries', description: "One row per event and endpoint, newest first: status, attempts, the last answer's status code and error." })
  @ApiData(WebhookDeliveryListData)
  @ApiErrors('APP_NOT_FOUND')
  listDeliveries(@Param('appId') appId: string, @Query() query: ListWebhookDeliveriesQuery) {
    return this.deliveries.list(appId, query);
  }

  @Post('webhook-deliveries/:id/redeliver')
  @ChangesApp('appId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeliver a webhook event', description: 'Sends the event again to its endpoint with the same `webhook-id`, with a fresh run of retries.' })
  @ApiData(WebhookDeliveryData)
  @ApiErrors('WEBHOOK_DELIVERY_NOT_FOUND')
  redeliver(@CurrentActor() actor: Actor, @Param('appId') appId: string, @Param('id') id: string) {
    return this.deliveries.redeliver(actor, appId, id);
  }
}
