import { Controller, Get, HttpException, HttpStatus } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RawResponse } from '../common/http/enveloping-fastify.adapter.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { LivenessData, ReadinessData } from './health-responses.dto.js';

@ApiTags('health')
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Liveness: the process answers. */
  @Get()
  @RawResponse()
  @ApiOperation({ summary: 'Liveness', description: 'The process answers: `{"status": "ok"}`, without an envelope.' })
  @ApiData(LivenessData)
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers a query within two seconds. */
  @Get('ready')
  @RawResponse()
  @ApiOperation({ summary: 'Readiness', description: 'The database answers a query within two seconds: `{"status": "ok", "database": "up"}`, without an envelope; otherwise 503 SERVICE_UNAVAILABLE in the REST envelope.' })
  @ApiData(ReadinessData)
  async ready() {
    try {
      await Promise.race([
        this.ds.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database timeout')), 2000).unref()),
      ]);
      return { status: 'ok', database: 'up' };
    } catch {
      throw new HttpException({ status: 'unavailable', database: 'down' }, HttpStatus.SERVICE_UNAVAILABLE);
    }
  }
}
