import type { ChangeEvent } from 'react';
import { PasswordInput, SimpleGrid, TextInput } from '@mantine/core';
import { fieldError } from '../../components';
import { useI18n, type Text } from '../../i18n';
import type { Provider } from './shared';

/** One input of a provider type's `credentials` or `settings` (README, SMS delivery). */
interface FieldSpec {
  kind: 'credentials' | 'settings';
  key: string;
  label: Text;
  /** A secret: typed into a password input, never shown back. */
  secret?: boolean;
  /** Required when the account is created (the API checks it and names the field). */
  required?: boolean;
  placeholder?: string;
}

const FIELDS: Record<Provider, FieldSpec[]> = {
  console: [],
  aliyun: [
    { kind: 'credentials', key: 'access_key_id', label: { en: 'AccessKey ID', zh: 'AccessKey ID' }, required: true },
    { kind: 'credentials', key: 'access_key_secret', label: { en: 'AccessKey secret', zh: 'AccessKey Secret' }, secret: true, required: true },
  ],
  tencent: [
    { kind: 'credentials', key: 'secret_id', label: { en: 'SecretId', zh: 'SecretId' }, required: true },
    { kind: 'credentials', key: 'secret_key', label: { en: 'SecretKey', zh: 'SecretKey' }, secret: true, required: true },
    { kind: 'settings', key: 'sdk_app_id', label: { en: 'SdkAppId', zh: 'SdkAppId' }, required: true },
    { kind: 'settings', key: 'region', label: { en: 'Region', zh: '地域' }, placeholder: 'ap-guangzhou' },
  ],
  twilio: [
    { kind: 'credentials', key: 'account_sid', label: { en: 'Account SID', zh: 'Account SID' }, required: true, placeholder: 'AC…' },
    { kind: 'credentials', key: 'auth_token', label: { en: 'Auth token', zh: 'Auth Token' }, secret: true, required: true },
    { kind: 'settings', key: 'from', label: { en: 'From (E.164 number or sender id)', zh: '发送号码或发送方 ID' }, placeholder: '+15005550006' },
    { kind: 'settings', key: 'messaging_service_sid', label: { en: 'Messaging service SID', zh: 'Messaging Service SID' }, placeholder: 'MG…' },
  ],
};

/** Form values keyed `credentials.<key>` / `settings.<key>`, as the API's field names go. */
export type ProviderValues = Record<string, string>;

export function hasSettings(provider: Provider): boolean {
  return FIELDS[provider].some((f) => f.kind === 'settings');
}

/** The values' `credentials` and `settings` objects, each left out when nothing was typed. */
export function providerBody(provider: Provider, values: ProviderValues): { credentials?: Record<string, string>; settings?: Record<string, string> } {
  const body: { credentials?: Record<string, string>; settings?: Record<string, string> } = {};
  for (const f of FIELDS[provider]) {
    const value = values[`${f.kind}.${f.key}`]?.trim();
    if (!value) continue;
    (body[f.kind] ??= {})[f.key] = value;
  }
  return body;
}

/** The settings an account holds, as form values (credentials are never read back). */
export function settingsValues(settings: Record<string, unknown>): ProviderValues {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [`settings.${k}`, String(v ?? '')]));
}

/**
 * The credential and setting inputs of a provider type. `replacing`: the account exists, so
 * credentials are optional (typed ones replace the old ones whole) and nothing is required here.
 */
export function ProviderFields({ provider, values, onChange, error, replacing = false }: {
  provider: Provider;
  values: ProviderValues;
  onChange(values: ProviderValues): void;
  error: unknown;
  replacing?: boolean;
}) {
  const { t } = useI18n();
  const fields = FIELDS[provider];
  if (fields.length === 0) return null;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      {fields.map((f) => {
        const name = `${f.kind}.${f.key}`;
        const props = {
          label: t(f.label),
          placeholder: f.placeholder,
          required: f.required && !replacing,
          value: values[name] ?? '',
          autoComplete: 'off',
          error: fieldError(error, name) ?? (f.kind === 'credentials' ? fieldError(error, f.key) : undefined),
          description: f.kind === 'credentials' && replacing ? t({ en: 'Leave empty to keep the current credentials', zh: '留空则保留当前凭据' }) : undefined,
          onChange: (e: ChangeEvent<HTMLInputElement>) => onChange({ ...values, [name]: e.currentTarget.value }),
        };
        return f.secret ? <PasswordInput key={name} {...props} autoComplete="new-password" /> : <TextInput key={name} {...props} />;
      })}
    </SimpleGrid>
  );
}
