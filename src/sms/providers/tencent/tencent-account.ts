import type { ProviderAccountSpec } from '../provider-accounts.js';

/** The region Tencent Cloud SMS is served from when the account names none. */
export const TENCENT_DEFAULT_REGION = 'ap-guangzhou';

/** A Tencent Cloud SMS account: a CAM API key (SecretId/SecretKey) and the SMS application (SdkAppId) it sends from. */
export const TENCENT_ACCOUNT: ProviderAccountSpec = {
  credentials: {
    secret_id: { pattern: /^[A-Za-z0-9]{8,128}$/, hint: 'a SecretId (8 to 128 letters and digits)' },
    secret_key: { pattern: /^[\x21-\x7e]{8,256}$/, hint: 'a SecretKey (8 to 256 printable characters)' },
  },
  credentialId: 'secret_id',
  credentialsRequired: true,
  settings: {
    sdk_app_id: { pattern: /^\d{6,20}$/, hint: 'the SMS application\'s SdkAppId (digits, e.g. 1400006666)', required: true },
    region: { pattern: /^[a-z]{2,4}(-[a-z]+){1,2}(-\d)?$/, hint: `a region such as ${TENCENT_DEFAULT_REGION}` },
  },
};
