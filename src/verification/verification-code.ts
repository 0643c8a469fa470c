import type { Scene } from '../common/scenes.js';

/** A row of `verification_codes`. The code itself is never stored, only its keyed hash. */
export interface VerificationCodeRow {
  id: string;
  app_id: string;
  scene: Scene;
  phone_e164: string;
  code_hash: string;
  expires_at: Date;
  attempts: number;
  max_attempts: number;
  consumed_at: Date | null;
  superseded_at: Date | null;
  created_at: Date;
}

/** What a check of a code answered. Only `approved` consumed the code. */
export type CheckResult = 'approved' | 'wrong_code' | 'expired' | 'attempts_exhausted' | 'superseded' | 'not_found';
