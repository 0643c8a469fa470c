import { Logger } from 'nestjs-pino';
import { createApp } from './bootstrap.js';
import { ConfigError, describeConfig, ensureGeneratedKeys, loadConfig } from './config/app-config.js';
import { DataDirLockedError } from './database/data-dir-lock.js';

async function main(): Promise<void> {
  ensureGeneratedKeys(process.env);
  const config = loadConfig(process.env);
  const app = await createApp(config);
  await app.listen({ port: config.http.port, host: config.http.host });
  app.get(Logger).log({ msg: `Passcode listening on ${await app.getUrl()}`, config: describeConfig(config) });
}

main().catch((err: unknown) => {
  // Configuration and lock problems are the operator's to fix: say so plainly, without a stack.
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    process.stderr.write(`passcode: ${err.message}\n`);
  } else {
    process.stderr.write(`passcode: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
