import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-app challenge settings (src/fraud/challenges/): which captcha an app's end
 * users solve where one is demanded — Passcode's image captcha (no row), or a
 * Turnstile, hCaptcha or reCAPTCHA token verified by the vendor — with the vendor
 * secret sealed as app secrets are, and the optional checks of its answer. Read by
 * primary key when a send demands a captcha.
 */
export class AppChallenges1764390000000 implements MigrationInterface {
  name = 'AppChallenges1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_challenges (
        app_id uuid PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
        provider varchar(16) NOT NULL CONSTRAINT chk_app_challenges_provider CHECK (provider IN ('image', 'turnstile', 'hcaptcha', 'recaptcha')),
        site_key varchar(200),
        secret_enc text,
        min_score double precision CONSTRAINT chk_app_challenges_min_score CHECK (min_score >= 0 AND min_score <= 1),
        hostname varchar(253),
        action varchar(100),
        updated_at timestamptz NOT NULL,
        CONSTRAINT chk_app_challenges_secret CHECK (provider = 'image' OR secret_enc IS NOT NULL)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE app_challenges`);
  }
}
