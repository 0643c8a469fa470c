import { DataSource } from 'typeorm';
import { hmacSha256Hex } from '../../src/common/crypto/hashing.js';
import type { TestApp } from './test-app.js';

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** The answer of a captcha: only in the image, so tests recover it from the stored keyed hash, as only a holder of the pepper could. */
export async function captchaAnswer(t: TestApp, id: string): Promise<string> {
  const [{ answer_hash }] = await t.app.get(DataSource).query('SELECT answer_hash FROM captchas WHERE id = $1', [id]);
  const pepper = t.config.secrets.codePepper;
  for (const a of ALPHABET) for (const b of ALPHABET) for (const c of ALPHABET) for (const d of ALPHABET) {
    const answer = a + b + c + d;
    if (hmacSha256Hex(pepper, `captcha|${id}|${answer}`) === answer_hash) return answer;
  }
  throw new Error(`no answer found for captcha ${id}`);
}

/** A new captcha of an app through GET /oauth/api/account/imgCode, with its answer. */
export async function solvedCaptcha(t: TestApp, appkey: string): Promise<{ id: string; answer: string }> {
  const res = await t.http.get('/oauth/api/account/imgCode').set('x-app-key', appkey).expect(200);
  const id = res.body.data.img_code_id as string;
  return { id, answer: await captchaAnswer(t, id) };
}
