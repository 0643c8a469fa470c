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
