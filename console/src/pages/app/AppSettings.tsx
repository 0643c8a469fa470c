import { Button, Fieldset, Group, JsonInput, Modal, MultiSelect, NumberInput, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { components } from '../../../../test/support/openapi/schema';
import { client, unwrap } from '../../api';
import { ErrorAlert, fieldError } from '../../components';
import { useI18n, type Text as I18nText } from '../../i18n';
import type { AppData } from '../../session';

type UpdateApp = components['schemas']['UpdateAppDto'];
type RefusableNumberType = AppData['code_policy']['refused_number_types'][number];

/** The number types the API takes in refused_number_types; a type the schema adds and this misses fails the type check. */
const REFUSABLE_NUMBER_TYPES = Object.keys({
  FIXED_LINE: true, PREMIUM_RATE: true, TOLL_FREE: true, SHARED_COST: true, VOIP: true,
  PERSONAL_NUMBER: true, PAGER: true, UAN: true, VOICEMAIL: true,
} satisfies Record<RefusableNumberType, true>);

interface FieldBase {
  /** The property inside its section, as the API names it. */
  key: string;
  label: I18nText;
  description?: I18nText;
}

/** How a setting is edited: its wire type decides the input. */
type Field = FieldBase & (
  | { kind: 'int' }
  | { kind: 'bool' }
  | { kind: 'text' }
  | { kind: 'tags' }
  | { kind: 'choices'; options: string[] }
  | { kind: 'json' }
);

/** A part of the app the PATCH takes as one object (`null`: the app's top-level fields, i.e. its name). */
type Section = 'code_policy' | 'login_config' | 'retention' | null;

const GENERAL: Field[] = [
  { key: 'name', kind: 'text', label: { en: 'Name', zh: '名称' } },
];

const CODE_POLICY: Field[] = [
  { key: 'length', kind: 'int', label: { en: 'Code length (digits)', zh: '验证码长度（位）' } },
  { key: 'ttl_s', kind: 'int', label: { en: 'Code lifetime (seconds)', zh: '验证码有效期（秒）' } },
  { key: 'resend_interval_s', kind: 'int', label: { en: 'Resend interval (seconds)', zh: '重发间隔（秒）' } },
  { key: 'max_attempts', kind: 'int', label: { en: 'Attempts per code', zh: '每个验证码的尝试次数' } },
  { key: 'per_phone_daily', kind: 'int', label: { en: 'Codes per phone a day', zh: '每个号码每日条数' } },
  { key: 'per_ip_hourly', kind: 'int', label: { en: 'Codes per IP an hour', zh: '每个 IP 每小时条数' } },
  { key: 'per_app_daily', kind: 'int', label: { en: 'Codes per app a day', zh: '每个应用每日条数' } },
  { key: 'per_country_daily', kind: 'int', label: { en: 'Codes per country a day', zh: '每个国家/地区每日条数' } },
  {
    key: 'allowed_country_codes', kind: 'tags', label: { en: 'Allowed countries', zh: '允许的国家/地区' },
    description: { en: 'ISO codes such as CN, Enter after each; empty allows all', zh: 'ISO 代码（如 CN），每个后按回车；留空表示全部允许' },
  },
  {
    key: 'refused_number_types', kind: 'choices', options: REFUSABLE_NUMBER_TYPES, label: { en: 'Refused number types', zh: '拒绝的号码类型' },
    description: { en: 'Mobile numbers always pass', zh: '手机号码始终允许' },
  },
  { key: 'captcha_required', kind: 'bool', label: { en: 'Require a captcha before sending', zh: '发送前要求图形验证码' } },
  {
    key: 'per_country_daily_overrides', kind: 'json', label: { en: 'Country caps (JSON)', zh: '国家/地区单独上限（JSON）' },
    description: { en: 'e.g. [{"country": "CN", "daily": 200000}]', zh: '例如 [{"country": "CN", "daily": 200000}]' },
  },
  {
    key: 'test_numbers', kind: 'json', label: { en: 'Test numbers (JSON)', zh: '测试号码（JSON）' },
    description: {
      en: 'e.g. [{"phone": "+8613800000000", "code": "123456"}]: no SMS is sent, the fixed code always passes',
      zh: '例如 [{"phone": "+8613800000000", "code": "123456"}]：不发送短信，固定验证码总是通过',
    },
  },
];

const LOGIN_CONFIG: Field[] = [
  { key: 'enabled', kind: 'bool', label: { en: 'Login enabled', zh: '启用登录' } },
  { key: 'mobile_login_enabled', kind: 'bool', label: { en: 'SMS code login', zh: '短信验证码登录' } },
  { key: 'require_old_phone_on_change', kind: 'bool', label: { en: 'Changing the phone needs a code to the old one', zh: '更换手机号需验证原手机号' } },
  { key: 'token_ttl_days', kind: 'int', label: { en: 'Login token lifetime (days)', zh: '登录令牌有效期（天）' } },
  { key: 'max_sessions_per_user', kind: 'int', label: { en: 'Sessions per user', zh: '每个用户的会话数' } },
  { key: 'update_phone_token_ttl_s', kind: 'int', label: { en: 'Update-phone token lifetime (seconds)', zh: '换绑手机令牌有效期（秒）' } },
];

const RETENTION: Field[] = [
  { key: 'codes_days', kind: 'int', label: { en: 'Keep expired codes (days)', zh: '过期验证码保留（天）' } },
  { key: 'captchas_days', kind: 'int', label: { en: 'Keep expired captchas (days)', zh: '过期图形验证码保留（天）' } },
  { key: 'send_log_hash_days', kind: 'int', label: { en: 'Hash send-log numbers after (days)', zh: '发送记录号码哈希化（天后）' } },
  { key: 'send_log_delete_days', kind: 'int', label: { en: 'Delete send-log rows after (days)', zh: '发送记录删除（天后）' } },
];

/** The Settings tab: one form per part of the app, each saving only the fields changed in it. */
export function AppSettings({ app, editable, onSaved }: { app: AppData; editable: boolean; onSaved(app: AppData): void }) {
  const { t } = useI18n();
  return (
    <Stack>
      <SettingsForm app={app} section={null} current={app} fields={GENERAL} editable={editable} onSaved={onSaved}
        legend={t({ en: 'General', zh: '基本信息' })} />
      <SettingsForm app={app} section="code_policy" current={app.code_policy} fields={CODE_POLICY} editable={editable} onSaved={onSaved}
        legend={t({ en: 'Code policy', zh: '验证码策略' })} />
      <LoginSettings app={app} editable={editable} onSaved={onSaved} />
      <SettingsForm app={app} section="retention" current={app.retention} fields={RETENTION} editable={editable} onSaved={onSaved}
        legend={t({ en: 'Retention', zh: '数据保留' })} />
    </Stack>
  );
}

/** login_config: null means login is not configured; setting it up sends `{}` and the API fills in its defaults. */
function LoginSettings({ app, editable, onSaved }: { app: AppData; editable: boolean; onSaved(app: AppData): void }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const legend = t({ en: 'Login', zh: '登录' });

  async function save(login_config: UpdateApp['login_config']) {
    setBusy(true);
    setError(null);
    try {
      onSaved(await unwrap(client.PATCH('/admin/apps/{id}', { params: { path: { id: app.id } }, body: { login_config } })));
      setConfirming(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (!app.login_config) {
    return (
      <Fieldset legend={legend}>
        <Stack>
          <ErrorAlert error={error} />
          <Text size="sm">{t({ en: 'Login is not configured: this app\'s users cannot log in with a code.', zh: '尚未配置登录：该应用的用户无法用验证码登录。' })}</Text>
          {editable && (
            <Group>
              <Button variant="light" loading={busy} onClick={() => save({})}>{t({ en: 'Set up login', zh: '配置登录' })}</Button>
            </Group>
          )}
        </Stack>
      </Fieldset>
    );
  }
  return (
    <>
      <SettingsForm app={app} section="login_config" current={app.login_config} fields={LOGIN_CONFIG} editable={editable} onSaved={onSaved}
        legend={legend}
        extra={editable && (
          <Button variant="subtle" color="red" onClick={() => setConfirming(true)}>{t({ en: 'Remove login settings', zh: '移除登录配置' })}</Button>
        )} />
      <ConfirmModal opened={confirming} busy={busy} error={error} onCancel={() => setConfirming(false)} onConfirm={() => save(null)}
        title={t({ en: 'Remove login settings?', zh: '移除登录配置？' })}
        confirmLabel={t({ en: 'Remove', zh: '移除' })}>
        {t({ en: 'The app\'s users will no longer be able to log in with a code until login is set up again.', zh: '在重新配置登录之前，该应用的用户将无法用验证码登录。' })}
      </ConfirmModal>
    </>
  );
}

/** A question before an action that is hard to take back. */
export function ConfirmModal({ opened, title, confirmLabel, busy, error, onCancel, onConfirm, children }: {
  opened: boolean; title: string; confirmLabel: string; busy: boolean; error?: unknown;
  onCancel(): void; onConfirm(): void; children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <Modal opened={opened} onClose={onCancel} title={title}>
      <Stack>
        <ErrorAlert error={error} />
        <Text size="sm">{children}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} data-autofocus>{t({ en: 'Cancel', zh: '取消' })}</Button>
          <Button color="red" loading={busy} onClick={onConfirm}>{confirmLabel}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

type FormValues = Record<string, unknown>;

function toForm(field: Field, value: unknown): unknown {
  switch (field.kind) {
    case 'json': return JSON.stringify(value ?? [], null, 2);
    case 'tags':
    case 'choices': return Array.isArray(value) ? value : [];
    case 'bool': return value === true;
    case 'int': return typeof value === 'number' ? value : '';
    case 'text': return typeof value === 'string' ? value : '';
  }
}

/** The value as the API takes it, or why it cannot be sent (only JSON that does not parse). */
function toWire(field: Field, value: unknown): { value: unknown } | { invalid: true } {
  if (field.kind !== 'json') return { value };
  try {
    return { value: JSON.parse(String(value)) };
  } catch {
    return { invalid: true };
  }
}

function SettingsForm({ app, section, current, fields, editable, legend, onSaved, extra }: {
  app: AppData; section: Section; current: object; fields: Field[]; editable: boolean; legend: string;
  onSaved(app: AppData): void; extra?: ReactNode;
}) {
  const { t } = useI18n();
  const saved = current as Record<string, unknown>;
  const initial = (): FormValues => Object.fromEntries(fields.map((f) => [f.key, toForm(f, saved[f.key])]));
  const [values, setValues] = useState<FormValues>(initial);
  const [error, setError] = useState<unknown>(null);
  const [badJson, setBadJson] = useState<string[]>([]);
  const [status, setStatus] = useState<'saved' | 'unchanged' | null>(null);
  const [busy, setBusy] = useState(false);

  const path = (key: string) => (section ? `${section}.${key}` : key);
  const set = (key: string, value: unknown) => {
    setValues((v) => ({ ...v, [key]: value }));
    setStatus(null);
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setStatus(null);
    const changed: Record<string, unknown> = {};
    const unreadable: string[] = [];
    for (const field of fields) {
      const wire = toWire(field, values[field.key]);
      if ('invalid' in wire) unreadable.push(field.key);
      else if (JSON.stringify(wire.value) !== JSON.stringify(saved[field.key])) changed[field.key] = wire.value;
    }
    setBadJson(unreadable);
    if (unreadable.length > 0) return;
    if (Object.keys(changed).length === 0) {
      setStatus('unchanged');
      return;
    }
    setBusy(true);
    try {
      // Built field by field from the forms above, so typed as the DTO only here; the API validates every value.
      const body = (section ? { [section]: changed } : changed) as UpdateApp;
      const answer = await unwrap(client.PATCH('/admin/apps/{id}', { params: { path: { id: app.id } }, body }));
      const now = (section ? answer[section] : answer) as Record<string, unknown> | null;
      setValues(Object.fromEntries(fields.map((f) => [f.key, toForm(f, now?.[f.key])])));
      setStatus('saved');
      onSaved(answer);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const errorFor = (field: Field): string | undefined =>
    fieldError(error, path(field.key)) ?? (badJson.includes(field.key) ? t({ en: 'This is not valid JSON.', zh: '这不是有效的 JSON。' }) : undefined);
  const shownOnAField = fields.some((f) => fieldError(error, path(f.key)));

  return (
    <form onSubmit={submit}>
      <Fieldset legend={legend} disabled={!editable || busy}>
        <Stack>
          {!shownOnAField && <ErrorAlert error={error} />}
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {fields.filter((f) => f.kind !== 'json').map((f) => <SettingInput key={f.key} field={f} value={values[f.key]} error={errorFor(f)} onChange={(v) => set(f.key, v)} />)}
          </SimpleGrid>
          {fields.filter((f) => f.kind === 'json').map((f) => <SettingInput key={f.key} field={f} value={values[f.key]} error={errorFor(f)} onChange={(v) => set(f.key, v)} />)}
          {editable && (
            <Group justify="space-between" wrap="wrap">
              <Group>
                <Button type="submit" loading={busy}>{t({ en: 'Save', zh: '保存' })}</Button>
                <Text size="sm" c={status === 'saved' ? 'teal' : 'dimmed'} role="status">
                  {status === 'saved' && t({ en: 'Saved', zh: '已保存' })}
                  {status === 'unchanged' && t({ en: 'Nothing changed', zh: '没有修改' })}
                </Text>
              </Group>
              {extra}
            </Group>
          )}
        </Stack>
      </Fieldset>
    </form>
  );
}

function SettingInput({ field, value, error, onChange }: { field: Field; value: unknown; error?: string; onChange(value: unknown): void }) {
  const { t } = useI18n();
  const label = t(field.label);
  const description = field.description && t(field.description);
  switch (field.kind) {
    case 'int':
      // No min or max here: the API holds the ranges and its message names the one missed.
      return <NumberInput label={label} description={description} error={error} required allowDecimal={false}
        value={value as number | string} onChange={onChange} />;
    case 'text':
      return <TextInput label={label} description={description} error={error} required value={value as string}
        onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'bool':
      return <Switch label={label} description={description} error={error} checked={value as boolean}
        onChange={(e) => onChange(e.currentTarget.checked)} mt="md" />;
    case 'tags':
      return <TagsInput label={label} description={description} error={error} value={value as string[]} onChange={onChange}
        splitChars={[',', ' ']} acceptValueOnBlur />;
    case 'choices':
      return <MultiSelect label={label} description={description} error={error} value={value as string[]} onChange={onChange}
        data={field.options} clearable />;
    case 'json':
      return <JsonInput label={label} description={description} error={error} value={value as string} onChange={onChange}
        autosize minRows={2} maxRows={12} styles={{ input: { fontFamily: 'monospace' } }} />;
  }
}
