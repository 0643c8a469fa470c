import { DataSource } from 'typeorm';
import { captchaAnswer } from './support/captcha.js';
import { CaptchaService } from '../src/captcha/captcha.service.js';
import { DomainError } from '../src/common/errors/domain-error.js';
import { createApp, type CreatedApp } from './support/admin.js';
import { itRaces, raceBehindLock } from './support/race.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('image captcha (seed 004)', () => {
  let t: TestApp;
  let app: CreatedApp;
  beforeAll(async () => {
    t = await startTestApp();
    app = await createApp(t);
  });
  afterAll(async () => {
    await t.close();
  });

  async function issue(appkey = app.appkey): Promise<string> {
    const res = await t.http.get('/oauth/api/account/imgCode').set('x-app-key', appkey).expect(200);
    return res.body.data.img_code_id;
  }

  const answerOf = (id: string) => captchaAnswer(t, id);

  const consume = (id: string | undefined, answer: string | undefined, appId = app.id) => t.app.get(CaptchaService).consume(appId, id, answer);
  /** The domain error's code, undefined on success; anything else thrown is named as unexpected, never taken for a success. */
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof DomainError ? e.code : `unexpected: ${String(e)}`),
    );

  it('issues an SVG captcha in the seed 004 envelope, storing only a keyed hash of the answer', async () => {
    const res = await t.http.get('/oauth/api/account/imgCode').set('x-app-key', app.appkey).expect(200);
    expect(res.body).toEqual({ request_id: expect.any(String), code: '000', msg: '成功', data: { img_code_id: expect.stringMatching(/^[A-Z0-9]{6}$/), img: expect.any(String) } });
    const [kind, b64] = res.body.data.img.split(',');
    expect(kind).toBe('data:image/svg+xml;base64');
    expect(Buffer.from(b64, 'base64').toString()).toMatch(/^<svg /);
    const answer = await answerOf(res.body.data.img_code_id);
    const [row] = await t.app.get(DataSource).query('SELECT * FROM captchas WHERE id = $1', [res.body.data.img_code_id]);
    expect(JSON.stringify(row)).not.toContain(answer);
  });

  it('refuses a request without X-App-Key, or with an unknown one', async () => {
    const missing = await t.http.get('/oauth/api/account/imgCode').expect(200);
    expect(missing.body).toMatchObject({ code: '400', data: { field: 'X-App-Key' } });
    const unknown = await t.http.get('/oauth/api/account/imgCode').set('x-app-key', 'NoSuchAppKey0000').expect(200);
    expect(unknown.body).toMatchObject({ code: '404', msg: '应用不存在' });
  });

  it('accepts the right answer once, in any letter case', async () => {
    const id = await issue();
    const answer = await answerOf(id);
    await consume(id, answer.toLowerCase());
    expect(await failure(consume(id, answer))).toBe('CAPTCHA_INVALID');
  });

  it('spends the captcha on a wrong answer', async () => {
    const id = await issue();
    const answer = await answerOf(id);
    const wrong = answer === 'AAAA' ? 'BBBB' : 'AAAA';
    expect(await failure(consume(id, wrong))).toBe('CAPTCHA_WRONG');
    expect(await failure(consume(id, answer))).toBe('CAPTCHA_INVALID');
  });

  it('refuses a missing captcha, an expired one, and one of another app', async () => {
    expect(await failure(consume(undefined, undefined))).toBe('CAPTCHA_REQUIRED');
    expect(await failure(consume('NOSUCH', 'ABCD'))).toBe('CAPTCHA_INVALID');
    const other = await createApp(t);
    const foreign = await issue(other.appkey);
    expect(await failure(consume(foreign, await answerOf(foreign)))).toBe('CAPTCHA_INVALID');
    const id = await issue();
    const answer = await answerOf(id);
    t.clock.advanceSeconds(301);
    try {
      expect(await failure(consume(id, answer))).toBe('CAPTCHA_INVALID');
    } finally {
      t.clock.reset();
    }
  });

  itRaces('lets exactly one of ten concurrent uses of one captcha pass, the rest refused as CAPTCHA_INVALID', async () => {
    const id = await issue();
    const answer = await answerOf(id);
    const lock = { sql: 'SELECT 1 FROM captchas WHERE id = $1 FOR UPDATE', params: [id] };
    const { result: results, queued } = await raceBehindLock(t, lock, () => Promise.all(Array.from({ length: 10 }, () => failure(consume(id, answer)))), 10);
    expect(queued).toBeGreaterThan(1);
    expect(results.filter((code) => code === undefined)).toHaveLength(1);
    expect(results.filter((code) => code !== undefined)).toEqual(Array(9).fill('CAPTCHA_INVALID'));
  });
});
