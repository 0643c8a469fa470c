import { DomainError } from '../../common/errors/domain-error.js';
import { type SmsProviderName } from '../sms-account.entity.js';
import { ALIYUN_ACCOUNT } from './aliyun/aliyun-account.js';
import { TENCENT_ACCOUNT } from './tencent/tencent-account.js';
import { TWILIO_ACCOUNT } from './twilio/twilio-account.js';

/** One field of an account's credentials or settings: a string of this shape. */
export interface AccountField {
  pattern: RegExp;
  /** What the value must look like, for the validation message. */
  hint: string;
}

/**
 * What an account of one provider type holds. Credentials are sealed and
 * write-only (all given together, replaced whole); settings are plain and shown
 * on read. Each vendor's adapter folder declares its own.
 */
export interface ProviderAccountSpec {
  credentials: Readonly<Record<string, AccountField>>;
  /** The credential shown masked on read (the key's public half), if any. */
  credentialId: string | null;
  /** Whether an account of this type can send without credentials. */
  credentialsRequired: boolean;
  settings: Readonly<Record<string, AccountField & { required?: boolean }>>;
  /** A rule across settings (Twilio: a sender or a messaging service, not both); the field at fault and why. */
  checkSettings?(settings: Readonly<Record<string, string>>): { field: string; message: string } | null;
}

const CONSOLE_ACCOUNT: ProviderAccountSpec = { credentials: {}, credentialId: null, credentialsRequired: false, settings: {} };

/** Every provider type's account, closed over SmsProviderName: a new type without its spec fails the type check. */
export const PROVIDER_ACCOUNTS: Record<SmsProviderName, ProviderAccountSpec> = {
  aliyun: ALIYUN_ACCOUNT,
  tencent: TENCENT_ACCOUNT,
  twilio: TWILIO_ACCOUNT,
  console: CONSOLE_ACCOUNT,
};

/**
 * Checks an account's credentials (when given) and settings against its type:
 * no unknown key, every key of the credentials present, every value of its
 * shape, required settings present. VALIDATION_FAILED naming the field
 * (`credentials.secret_key`, `settings.sdk_app_id`) otherwise.
 */
export function checkAccountConfig(
  provider: SmsProviderName,
  credentials: Readonly<Record<string, unknown>> | undefined,
  settings: Readonly<Record<string, unknown>>,
): void {
  const spec = PROVIDER_ACCOUNTS[provider];
  if (credentials !== undefined) checkFields('credentials', provider, spec.credentials, credentials, Object.keys(spec.credentials));
  const required = Object.entries(spec.settings).filter(([, f]) => f.required).map(([k]) => k);
  checkFields('settings', provider, spec.settings, settings, required);
  const across = spec.checkSettings?.(settings as Record<string, string>);
  if (across) throw invalid(`settings.${across.field}`, 'isValid', across.message);
}

function checkFields(
  group: 'credentials' | 'settings',
  provider: SmsProviderName,
  fields: Readonly<Record<string, AccountField>>,
  values: Readonly<Record<string, unknown>>,
  required: readonly string[],
): void {
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(fields, key)) {
      const known = Object.keys(fields);
      throw invalid(`${group}.${key}`, 'whitelistValidation', `${provider} accounts take no ${group} field ${key}${known.length ? ` (they take ${known.join(', ')})` : ''}`);
    }
  }
  for (const key of required) {
    if (values[key] === undefined || values[key] === null) throw invalid(`${group}.${key}`, 'isNotEmpty', `${group}.${key} is required for ${provider} accounts`);
  }
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string' || !fields[key].pattern.test(value)) throw invalid(`${group}.${key}`, 'matches', `${group}.${key} must be ${fields[key].hint}`);
  }
}

function invalid(field: string, constraint: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', { field, constraint, message });
}
