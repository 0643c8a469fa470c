import { Alert, Badge, Button, Divider, Group, Loader, Modal, MultiSelect, NativeSelect, PasswordInput, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { client, unwrap } from '../api';
import { ErrorAlert, fieldError, formatTime, useLoad } from '../components';
import { useI18n, type Text as I18nText } from '../i18n';
import type { Route } from '../router';
import { useOperator, type AppData, type Operator } from '../session';
import { loadAllApps, nameOf } from './appNames';

type Role = Operator['role'];

const ROLE_TEXT: Record<Role, I18nText> = {
  owner: { en: 'owner', zh: '所有者' },
  admin: { en: 'admin', zh: '管理员' },
  viewer: { en: 'viewer', zh: '只读' },
};

const STATUS_TEXT: Record<Operator['status'], I18nText> = {
  enabled: { en: 'enabled', zh: '已启用' },
  disabled: { en: 'disabled', zh: '已停用' },
};

function useRoleOptions() {
  const { t } = useI18n();
  return (['owner', 'admin', 'viewer'] as const).map((r) => ({ value: r, label: t(ROLE_TEXT[r]) }));
}

/** #/operators (owners): the operators, a new one, and each one's role, apps, status and password. */
export function OperatorsPage(_props: { route: Route; id?: string }) {
  const { t, lang } = useI18n();
  const me = useOperator();
  const operators = useLoad(() => unwrap(client.GET('/admin/operators')), []);
  const apps = useLoad(loadAllApps, []);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Operator | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t({ en: 'Operators', zh: '操作员' })}</Title>
        {me.role === 'owner' && <Button onClick={() => { setCreated(null); setCreating(true); }}>{t({ en: 'New operator', zh: '新建操作员' })}</Button>}
      </Group>
      {created && (
        <Alert color="green" role="status" withCloseButton onClose={() => setCreated(null)} closeButtonLabel={t({ en: 'Dismiss', zh: '关闭' })}>
          {t({ en: 'Operator {name} created.', zh: '已创建操作员 {name}。' }, { name: created })}
        </Alert>
      )}
      <ErrorAlert error={operators.error} />
      <ErrorAlert error={apps.error} title={t({ en: 'Could not load the apps', zh: '无法加载应用列表' })} />
      {operators.loading && !operators.data && <Loader aria-label={t({ en: 'Loading', zh: '加载中' })} />}
      {operators.data && (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label={t({ en: 'Operators', zh: '操作员' })} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t({ en: 'Username', zh: '用户名' })}</Table.Th>
                <Table.Th>{t({ en: 'Role', zh: '角色' })}</Table.Th>
                <Table.Th>{t({ en: 'Apps', zh: '应用' })}</Table.Th>
                <Table.Th>{t({ en: 'Status', zh: '状态' })}</Table.Th>
                <Table.Th>{t({ en: 'Last sign-in', zh: '最近登录' })}</Table.Th>
                <Table.Th>{t({ en: 'Created', zh: '创建时间' })}</Table.Th>
                <Table.Th><VisuallyHidden>{t({ en: 'Actions', zh: '操作' })}</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {operators.data.items.map((o) => (
                <Table.Tr key={o.id}>
                  <Table.Td>{o.username}{o.id === me.id && <Text span c="dimmed" size="xs"> ({t({ en: 'you', zh: '我' })})</Text>}</Table.Td>
                  <Table.Td>{t(ROLE_TEXT[o.role])}</Table.Td>
                  <Table.Td>{o.role === 'admin' ? (o.app_ids.length ? o.app_ids.map((id) => nameOf(apps.data, id)).join(', ') : '—') : t({ en: 'all', zh: '全部' })}</Table.Td>
                  <Table.Td><Badge variant="light" color={o.status === 'enabled' ? 'green' : 'gray'}>{t(STATUS_TEXT[o.status])}</Badge></Table.Td>
                  <Table.Td>{formatTime(o.last_login_at, lang)}</Table.Td>
                  <Table.Td>{formatTime(o.created_at, lang)}</Table.Td>
                  <Table.Td>
                    <Button size="compact-sm" variant="light" onClick={() => setEditing(o)}
                      aria-label={t({ en: 'Edit {name}', zh: '编辑 {name}' }, { name: o.username })}>{t({ en: 'Edit', zh: '编辑' })}</Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {creating && (
        <CreateDialog apps={apps.data ?? []} onClose={(username) => {
          setCreating(false);
          if (username) { setCreated(username); operators.reload(); }
        }} />
      )}
      {editing && (
        <EditDialog operator={editing} apps={apps.data ?? []} onClose={(changed) => {
          setEditing(null);
          if (changed) operators.reload();
        }} />
      )}
    </Stack>
  );
}

/** The apps an admin manages, chosen from the apps list by name. */
function AppsField({ apps, value, onChange, error }: { apps: AppData[]; value: string[]; onChange(ids: string[]): void; error?: string }) {
  const { t } = useI18n();
  // An id the list does not hold (a deleted app) stays choosable, so saving does not drop it unseen.
  const known = new Set(apps.map((a) => a.id));
  const data = [...apps.map((a) => ({ value: a.id, label: a.name })), ...value.filter((id) => !known.has(id)).map((id) => ({ value: id, label: id }))];
  return (
    <MultiSelect label={t({ en: 'Apps', zh: '应用' })} description={t({ en: 'The apps this admin reads and changes', zh: '该管理员可查看和修改的应用' })}
      data={data} value={value} onChange={onChange} searchable clearable error={error}
      nothingFoundMessage={t({ en: 'No such app', zh: '没有匹配的应用' })} comboboxProps={{ withinPortal: true }} />
  );
}

function CreateDialog({ apps, onClose }: { apps: AppData[]; onClose(createdUsername?: string): void }) {
  const { t } = useI18n();
  const roles = useRoleOptions();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [appIds, setAppIds] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await unwrap(client.POST('/admin/operators', {
        body: { username, password, role, ...(role === 'admin' ? { app_ids: appIds } : {}) },
      }));
      onClose(created.username);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const shownOnField = ['username', 'password', 'role', 'app_ids'].some((f) => fieldError(error, f));
  return (
    <Modal opened onClose={() => onClose()} title={t({ en: 'New operator', zh: '新建操作员' })}>
      <form onSubmit={submit}>
        <Stack>
          {!shownOnField && <ErrorAlert error={error} />}
          <TextInput label={t({ en: 'Username', zh: '用户名' })} description={t({ en: 'Letters, digits and . _ - @', zh: '字母、数字及 . _ - @' })}
            value={username} onChange={(e) => setUsername(e.currentTarget.value)} required autoComplete="off" error={fieldError(error, 'username')} data-autofocus />
          <PasswordInput label={t({ en: 'Password', zh: '密码' })} description={t({ en: '12 to 256 characters', zh: '12 至 256 个字符' })}
            value={password} onChange={(e) => setPassword(e.currentTarget.value)} required autoComplete="new-password" error={fieldError(error, 'password')} />
          <NativeSelect label={t({ en: 'Role', zh: '角色' })} data={roles} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} error={fieldError(error, 'role')} />
          {role === 'admin' && <AppsField apps={apps} value={appIds} onChange={setAppIds} error={fieldError(error, 'app_ids')} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => onClose()}>{t({ en: 'Cancel', zh: '取消' })}</Button>
            <Button type="submit" loading={busy}>{t({ en: 'Create operator', zh: '创建操作员' })}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function EditDialog({ operator, apps, onClose }: { operator: Operator; apps: AppData[]; onClose(changed: boolean): void }) {
  const { t } = useI18n();
  const me = useOperator();
  const roles = useRoleOptions();
  const [role, setRole] = useState<Role>(operator.role);
  const [appIds, setAppIds] = useState<string[]>(operator.app_ids);
  const [status, setStatus] = useState<Operator['status']>(operator.status);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [passwordError, setPasswordError] = useState<unknown>(null);
  const [passwordSet, setPasswordSet] = useState(false);
  const [busy, setBusy] = useState<'save' | 'password' | null>(null);

  async function save(event: FormEvent) {
    event.preventDefault();
    // Only what changed is sent: the API audits exactly that.
    const body: { role?: Role; app_ids?: string[]; status?: Operator['status'] } = {};
    if (role !== operator.role) body.role = role;
    if (status !== operator.status) body.status = status;
    if (role === 'admin' && (role !== operator.role || appIds.join() !== operator.app_ids.join())) body.app_ids = appIds;
    if (!Object.keys(body).length) return onClose(false);
    setBusy('save');
    setError(null);
    try {
      await unwrap(client.PATCH('/admin/operators/{id}', { params: { path: { id: operator.id } }, body }));
      // My own role or status changed: the shell reads who I am again (my links and rights follow).
      if (operator.id === me.id) window.location.reload();
      onClose(true);
    } catch (err) {
      setError(err);
      setBusy(null);
    }
  }

  async function resetPassword(event: FormEvent) {
    event.preventDefault();
    setBusy('password');
    setPasswordError(null);
    try {
      await unwrap(client.PATCH('/admin/operators/{id}', { params: { path: { id: operator.id } }, body: { password } }));
      setPassword('');
      setPasswordSet(true);
    } catch (err) {
      setPasswordError(err);
    } finally {
      setBusy(null);
    }
  }

  const shownOnField = ['role', 'app_ids', 'status'].some((f) => fieldError(error, f));
  return (
    <Modal opened onClose={() => onClose(passwordSet)} title={t({ en: 'Edit {name}', zh: '编辑 {name}' }, { name: operator.username })}>
      <Stack>
        <form onSubmit={save} aria-label={t({ en: 'Role and status', zh: '角色与状态' })}>
          <Stack>
            {!shownOnField && <ErrorAlert error={error} />}
            <NativeSelect label={t({ en: 'Role', zh: '角色' })} data={roles} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} error={fieldError(error, 'role')} />
            {role === 'admin' && <AppsField apps={apps} value={appIds} onChange={setAppIds} error={fieldError(error, 'app_ids')} />}
            <NativeSelect label={t({ en: 'Status', zh: '状态' })} value={status} onChange={(e) => setStatus(e.currentTarget.value as Operator['status'])}
              data={[{ value: 'enabled', label: t(STATUS_TEXT.enabled) }, { value: 'disabled', label: t(STATUS_TEXT.disabled) }]}
              description={t({ en: 'Disabling signs the operator out at once', zh: '停用后该操作员会立即退出登录' })} error={fieldError(error, 'status')} />
            {operator.id === me.id && (role !== operator.role || status !== operator.status) && (
              <Text size="sm" c="orange">{t({ en: 'This is your own account: you may lose access to this page.', zh: '这是您自己的账号：修改后您可能无法再访问此页面。' })}</Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => onClose(passwordSet)}>{t({ en: 'Cancel', zh: '取消' })}</Button>
              <Button type="submit" loading={busy === 'save'}>{t({ en: 'Save', zh: '保存' })}</Button>
            </Group>
          </Stack>
        </form>
        <Divider />
        <form onSubmit={resetPassword} aria-label={t({ en: 'Reset password', zh: '重置密码' })}>
          <Stack>
            {!fieldError(passwordError, 'password') && <ErrorAlert error={passwordError} />}
            {passwordSet && (
              <Alert color="green" role="status">
                {t({ en: 'Password set; the operator was signed out everywhere.', zh: '密码已重置，该操作员已在所有设备上退出登录。' })}
              </Alert>
            )}
            <PasswordInput label={t({ en: 'New password', zh: '新密码' })} description={t({ en: '12 to 256 characters; ends the operator\'s sessions', zh: '12 至 256 个字符；将结束该操作员的所有会话' })}
              value={password} onChange={(e) => setPassword(e.currentTarget.value)} required autoComplete="new-password" error={fieldError(passwordError, 'password')} />
            <Group justify="flex-end">
              <Button type="submit" variant="light" loading={busy === 'password'}>{t({ en: 'Reset password', zh: '重置密码' })}</Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Modal>
  );
}
