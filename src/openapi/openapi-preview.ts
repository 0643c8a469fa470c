import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module.js';
import { createAdapter } from '../bootstrap.js';
import { ensureGeneratedKeys, loadConfig } from '../config/app-config.js';
import { createOpenApiDocument } from './openapi-document.js';

/**
 * The document the server publishes at /docs-json, built without a database, a
 * network or a listening server: the application is created in Nest's preview
 * mode (modules scanned, no provider instantiated), under a throwaway DATA_DIR
 * for the development keys it generates.
 */
export async function previewOpenApiDocument(): Promise<OpenAPIObject> {
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-openapi-'));
  try {
    const env = { NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    ensureGeneratedKeys(env);
    const config = loadConfig(env);
    const app = await NestFactory.create(AppModule.forRoot(config), createAdapter(config), { preview: true, logger: false, abortOnError: false });
    try {
      return createOpenApiDocument(app);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
