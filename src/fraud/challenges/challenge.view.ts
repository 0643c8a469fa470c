import { type ChallengeSettings } from './challenge-provider.js';

/** What the admin API shows of an app's challenge settings: never the secret, only whether one is set and its masked tail. */
export function challengeView(s: ChallengeSettings, secretMasked: string | null) {
  return {
    provider: s.provider,
    site_key: s.siteKey,
    secret_set: s.secretEnc !== null,
    secret_masked: secretMasked,
    min_score: s.minScore,
    hostname: s.hostname,
    action: s.action,
    updated_at: s.updatedAt ? s.updatedAt.toISOString() : null,
  };
}

export type ChallengeView = ReturnType<typeof challengeView>;
