import { SvgCaptchaRenderer } from '../../src/captcha/captcha-renderer.js';
import type { TestApp } from './test-app.js';

/**
 * The real svg-captcha renderer, remembering what each image shows: the test
 * reads the answer as the person at the screen would, not from the stored hash.
 */
export class RecordingCaptchaRenderer extends SvgCaptchaRenderer {
  private readonly shown = new Map<string, string>();

  override render(id: string, answer: string): string {
    this.shown.set(id, answer);
    return super.render(id, answer);
  }

  /** The answer captcha `id`'s image shows. */
  answerOf(id: string): string {
    const answer = this.shown.get(id);
    if (answer === undefined) throw new Error(`no captcha image ${id} was drawn`);
    return answer;
  }
}

/** The answer of a captcha, as its image shows it. */
export function captchaAnswer(t: TestApp, id: string): Promise<string> {
  return Promise.resolve(t.captchas.answerOf(id));
}

/** A new captcha of an app through GET /oauth/api/account/imgCode, with its answer. */
export async function solvedCaptcha(t: TestApp, appkey: string): Promise<{ id: string; answer: string }> {
  const res = await t.http.get('/oauth/api/account/imgCode').set('x-app-key', appkey).expect(200);
  const id = res.body.data.img_code_id as string;
  return { id, answer: await captchaAnswer(t, id) };
}
