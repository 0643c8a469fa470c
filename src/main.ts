import { type AddressInfo } from 'node:net';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { createApp } from './bootstrap.js';
import { dbUnavailableReason } from './common/errors/db-unavailable.js';
import { OperatorError } from './common/errors/operator-error.js';
import { type AppConfig, describeConfig, ensureGeneratedKeys, loadConfig } from './config/app-config.js';
import { checkKeys } from './database/key-check.js';

/**
 * The addresses the server is bound to, as URLs. A wildcard is named as such,
 * with the URL that reaches it from this machine: `http://0.0.0.0:3000` is no
 * address to browse to, and `http://127.0.0.1:3000` alone hid that every
 * interface was listening.
 */
function listeningOn(addresses: Array<AddressInfo | string>): string {
  return addresses
    .map((bound) => {
      if (typeof bound === 'string') return bound;
      const { address, family, port } = bound;
      const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
      if (address === '0.0.0.0') return `${url} (all IPv4 interfaces; from this machine http://127.0.0.1:${port})`;
      if (address === '::') return `${url} (all interfaces; from this machine http://localhost:${port})`;
      return url;
    })
    .join(', ');
}

/**
 * Compares this instance's keys with those the database was first used with (src/database/key-check.ts),
 * before anything runs (hooks, jobs, the listener): an instance whose keys are not the database's
 * answered 500s and refused the other instances' tokens and codes; now it serves nothing.
 */
async function checkKeysOf(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const checked = await checkKeys(app.get(DataSource), config);
  if ('noTable' in checked) app.get(Logger).warn('keys not checked against the database: its key_checks table is missing (apply the migrations)');
  else if (checked.recorded.length) app.get(Logger).log(`recorded the check values of ${checked.recorded.join(', ')}: every instance on this database must use the same keys`);
}

async function main(): Promise<void> {
  ensureGeneratedKeys(process.env);
  const config = loadConfig(process.env);
  const app = await createApp(config);
  try {
    await checkKeysOf(app, config);
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  await app.listen({ port: config.http.port, host: config.http.host });
  // Fastify binds a name such as `localhost` to each of its addresses: list them all.
  const addresses = app.getHttpAdapter().getInstance().addresses();
  app.get(Logger).log({ msg: `Passcode listening on ${listeningOn(addresses)}`, config: describeConfig(config) });
}

main().catch((err: unknown) => {
  // Configuration, lock, key and database encoding problems are the operator's to fix: say so plainly, without a stack.
  const dbReason = dbUnavailableReason(err);
  if (err instanceof OperatorError) {
    process.stderr.write(`passcode: ${err.message}\n`);
  } else if (dbReason) {
    // The database failing a step after it was opened (the key check), as a start that waited for it would say.
    process.stderr.write(`passcode: the database could not serve the start: ${dbReason}: ${(err as Error).message}\n`);
  } else {
    process.stderr.write(`passcode: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
