// `npm run migration:run`: applies pending migrations to the configured database and exits.
import { OperatorError } from '../common/errors/operator-error.js';
import { ensureGeneratedKeys, loadConfig } from '../config/app-config.js';
import { initializeExplained } from './connect-refusal.js';
import { createDataSource, runMigrations } from './data-source.factory.js';
import { checkEncoding } from './encoding-check.js';

async function main(): Promise<void> {
  ensureGeneratedKeys(process.env);
  const config = loadConfig(process.env);
  const ds = createDataSource({ url: config.db.url, dataDir: config.db.dataDir, poolSize: config.db.poolSize });
  try {
    await initializeExplained(ds, config.db.url);
    await checkEncoding(ds);
    const applied = await runMigrations(ds);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the schema is up to date\n');
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  const known = err instanceof OperatorError;
  process.stderr.write(`migration failed: ${known ? (err as Error).message : ((err as Error)?.stack ?? String(err))}\n`);
  process.exit(1);
});
