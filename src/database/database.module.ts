import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type DataSourceOptions } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { ChangeFeed } from './change-feed.js';
import { OperatorError } from '../common/errors/operator-error.js';
import { initializeExplained } from './connect-refusal.js';
import { checkEncoding } from './encoding-check.js';
import { createDataSource, runMigrations } from './data-source.factory.js';
import { EmbeddedDatabaseError } from './embedded-database.js';
import { EmbeddedVacuum } from './embedded-vacuum.js';

/**
 * The database connection: Postgres when a URL is configured, PGlite under
 * DATA_DIR otherwise. Pending migrations are applied on start unless
 * DB_MIGRATE_ON_START=false. Entities register themselves through
 * `TypeOrmModule.forFeature` in their modules. The {@link ChangeFeed} that
 * tells other instances about configuration changes is provided to all; the
 * embedded database gets autovacuum's work done by {@link EmbeddedVacuum}.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    const logger = new Logger('Database');
    return {
      module: DatabaseModule,
      global: true,
      providers: [ChangeFeed, EmbeddedVacuum],
      exports: [ChangeFeed],
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            ({
              type: 'postgres',
              autoLoadEntities: true,
              // The operator's to fix (a held data directory, a database refused or not in UTF-8), or one PGlite cannot open: refuse at once, not after half a minute of retries.
              toRetry: (err: unknown) => !(err instanceof OperatorError || err instanceof EmbeddedDatabaseError),
            }) as DataSourceOptions,
          dataSourceFactory: async (options) => {
            const ds = createDataSource({ url: config.db.url, dataDir: config.db.dataDir, poolSize: config.db.poolSize, queryTimeoutMs: config.db.queryTimeoutMs }, options?.entities);
            await initializeExplained(ds, config.db.url);
            try {
              await checkEncoding(ds);
              if (config.db.migrateOnStart) {
                const applied = await runMigrations(ds);
                if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
              }
            } catch (err) {
              await ds.destroy();
              throw err;
            }
            logger.log(config.db.url ? 'connected to Postgres' : `using embedded PGlite in ${config.db.dataDir}`);
            return ds;
          },
        }),
      ],
    };
  }
}
