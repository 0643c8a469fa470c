import { statfs } from 'node:fs/promises';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dbUnavailableReason } from '../common/errors/db-unavailable.js';
import { DomainError } from '../common/errors/domain-error.js';
import { RawResponse } from '../common/http/enveloping-fastify.adapter.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { takesNoWrites } from '../database/read-only.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { LivenessData, ReadinessData } from './health-responses.dto.js';

const MB = 1024 * 1024;
const TIMED_OUT = new Error('database timeout');

@ApiTags('health')
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  @RawResponse()
  @ApiOperation({ summary: 'Liveness', description: 'The process answers: `{"status": "ok"}`, without an envelope.' })
  @ApiData(LivenessData)
  live() {
    return { status: 'ok' };
  }

  /**
   * Readiness: the instance can do its work, which writes on every send and check. The database answers within two
   * seconds and takes writes (a standby a failover left the app pointed at takes only reads), and the embedded
   * database's file system has room.
   */
  @Get('ready')
  @RawResponse()
  @ApiOperation({
    summary: 'Readiness',
    description:
      'The database answers a query within two seconds and takes writes, and (embedded) its data directory has `DATA_DIR_MIN_FREE_MB` free: ' +
      '`{"status": "ok", "database": "up"}`, without an envelope; otherwise 503 SERVICE_UNAVAILABLE in the REST envelope, its `msg` saying which.',
  })
  @ApiData(ReadinessData)
  async ready() {
    let readOnly: boolean;
    let timer: NodeJS.Timeout | undefined;
    try {
      readOnly = await Promise.race([
        takesNoWrites(this.ds),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(TIMED_OUT), 2000).unref())),
      ]);
    } catch (err) {
      const reason = dbUnavailableReason(err);
      const message = err === TIMED_OUT ? 'the database did not answer within 2 s' : reason ? `the database cannot serve: ${reason}` : 'the database is unreachable';
      throw new DomainError('SERVICE_UNAVAILABLE', { message });
    } finally {
      clearTimeout(timer);
    }
    if (readOnly) throw new DomainError('SERVICE_UNAVAILABLE', { message: 'the database is read-only (a standby?): no write can be made' });
    const { url, dataDir, minFreeBytes } = this.config.db;
    if (!url && minFreeBytes > 0) {
      const { bavail, bsize } = await statfs(dataDir).catch((err: NodeJS.ErrnoException) => {
        // Removed, renamed or unmounted under the running database: what it writes next has nowhere to go.
        throw new DomainError('SERVICE_UNAVAILABLE', { message: `the data directory cannot be read (${err.code ?? 'error'}): DATA_DIR was removed or unmounted?` });
      });
      const free = bavail * bsize;
      if (free < minFreeBytes) {
        throw new DomainError('SERVICE_UNAVAILABLE', {
          message: `the data directory's file system has ${Math.floor(free / MB)} MB free, under DATA_DIR_MIN_FREE_MB (${minFreeBytes / MB})`,
        });
      }
    }
    return { status: 'ok', database: 'up' };
  }
}
