import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { type DataSourceOptions } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { ChangeFeed } from './change-feed.js';
import { EmbeddedVacuum } from './embedded-vacuum.js';
import { openDatabase } from './open-database.js';

/** TypeORM's options, with the logger the start's lines go to (passed from the options' factory to the data source's). */
type StartOptions = DataSourceOptions & { startLogger: PinoLogger };

/**
 * The database connection: Postgres when a URL is configured, PGlite under
 * DATA_DIR otherwise, opened by {@link openDatabase} (which waits up to
 * DB_START_WAIT_S for a Postgres that cannot serve yet). Pending migrations are
 * applied on start unless DB_MIGRATE_ON_START=false. Entities register themselves through
 * `TypeOrmModule.forFeature` in their modules. The {@link ChangeFeed} that
 * tells other instances about configuration changes is provided to all; the
 * embedded database gets autovacuum's work done by {@link EmbeddedVacuum}.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [ChangeFeed, EmbeddedVacuum],
      exports: [ChangeFeed],
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [PinoLogger],
          useFactory: (logger: PinoLogger): StartOptions => {
            logger.setContext('Database');
            return {
              type: 'postgres',
              autoLoadEntities: true,
              // openDatabase waits for a Postgres that cannot serve yet, telling each try as it fails; TypeORM's own
              // retries (ten stacks over 30 s, buffered until the start ended) would retry whatever failed.
              toRetry: () => false,
              // The start's lines go to pino as they happen: Nest's logger holds them until the application is built.
              startLogger: logger,
            } as StartOptions;
          },
          dataSourceFactory: async (options) => {
            const logger = (options as StartOptions).startLogger;
            const { ds, applied } = await openDatabase(
              { url: config.db.url, dataDir: config.db.dataDir, poolSize: config.db.poolSize, queryTimeoutMs: config.db.queryTimeoutMs },
              {
                entities: options?.entities,
                migrate: config.db.migrateOnStart,
                waitMs: config.db.startWaitMs,
                onWait: (w) =>
                  logger.warn({ attempt: w.attempt, reason: w.reason, cause: w.cause }, `database cannot serve yet (${w.reason}): trying again in ${Math.ceil(w.retryInMs / 1000)} s`),
              },
            );
            if (applied.length) logger.info(`applied migrations: ${applied.join(', ')}`);
            logger.info(config.db.url ? 'connected to Postgres' : `using embedded PGlite in ${config.db.dataDir}`);
            return ds;
          },
        }),
      ],
    };
  }
}
