import { Alert, Badge, Button, Loader, Paper, PasswordInput, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { client, setToken, unwrap } from '../api';
import { ErrorAlert, fieldError, formatTime, useLoad } from '../components';
import { useI18n } from '../i18n';
import type { Route } from '../router';
import { useOperator } from '../session';
import { loadAllApps, nameOf } from './appNames';

/** #/me: who the signed-in operator is, and their own password. */
export function MePage(_props: { route: Route; id?: string }) {
  const { t, lang } = useI18n();
  const me = useOperator();
  const apps = useLoad(() => (me.role === 'admin' ? loadAllApps() : Promise.resolve([])), [me.role]);
  const roleText = { owner: { en: 'owner', zh: '所有者' }, admin: { en: 'admin', zh: '管理员' }, viewer: { en: 'viewer', zh: '只读' } }[me.role];

  return (
    <Stack>
      <Title order={2}>{t({ en: 'My account', zh: '我的账号' })}</Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md">
          <Table aria-label={t({ en: 'My account', zh: '我的账号' })}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th scope="row">{t({ en: 'Username', zh: '用户名' })}</Table.Th>
                <Table.Td data-testid="me-username">{me.username}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t({ en: 'Role', zh: '角色' })}</Table.Th>
                <Table.Td><Badge variant="light">{t(roleText)}</Badge></Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t({ en: 'Apps', zh: '应用' })}</Table.Th>
                <Table.Td>
                  {me.role !== 'admin' ? t({ en: 'all apps', zh: '全部应用' })
                    : apps.loading ? <Loader size="xs" aria-label={t({ en: 'Loading', zh: '加载中' })} />
                    : me.app_ids.length ? me.app_ids.map((id) => nameOf(apps.data, id)).join(', ') : t({ en: 'none', zh: '无' })}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t({ en: 'Last sign-in', zh: '最近登录' })}</Table.Th>
                <Table.Td>{formatTime(me.last_login_at, lang)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t({ en: 'Created', zh: '创建时间' })}</Table.Th>
                <Table.Td>{formatTime(me.created_at, lang)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Paper>
        <ChangePassword />
      </SimpleGrid>
    </Stack>
  );
}

/**
 * The operator's own password. The change ends every token of theirs, this one
 * included, so the operator signs in again with the new password; the shell signs
 * out by itself on the first 401 should they go on instead.
 */
function ChangePassword() {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const mismatch = repeat !== '' && repeat !== next;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    try {
      await unwrap(client.POST('/admin/operators/me/password', { body: { current_password: current, new_password: next } }));
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <Paper withBorder p="md">
        <Stack>
          <Alert color="green" role="status" title={t({ en: 'Password changed', zh: '密码已修改' })}>
            {t({ en: 'Your sessions have ended. Sign in again with the new password.', zh: '您的所有会话已结束，请使用新密码重新登录。' })}
          </Alert>
          <Button onClick={() => setToken(null)}>{t({ en: 'Sign in again', zh: '重新登录' })}</Button>
        </Stack>
      </Paper>
    );
  }

  const onField = fieldError(error, 'current_password') || fieldError(error, 'new_password');
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-labelledby="me-password-title">
      <Stack>
        <Title order={3} size="h4" id="me-password-title">{t({ en: 'Change my password', zh: '修改我的密码' })}</Title>
        {!onField && <ErrorAlert error={error} />}
        <PasswordInput label={t({ en: 'Current password', zh: '当前密码' })} value={current} onChange={(e) => setCurrent(e.currentTarget.value)}
          required autoComplete="current-password" error={fieldError(error, 'current_password')} />
        <PasswordInput label={t({ en: 'New password', zh: '新密码' })} description={t({ en: '12 to 256 characters', zh: '12 至 256 个字符' })}
          value={next} onChange={(e) => setNext(e.currentTarget.value)} required autoComplete="new-password" error={fieldError(error, 'new_password')} />
        <PasswordInput label={t({ en: 'Repeat the new password', zh: '再次输入新密码' })} value={repeat} onChange={(e) => setRepeat(e.currentTarget.value)}
          required autoComplete="new-password" error={mismatch ? t({ en: 'The two new passwords differ', zh: '两次输入的新密码不一致' }) : undefined} />
        <Text size="xs" c="dimmed">{t({ en: 'Changing it signs you out everywhere, here too.', zh: '修改后您将在所有设备上退出登录，包括当前设备。' })}</Text>
        <Button type="submit" loading={busy}>{t({ en: 'Change password', zh: '修改密码' })}</Button>
      </Stack>
    </Paper>
  );
}
