/** An account's credentials as sealed in `sms_accounts.credentials_enc`: the fields of its provider type (PROVIDER_ACCOUNTS). */
export type SmsCredentials = Record<string, string>;

/** The AAD that binds an account's sealed credentials to that account. */
export function credentialsAad(accountId: string): string {
  return `sms_account:${accountId}:credentials`;
}

/** `LTAI****abcd`: enough to recognise a key, not enough to use it. */
export function maskAccessKeyId(id: string): string {
  return id.length >= 10 ? `${id.slice(0, 4)}****${id.slice(-4)}` : '****';
}
