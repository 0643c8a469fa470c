/** Per-app login settings (DESIGN §3). `null` on an app means "login not configured" (v1 400198). */
export interface LoginConfig {
  /** The login interface as a whole (v1 400197 when off). */
  enabled: boolean;
  /** SMS-code login (v1 400196 when off). */
  mobile_login_enabled: boolean;
  token_ttl_days: number;
  /** Live sessions per user; logging in beyond it revokes the oldest. */
  max_sessions_per_user: number;
  /** Changing the phone needs a code sent to the current phone too. */
  require_old_phone_on_change: boolean;
  /** Lifetime of an Authing v3 update-phone token, seconds. */
  update_phone_token_ttl_s: number;
}

/** Per-app rules for codes and sending (DESIGN §4). */
export interface CodePolicy {
  length: number;
  ttl_s: number;
  resend_interval_s: number;
  max_attempts: number;
  per_phone_daily: number;
  per_ip_hourly: number;
  per_app_daily: number;
  /**
   * SMS a day to one destination country (ISO region; the calling code for numbers
   * of no region), so one country cannot take the app's whole budget: pumping
   * campaigns pick a country of expensive routes. `per_country_daily_overrides`
   * sets a country's own cap.
   */
  per_country_daily: number;
  per_country_daily_overrides: CountryCap[];
  /** ISO 3166-1 alpha-2 regions that may receive codes; empty allows all. */
  allowed_country_codes: string[];
  captcha_required: boolean;
  /**
   * Number types (libphonenumber's) that never receive a code: pumping's favourite
   * destinations (premium-rate, shared-cost…) and lines no one logs in from.
   * `MOBILE` and `FIXED_LINE_OR_MOBILE` (many plans cannot tell) always pass.
   */
  refused_number_types: RefusableNumberType[];
  /** Conversion-aware throttling of the app's sends (src/fraud/, README "Fraud guard"). */
  fraud_guard: FraudGuardPolicy;
  /**
   * Numbers with a fixed code for store review and QA: no SMS is sent, no limit
   * applies, and the fixed code always passes. Empty (off) by default.
   */
  test_numbers: TestNumber[];
}

/** The number types a policy may refuse: every type of libphonenumber but the two a mobile may have. */
export const REFUSABLE_NUMBER_TYPES = [
  'FIXED_LINE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL',
] as const;

export type RefusableNumberType = (typeof REFUSABLE_NUMBER_TYPES)[number];

/**
 * When a bucket of sends (a destination country, or a number prefix: E.164 minus
 * its last four digits) turns suspicious. Sends and approvals are counted over a
 * sliding window; a bucket with enough sends whose share approved falls under
 * `challenge_below_pct` demands a captcha for `cooling_off_s`; one that keeps
 * failing (twice the sends, under `block_below_pct`) is refused for `cooling_off_s`.
 * A challenged bucket whose conversion reaches `recover_at_pct` is lifted.
 */
export interface FraudGuardPolicy {
  enabled: boolean;
  window_s: number;
  /** Sends in the window before a prefix bucket is judged at all. */
  min_sends_prefix: number;
  /** Sends in the window before a country bucket is judged at all. */
  min_sends_country: number;
  challenge_below_pct: number;
  block_below_pct: number;
  recover_at_pct: number;
  cooling_off_s: number;
}

export const DEFAULT_FRAUD_GUARD: FraudGuardPolicy = {
  enabled: true,
  window_s: 3600,
  min_sends_prefix: 20,
  min_sends_country: 100,
  challenge_below_pct: 20,
  block_below_pct: 10,
  recover_at_pct: 30,
  cooling_off_s: 3600,
};

export const FRAUD_GUARD_RANGES = {
  window_s: [300, 86_400],
  min_sends_prefix: [5, 1_000_000],
  min_sends_country: [10, 10_000_000],
  challenge_below_pct: [1, 100],
  block_below_pct: [0, 100],
  recover_at_pct: [1, 100],
  cooling_off_s: [60, 7 * 86_400],
} as const satisfies Partial<Record<keyof FraudGuardPolicy, readonly [number, number]>>;

export interface CountryCap {
  /** ISO 3166-1 alpha-2 (`CN`). */
  country: string;
  daily: number;
}

export interface TestNumber {
  /** E.164, `+8613800000000`. */
  phone: string;
  code: string;
}

export const DEFAULT_LOGIN_CONFIG: LoginConfig = {
  enabled: true,
  mobile_login_enabled: true,
  token_ttl_days: 30,
  max_sessions_per_user: 5,
  require_old_phone_on_change: false,
  update_phone_token_ttl_s: 600,
};

export const DEFAULT_CODE_POLICY: CodePolicy = {
  length: 6,
  ttl_s: 300,
  resend_interval_s: 60,
  max_attempts: 5,
  per_phone_daily: 10,
  per_ip_hourly: 100,
  per_app_daily: 100_000,
  // Half the default app budget: an app whose users live in one country raises it there.
  per_country_daily: 50_000,
  per_country_daily_overrides: [],
  allowed_country_codes: [],
  captcha_required: false,
  // Every type but mobiles: what Passcode refused as "not a mobile number" before the
  // policy existed. An app may let landlines (SMS-to-voice) or VoIP numbers through.
  refused_number_types: [...REFUSABLE_NUMBER_TYPES],
  fraud_guard: DEFAULT_FRAUD_GUARD,
  test_numbers: [],
};

/**
 * Inclusive ranges of the numeric settings; DTO validation uses them. Code length
 * stops at 6 because the v1 contract caps `verify_code` at six characters.
 */
export const CODE_POLICY_RANGES = {
  length: [4, 6],
  ttl_s: [30, 3600],
  resend_interval_s: [10, 3600],
  max_attempts: [1, 20],
  per_phone_daily: [1, 1000],
  per_ip_hourly: [1, 1_000_000],
  per_app_daily: [1, 100_000_000],
  per_country_daily: [1, 100_000_000],
} as const satisfies Partial<Record<keyof CodePolicy, readonly [number, number]>>;

export const LOGIN_CONFIG_RANGES = {
  token_ttl_days: [1, 365],
  max_sessions_per_user: [1, 100],
  update_phone_token_ttl_s: [60, 3600],
} as const satisfies Partial<Record<keyof LoginConfig, readonly [number, number]>>;

/**
 * Per-app retention (README "Retention and erasure"): how long what an app's
 * traffic leaves behind is kept. Days count from a row's end of use — a code's or
 * captcha's expiry, a send's creation — and the purge job applies them.
 */
export interface RetentionPolicy {
  /** Verification codes and update-phone tokens are deleted this many days after they expire. */
  codes_days: number;
  /** Image captchas and request nonces are deleted this many days after they expire. */
  captchas_days: number;
  /** Send-log rows (and webhook delivery payloads) keep the number this many days, then a keyed hash of it. */
  send_log_hash_days: number;
  /** Send-log rows and finished webhook deliveries are deleted this many days after they were written. */
  send_log_delete_days: number;
}

/**
 * Codes and captchas are worthless once expired; a week keeps them for a support
 * question about a failed login. The send log keeps numbers for 30 days — long
 * enough for the usual billing dispute and abuse investigation window — and its
 * rows for a year, the length of an annual reconciliation with the SMS provider.
 */
export const DEFAULT_RETENTION: RetentionPolicy = {
  codes_days: 7,
  captchas_days: 1,
  send_log_hash_days: 30,
  send_log_delete_days: 365,
};

/**
 * Inclusive ranges. Numbers are hashed after at least 3 days: a receipt may still
 * arrive (and be polled for, by number) until the 72 h delivery deadline.
 */
export const RETENTION_RANGES = {
  codes_days: [1, 365],
  captchas_days: [1, 365],
  send_log_hash_days: [3, 3650],
  send_log_delete_days: [3, 3650],
} as const satisfies Record<keyof RetentionPolicy, readonly [number, number]>;
