// `npm run migration:run`: applies pending migrations to the configured database and exits.
import { OperatorError } from '../common/errors/operator-error.js';
import { ensureGeneratedKeys, loadConfig } from '../config/app-config.js';
import { openDatabase } from './open-database.js';

async function main(): Promise<void> {
  ensureGeneratedKeys(process.env);
  const config = loadConfig(process.env);
  const { ds, applied } = await openDatabase(
    { url: config.db.url, dataDir: config.db.dataDir, poolSize: config.db.poolSize },
    {
      migrate: true,
      waitMs: config.db.startWaitMs,
      onWait: (w) => process.stderr.write(`migration: the database cannot serve yet (${w.reason}: ${w.cause}); trying again in ${Math.ceil(w.retryInMs / 1000)} s\n`),
    },
  );
  await ds.destroy();
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the schema is up to date\n');
}

main().catch((err: unknown) => {
  const known = err instanceof OperatorError;
  process.stderr.write(`migration failed: ${known ? (err as Error).message : ((err as Error)?.stack ?? String(err))}\n`);
  process.exit(1);
});
