import { md5Hex } from '../../src/common/crypto/hashing.js';
import { createApp, type CreatedApp } from './admin.js';
import { configureSms } from './sms.js';
import type { TestApp } from './test-app.js';

/** Seed 001's signature parameters for an app at the test clock's time (shifted by `skewS`). */
export function signParams(t: TestApp, app: { appkey: string; secret: string }, skewS = 0): { appkey: string; timestamp: string; sign: string } {
  const timestamp = String(Math.floor(t.clock.nowMs() / 1000) + skewS);
  return { appkey: app.appkey, timestamp, sign: md5Hex(app.appkey + timestamp + app.secret) };
}

/** An app with SMS configured for every scene. */
export async function createSmsApp(t: TestApp, body: Record<string, unknown> = {}): Promise<CreatedApp> {
  const app = await createApp(t, body);
  await configureSms(t, app.id);
  return app;
}
