import type { ProviderAccountSpec } from '../provider-accounts.js';

/** An Aliyun account: a RAM AccessKey pair. */
export const ALIYUN_ACCOUNT: ProviderAccountSpec = {
  credentials: {
    access_key_id: { pattern: /^[\x21-\x7e]{1,128}$/, hint: 'an AccessKey id (1 to 128 printable characters)' },
    access_key_secret: { pattern: /^[\x21-\x7e]{1,256}$/, hint: 'an AccessKey secret (1 to 256 printable characters)' },
  },
  credentialId: 'access_key_id',
  credentialsRequired: true,
  settings: {},
};
