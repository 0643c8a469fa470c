import { randomString, sha256Hex } from '../../src/common/crypto/hashing.js';
import type { TestApp } from './test-app.js';

export interface EnduserSendParams {
  userDomain: string;
  internationalCode: string;
  phone: string;
  codeType: string;
  random: string;
  ts: string;
  signature: string;
}

/**
 * Seed 003's query for sendPhoneSmsCode, signed `sha256hex(phone + codeType +
 * random + ts + secret)` at the test clock's time (shifted by `skewMs`).
 */
export function enduserSendParams(
  t: TestApp,
  app: { appkey: string; secret: string },
  phone: string,
  options: { codeType?: string; random?: string; skewMs?: number; internationalCode?: string; secret?: string } = {},
): EnduserSendParams {
  const codeType = options.codeType ?? '3';
  const random = options.random ?? randomString(16);
  const ts = String(t.clock.nowMs() + (options.skewMs ?? 0));
  const signature = sha256Hex(phone + codeType + random + ts + (options.secret ?? app.secret));
  return { userDomain: app.appkey, internationalCode: options.internationalCode ?? '+86', phone, codeType, random, ts, signature };
}
