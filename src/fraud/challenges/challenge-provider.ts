import { type AppConfig } from '../../config/app-config.js';

/** How an app's end users prove they are people: Passcode's image captcha, or a vendor's token checked by its siteverify. */
export const CHALLENGE_PROVIDERS = ['image', 'turnstile', 'hcaptcha', 'recaptcha'] as const;
export type ChallengeProvider = (typeof CHALLENGE_PROVIDERS)[number];

/** The providers whose tokens are verified by a call to the vendor. */
export type TokenProvider = Exclude<ChallengeProvider, 'image'>;

/** The providers whose answers can carry a score (reCAPTCHA v3, hCaptcha Enterprise): `min_score` is accepted for them only. */
export const SCORED_PROVIDERS: readonly TokenProvider[] = ['recaptcha', 'hcaptcha'];

/** Each vendor's siteverify endpoint, from the configuration (tests point them at a local fake). */
export function siteverifyUrl(config: AppConfig, provider: TokenProvider): string {
  const urls: Record<TokenProvider, string> = {
    turnstile: config.captcha.turnstileVerifyUrl,
    hcaptcha: config.captcha.hcaptchaVerifyUrl,
    recaptcha: config.captcha.recaptchaVerifyUrl,
  };
  return urls[provider];
}

/** An app's challenge settings, as stored in `app_challenges` (no row: the image captcha, unchecked extras). */
export interface ChallengeSettings {
  provider: ChallengeProvider;
  /** The public site key the client's widget needs; returned by the admin API. */
  siteKey: string | null;
  /** The vendor secret, sealed (AES-256-GCM, associated data {@link challengeSecretAad}). */
  secretEnc: string | null;
  /** Answers scoring below it are refused (reCAPTCHA v3, hCaptcha Enterprise); an answer without a score too. */
  minScore: number | null;
  /** The hostname the vendor must report the token was solved on, when set. */
  hostname: string | null;
  /** The action the vendor must report (Turnstile, reCAPTCHA v3), when set. */
  action: string | null;
  updatedAt: Date | null;
}

export const IMAGE_CHALLENGE: ChallengeSettings = { provider: 'image', siteKey: null, secretEnc: null, minScore: null, hostname: null, action: null, updatedAt: null };

/** The associated data binding an app's sealed captcha secret to that app. */
export function challengeSecretAad(appId: string): string {
  return `app:${appId}:challenge_secret`;
}

/** `****wxyz`: enough to recognise a secret, not to use it. */
export function maskSecret(secret: string): string {
  return secret.length >= 16 ? `****${secret.slice(-4)}` : '****';
}
