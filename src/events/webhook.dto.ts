import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, IsUrl, IsUUID, MaxLength } from 'class-validator';
import { PageQuery } from '../common/http/page-query.dto.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';

/**
 * An http or https URL without credentials: a `user:password@` in it was kept in
 * the clear and shown to every role that reads endpoints, and in the audit log. A
 * receiver authenticates deliveries by their signature (or a token of its own in
 * the path).
 */
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, disallow_auth: true };
/** What a `url` that is not one is told, by the DTO and by WebhookTargets when Node's URL cannot read it. */
export const WEBHOOK_URL_MESSAGE = 'url must be an http or https URL, without credentials';
const URL_MESSAGE = { message: WEBHOOK_URL_MESSAGE };

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://example.com/passcode/webhooks', description: 'http or https; receives a POST per event' })
  @IsString() @MaxLength(2048) @IsUrl(URL_OPTIONS, URL_MESSAGE)
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['user.registered', 'verification.sent'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length * 2) @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  event_types: WebhookEventType[];
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://example.com/passcode/webhooks' })
  @IsOptional() @IsString() @MaxLength(2048) @IsUrl(URL_OPTIONS, URL_MESSAGE)
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length * 2) @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  event_types?: WebhookEventType[];

  @ApiPropertyOptional({ enum: ['enabled', 'disabled'], description: 'enabling clears the run of failures' })
  @IsOptional() @IsIn(['enabled', 'disabled'])
  status?: 'enabled' | 'disabled';
}

class DeliveryFilter {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed'] })
  @IsOptional() @IsIn(['pending', 'delivered', 'failed'])
  status?: 'pending' | 'delivered' | 'failed';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  endpoint_id?: string;
}

export class ListWebhookDeliveriesQuery extends IntersectionType(PageQuery({ default: 50, max: 200 }), DeliveryFilter) {}
