import { type DynamicModule, type ExecutionContext, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { DestinationStream } from 'pino';
import { createDialectResolver } from './api/dialects.js';
import { EnduserModule } from './api/enduser/enduser.module.js';
import { AuthingModule } from './api/authing/authing.module.js';
import { OauthModule } from './api/oauth/oauth.module.js';
import { V1Module } from './api/v1/v1.module.js';
import { AppsModule } from './apps/apps.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AdminAuthController } from './auth/admin-auth.controller.js';
import { AdminAuthModule } from './auth/admin-auth.module.js';
import { Clock } from './common/clock/clock.js';
import { CommonModule } from './common/common.module.js';
import { DialectResolver } from './common/http/dialect-resolver.js';
import { type GlobalEnhancers } from './common/http/direct-route.js';
import { MemoryThrottlerStorage } from './throttle/memory-throttler.storage.js';
import { RedisThrottlerStorage } from './throttle/redis-throttler.storage.js';
import { PasscodeThrottlerGuard } from './throttle/throttler.guard.js';
import { PasscodeValidationPipe } from './common/http/validation.pipe.js';
import { WireExceptionFilter } from './common/http/wire-exception.filter.js';
import { type AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { FraudModule } from './fraud/fraud.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { SmsModule } from './sms/sms.module.js';
import { StatsModule } from './stats/stats.module.js';
import { RetentionModule } from './retention/retention.module.js';

/** What every route runs: Nest's APP_GUARD, APP_PIPE and APP_FILTER, and what direct routes run. */
export const GLOBAL_ENHANCERS: GlobalEnhancers = {
  guards: [PasscodeThrottlerGuard],
  pipe: PasscodeValidationPipe,
  filter: WireExceptionFilter,
};

export interface AppModuleOptions {
  /** Where logs go; stdout when absent. Tests pass a capturing stream. */
  logStream?: DestinationStream;
}

/** By its handler: Fastify builds the request's `routeOptions` anew each time it is read, and this is asked on every request. */
function isAdminLogin(ctx: ExecutionContext): boolean {
  return ctx.getHandler() === AdminAuthController.prototype.login;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    const throttleStorage = config.redis.url ? new RedisThrottlerStorage(config.redis.url, config.redis.keyPrefix, config.redis.timeoutMs) : undefined;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, options.logStream),
        DatabaseModule.forRoot(config),
        ThrottlerModule.forRootAsync({
          inject: [Clock],
          useFactory: (clock: Clock) => ({
            // In-process counters by default; Redis shares each client's budget across instances.
            storage: throttleStorage ?? new MemoryThrottlerStorage(clock),
            throttlers: [
              { name: 'default', ttl: config.throttle.ttlMs, limit: config.throttle.limit },
              // Password guessing: a tight per-IP budget on the operator login only.
              { name: 'admin-login', ttl: 60_000, limit: config.admin.loginPerMinute, skipIf: (ctx) => !isAdminLogin(ctx) },
            ],
          }),
        }),
        CommonModule,
        MetricsModule,
        HealthModule,
        AuditModule,
        AdminAuthModule,
        AppsModule,
        EventsModule,
        FraudModule,
        SmsModule,
        StatsModule,
        RetentionModule,
        OauthModule,
        AuthingModule,
        V1Module,
        EnduserModule,
      ],
      providers: [
        { provide: DialectResolver, useFactory: createDialectResolver },
        // Classes first, so that direct routes (src/common/http/direct-route.ts) run the very instances Nest runs.
        ...GLOBAL_ENHANCERS.guards,
        GLOBAL_ENHANCERS.pipe,
        GLOBAL_ENHANCERS.filter,
        ...GLOBAL_ENHANCERS.guards.map((guard) => ({ provide: APP_GUARD, useExisting: guard })),
        { provide: APP_PIPE, useExisting: GLOBAL_ENHANCERS.pipe },
        { provide: APP_FILTER, useExisting: GLOBAL_ENHANCERS.filter },
        ...(throttleStorage ? [{ provide: RedisThrottlerStorage, useValue: throttleStorage }] : []),
      ],
    };
  }
}
