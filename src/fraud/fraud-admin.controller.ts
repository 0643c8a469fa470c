import { Controller, Delete, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../audit/actor.js';
import { CurrentActor } from '../auth/current-actor.decorator.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { ChangesApp, ReadsApp } from '../operators/operator-access.js';
import { FraudBucketsService } from './fraud-buckets.service.js';
import { ListFraudBucketsQuery } from './fraud.dto.js';
import { FraudBucketData } from './fraud-responses.dto.js';

@ApiTags('admin: fraud guard')
@UseGuards(OperatorAuthGuard)
@Controller('admin/apps/:appId/fraud/buckets')
export class FraudAdminController {
  constructor(private readonly buckets: FraudBucketsService) {}

  @Get()
  @ReadsApp('appId')
  @ApiOperation({ summary: 'List flagged fraud buckets', description: "The app's challenged and blocked buckets (a country, or a number prefix), most recently changed first, at most 500." })
  @ApiData([FraudBucketData])
  @ApiErrors('APP_NOT_FOUND')
  list(@Param('appId') appId: string, @Query() query: ListFraudBucketsQuery) {
    return this.buckets.list(appId, query.state);
  }

  @Delete(':kind/:key')
  @ChangesApp('appId')
  @ApiOperation({ summary: 'Lift a fraud bucket', description: 'Puts a challenged or blocked bucket back to normal with fresh counts (audited, published as fraud.bucket_changed). `kind` is `country` or `prefix`; a `+` in the key is written `%2B`.' })
  @ApiData(FraudBucketData)
  @ApiErrors('APP_NOT_FOUND', 'FRAUD_BUCKET_NOT_FOUND')
  lift(@CurrentActor() actor: Actor, @Param('appId') appId: string, @Param('kind') kind: string, @Param('key') key: string) {
    return this.buckets.lift(actor, appId, kind, key);
  }
}
