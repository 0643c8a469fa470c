import { Anchor, Button, Code, Group, Loader, Modal, NumberInput, Stack, Tabs, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { client, unwrap } from '../api';
import { ErrorAlert, fieldError, formatTime, useAction, useLoad } from '../components';
import { useI18n } from '../i18n';
import { href, navigate, type Route } from '../router';
import { canChangeApp, useOperator, type AppData } from '../session';
import { StatusBadge } from './Apps';
import { AppFraud } from './app/AppFraud';
import { AppSettings, ConfirmModal } from './app/AppSettings';
import { CopyIcon, SecretModal, type ShownSecret } from './app/AppSettingsSecret';
import { AppSms } from './app/AppSms';
import { AppStats } from './app/AppStats';

const TABS = ['settings', 'sms', 'stats', 'fraud'] as const;
type Tab = (typeof TABS)[number];

function isTab(value: string | null): value is Tab {
  return (TABS as readonly (string | null)[]).includes(value);
}

/** #/apps/<id>?tab=: one app, its actions and its tabs. */
export function AppDetailPage({ id, route }: { id: string; route: Route }) {
  const { t } = useI18n();
  const loaded = useLoad(() => unwrap(client.GET('/admin/apps/{id}', { params: { path: { id } } })), [id]);
  // What the last action answered replaces what was loaded, until another app is opened.
  const [changed, setChanged] = useState<AppData | null>(null);
  // useLoad keeps the previous app while the next one loads: show only this one.
  const app = changed?.id === id ? changed : loaded.data?.id === id ? loaded.data : undefined;

  if (loaded.error) {
    return (
      <Stack>
        <Anchor href={href('/apps')}>{t({ en: '← Apps', zh: '← 应用' })}</Anchor>
        <ErrorAlert error={loaded.error} />
      </Stack>
    );
  }
  if (!app) return <Loader aria-label={t({ en: 'Loading', zh: '加载中' })} />;
  // Keyed by the app, so the forms start again from each app's own settings.
  return <AppView key={app.id} app={app} route={route} onChange={setChanged} />;
}

function AppView({ app, route, onChange }: { app: AppData; route: Route; onChange(app: AppData): void }) {
  const { t, lang } = useI18n();
  const operator = useOperator();
  const editable = canChangeApp(operator, app.id);
  const tabParam = route.query.get('tab');
  const tab: Tab = isTab(tabParam) ? tabParam : 'settings';

  return (
    <Stack>
      <Anchor href={href('/apps')} size="sm">{t({ en: '← Apps', zh: '← 应用' })}</Anchor>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Group gap="sm" wrap="wrap">
            <Title order={2} style={{ overflowWrap: 'anywhere' }}>{app.name}</Title>
            <StatusBadge status={app.status} />
          </Group>
          <Group gap={4} wrap="nowrap">
            <Text size="sm" c="dimmed">{t({ en: 'Appkey', zh: 'Appkey' })}</Text>
            <Code data-testid="appkey">{app.appkey}</Code>
            <CopyIcon value={app.appkey} label={t({ en: 'Copy appkey', zh: '复制 Appkey' })} />
          </Group>
          {app.previous_secret_valid_until && (
            <Text size="sm" c="dimmed">
              {t({ en: 'The previous secret still signs until {time}.', zh: '旧密钥在 {time} 之前仍可签名。' }, { time: formatTime(app.previous_secret_valid_until, lang) })}
            </Text>
          )}
          {operator.role !== 'admin' && (
            <Anchor href={href('/audit', { target_id: app.id })} size="sm">{t({ en: 'Audit log', zh: '审计日志' })}</Anchor>
          )}
        </Stack>
        {editable && <AppActions app={app} onChange={onChange} />}
      </Group>

      <Tabs value={tab} keepMounted={false} onChange={(v) => navigate(`/apps/${app.id}`, { tab: v === 'settings' ? undefined : v })}>
        <Tabs.List>
          <Tabs.Tab value="settings">{t({ en: 'Settings', zh: '设置' })}</Tabs.Tab>
          <Tabs.Tab value="sms">{t({ en: 'SMS', zh: '短信' })}</Tabs.Tab>
          <Tabs.Tab value="stats">{t({ en: 'Statistics', zh: '统计' })}</Tabs.Tab>
          <Tabs.Tab value="fraud">{t({ en: 'Fraud guard', zh: '防刷保护' })}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="settings" pt="md"><AppSettings app={app} editable={editable} onSaved={onChange} /></Tabs.Panel>
        <Tabs.Panel value="sms" pt="md"><AppSms app={app} /></Tabs.Panel>
        <Tabs.Panel value="stats" pt="md"><AppStats app={app} /></Tabs.Panel>
        <Tabs.Panel value="fraud" pt="md"><AppFraud app={app} /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** Enable or disable (after a question), and rotate the secret (shown once). */
function AppActions({ app, onChange }: { app: AppData; onChange(app: AppData): void }) {
  const { t } = useI18n();
  const { busy, error, run, clear } = useAction();
  const [confirmingDisable, setConfirmingDisable] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState<ShownSecret | null>(null);

  function setStatus(status: 'enable' | 'disable') {
    const path = status === 'enable' ? '/admin/apps/{id}/enable' : '/admin/apps/{id}/disable';
    return run(() => unwrap(client.POST(path, { params: { path: { id: app.id } } })), (changed) => {
      onChange(changed);
      setConfirmingDisable(false);
    });
  }

  return (
    <Stack gap="xs" align="flex-end">
      <Group gap="xs" wrap="wrap">
        {app.status === 'enabled'
          ? <Button variant="light" color="red" onClick={() => { clear(); setConfirmingDisable(true); }}>{t({ en: 'Disable', zh: '停用' })}</Button>
          : <Button variant="light" color="green" loading={busy} onClick={() => setStatus('enable')}>{t({ en: 'Enable', zh: '启用' })}</Button>}
        <Button variant="light" onClick={() => setRotating(true)}>{t({ en: 'Rotate secret', zh: '轮换密钥' })}</Button>
      </Group>
      {!confirmingDisable && <ErrorAlert error={error} />}

      <ConfirmModal opened={confirmingDisable} busy={busy} error={error} onCancel={() => setConfirmingDisable(false)} onConfirm={() => setStatus('disable')}
        title={t({ en: 'Disable {name}?', zh: '停用 {name}？' }, { name: app.name })} confirmLabel={t({ en: 'Disable', zh: '停用' })}>
        {t({
          en: 'Its appkey will be refused and its users\' tokens will stop working until it is enabled again.',
          zh: '在重新启用之前，它的 Appkey 将被拒绝，其用户的令牌也将失效。',
        })}
      </ConfirmModal>
      <RotateSecretModal app={app} opened={rotating} onClose={() => setRotating(false)}
        onRotated={(answer) => {
          const { secret, ...rest } = answer;
          setRotating(false);
          onChange(rest);
          setRotated({ appkey: answer.appkey, secret });
        }} />
      <SecretModal shown={rotated} title={t({ en: 'New secret', zh: '新密钥' })} onClose={() => setRotated(null)} />
    </Stack>
  );
}

type AppWithSecret = AppData & { secret: string };

function RotateSecretModal({ app, opened, onClose, onRotated }: { app: AppData; opened: boolean; onClose(): void; onRotated(app: AppWithSecret): void }) {
  const { t } = useI18n();
  const [grace, setGrace] = useState<number | string>(0);
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    // A value the API cannot take (a fraction, text) goes as typed, for its message.
    const body = { grace_s: grace as number };
    await run(() => unwrap(client.POST('/admin/apps/{id}/rotate-secret', { params: { path: { id: app.id } }, body })), (rotated) => {
      onRotated(rotated);
      setGrace(0);
    });
  }

  const graceError = fieldError(error, 'grace_s');
  return (
    <Modal opened={opened} onClose={onClose} title={t({ en: 'Rotate the secret', zh: '轮换密钥' })}>
      <Stack component="form" onSubmit={submit}>
        {!graceError && <ErrorAlert error={error} />}
        <Text size="sm">
          {t({ en: 'A new secret is made and shown once. Requests signed with the current one are refused after the grace period.', zh: '将生成新密钥并仅显示一次。宽限期结束后，用当前密钥签名的请求将被拒绝。' })}
        </Text>
        <NumberInput label={t({ en: 'Grace period (seconds)', zh: '宽限期（秒）' })}
          description={t({ en: 'How long the current secret keeps working; 0 ends it now', zh: '当前密钥继续有效的时长；0 表示立即失效' })}
          value={grace} onChange={setGrace} allowDecimal={false} required error={graceError} data-autofocus />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t({ en: 'Cancel', zh: '取消' })}</Button>
          <Button type="submit" loading={busy}>{t({ en: 'Rotate', zh: '轮换' })}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
