// `npm run openapi:dump`: writes the published OpenAPI document (JSON) to the file
// after --out, or to stdout, without a database or a listening server.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { previewOpenApiDocument } from './openapi-preview.js';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--out');
  const out = at >= 0 ? process.argv[at + 1] : undefined;
  if (at >= 0 && !out) throw new Error('--out needs a file name');
  const json = `${JSON.stringify(await previewOpenApiDocument(), null, 2)}\n`;
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, json);
  }
  else process.stdout.write(json);
}

main().catch((err: unknown) => {
  process.stderr.write(`openapi: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
