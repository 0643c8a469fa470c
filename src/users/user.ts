import { DomainError, type InputRole } from '../common/errors/domain-error.js';
import { type ParsedPhone } from '../common/phone/phone.js';

/** A row of `users`: an end user of one app, identified there by the phone number. */
export interface UserRow {
  id: string;
  app_id: string;
  phone_e164: string;
  mcode: string;
  mobile: string;
  status: 'active' | 'cancelled';
  version_number: number | null;
  channel: string | null;
  oaid: string | null;
  device_id: string | null;
  reg_ip: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `user_sessions`: one issued access token (its jti), revocable. */
export interface UserSessionRow {
  jti: string;
  user_id: string;
  app_id: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

/**
 * Codes about an account go only to the number it has now: VALIDATION_FAILED
 * naming the input's `role` unless `phone` is the user's number.
 */
export function assertCurrentPhone(user: UserRow, phone: ParsedPhone, role: InputRole): void {
  if (phone.e164 !== user.phone_e164) {
    throw new DomainError('VALIDATION_FAILED', { role, constraint: 'isCurrentPhone', message: `${role} is not the user’s phone` });
  }
}
