import svgCaptcha from 'svg-captcha';

/** svg-captcha's main export renders given text to SVG with its bundled font (its typings omit that call). */
const renderSvg = svgCaptcha as unknown as (text: string, options: object) => string;

/**
 * Draws a captcha's answer for the person who must read it: the edge where the
 * answer leaves Passcode, as an SMS provider is for codes. Tests put a recording
 * renderer here (it remembers what each image shows), as they do a recording SMS
 * provider, instead of recovering answers from their keyed hashes.
 */
export abstract class CaptchaRenderer {
  /** The SVG image of captcha `id`, showing `answer`. */
  abstract render(id: string, answer: string): string;
}

/** svg-captcha with noise lines and colour, 120×40. */
export class SvgCaptchaRenderer extends CaptchaRenderer {
  render(_id: string, answer: string): string {
    return renderSvg(answer, { noise: 3, color: true, background: '#f4f4f4', width: 120, height: 40, fontSize: 44 });
  }
}
