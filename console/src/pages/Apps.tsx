import { Anchor, Badge, Button, Checkbox, Code, Group, Modal, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { client, unwrap } from '../api';
import { ErrorAlert, fieldError, formatTime, Pager, useAction, useLoad } from '../components';
import { useI18n } from '../i18n';
import { href, navigate, type Route } from '../router';
import { useOperator, type AppData } from '../session';
import { SecretModal, type ShownSecret } from './app/AppSettingsSecret';

type Status = AppData['status'];

/** An app's status as a badge, in the list and on the app's page. */
export function StatusBadge({ status }: { status: Status }) {
  const { t } = useI18n();
  return status === 'enabled'
    ? <Badge color="green" variant="light">{t({ en: 'Enabled', zh: '已启用' })}</Badge>
    : <Badge color="gray" variant="light">{t({ en: 'Disabled', zh: '已停用' })}</Badge>;
}

function positive(value: string | null): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** #/apps?q=&status=&page=: the apps the operator may see, filtered and paged by the API. */
export function AppsPage({ route }: { route: Route }) {
  const { t, lang } = useI18n();
  const operator = useOperator();
  const q = route.query.get('q') ?? '';
  const statusParam = route.query.get('status');
  const status: Status | undefined = statusParam === 'enabled' || statusParam === 'disabled' ? statusParam : undefined;
  const page = positive(route.query.get('page')) ?? 1;
  const list = useLoad(
    () => unwrap(client.GET('/admin/apps', { params: { query: { q: q || undefined, status, page } } })),
    [q, status, page],
  );
  const [search, setSearch] = useState(q);
  // A link or the back button changes q: the box shows what the list is filtered by.
  useEffect(() => setSearch(q), [q]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<(ShownSecret & { id: string }) | null>(null);

  // Each filter change starts again at the first page.
  const go = (next: { q?: string; status?: Status; page?: number }) => navigate('/apps', { q: next.q, status: next.status, page: next.page });

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    go({ q: search.trim(), status });
  }

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Title order={2}>{t({ en: 'Apps', zh: '应用' })}</Title>
        {operator.role === 'owner' && <Button onClick={() => setCreating(true)}>{t({ en: 'Create app', zh: '创建应用' })}</Button>}
      </Group>

      <Group component="form" onSubmit={submitSearch} align="flex-end" wrap="wrap" role="search" aria-label={t({ en: 'Find apps', zh: '查找应用' })}>
        <TextInput label={t({ en: 'Name or appkey', zh: '名称或 Appkey' })} value={search} onChange={(e) => setSearch(e.currentTarget.value)}
          type="search" style={{ flex: '1 1 14rem' }} />
        <Select label={t({ en: 'Status', zh: '状态' })} value={status ?? 'all'} allowDeselect={false} style={{ flex: '0 1 10rem' }}
          data={[
            { value: 'all', label: t({ en: 'All', zh: '全部' }) },
            { value: 'enabled', label: t({ en: 'Enabled', zh: '已启用' }) },
            { value: 'disabled', label: t({ en: 'Disabled', zh: '已停用' }) },
          ]}
          onChange={(v) => go({ q, status: v === 'enabled' || v === 'disabled' ? v : undefined })} />
        <Button type="submit" variant="light">{t({ en: 'Search', zh: '搜索' })}</Button>
      </Group>

      <ErrorAlert error={list.error} />
      {list.data && (
        <>
          <Table.ScrollContainer minWidth={560}>
            <Table striped highlightOnHover aria-label={t({ en: 'Apps', zh: '应用' })}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t({ en: 'Name', zh: '名称' })}</Table.Th>
                  <Table.Th>{t({ en: 'Appkey', zh: 'Appkey' })}</Table.Th>
                  <Table.Th>{t({ en: 'Status', zh: '状态' })}</Table.Th>
                  <Table.Th>{t({ en: 'Created', zh: '创建时间' })}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((app) => (
                  <Table.Tr key={app.id}>
                    <Table.Td><Anchor href={href(`/apps/${app.id}`)}>{app.name}</Anchor></Table.Td>
                    <Table.Td><Code>{app.appkey}</Code></Table.Td>
                    <Table.Td><StatusBadge status={app.status} /></Table.Td>
                    <Table.Td>{formatTime(app.created_at, lang)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {list.data.items.length === 0 && <Text c="dimmed">{t({ en: 'No apps match.', zh: '没有符合条件的应用。' })}</Text>}
          <Pager total={list.data.total} page={list.data.page} pageSize={list.data.page_size}
            onChange={(p) => navigate('/apps', { q, status, page: p })} />
        </>
      )}

      <CreateAppModal opened={creating} onClose={() => setCreating(false)}
        onCreated={(app) => { setCreating(false); setCreated(app); }} />
      <SecretModal shown={created} title={t({ en: 'App created', zh: '应用已创建' })}
        onClose={() => {
          const id = created?.id;
          setCreated(null);
          if (id) navigate(`/apps/${id}`);
        }} />
    </Stack>
  );
}

/** POST /admin/apps with a name; the other settings start at the API's defaults and are changed on the app's page. */
function CreateAppModal({ opened, onClose, onCreated }: { opened: boolean; onClose(): void; onCreated(app: ShownSecret & { id: string }): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [withLogin, setWithLogin] = useState(true);
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    // Without login_config the API configures login with its defaults; null leaves it unconfigured.
    await run(() => unwrap(client.POST('/admin/apps', { body: { name, ...(withLogin ? {} : { login_config: null }) } })), (app) => {
      setName('');
      setWithLogin(true);
      onCreated({ id: app.id, appkey: app.appkey, secret: app.secret });
    });
  }

  const nameError = fieldError(error, 'name');
  return (
    <Modal opened={opened} onClose={onClose} title={t({ en: 'Create app', zh: '创建应用' })}>
      <Stack component="form" onSubmit={submit}>
        {!nameError && <ErrorAlert error={error} />}
        <TextInput label={t({ en: 'Name', zh: '名称' })} value={name} onChange={(e) => setName(e.currentTarget.value)}
          required data-autofocus error={nameError} />
        <Checkbox label={t({ en: 'Set up SMS login with the default settings', zh: '使用默认设置开启短信登录' })}
          description={t({ en: 'Every setting can be changed on the app\'s page.', zh: '所有设置都可以在应用页面中修改。' })}
          checked={withLogin} onChange={(e) => setWithLogin(e.currentTarget.checked)} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t({ en: 'Cancel', zh: '取消' })}</Button>
          <Button type="submit" loading={busy}>{t({ en: 'Create', zh: '创建' })}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
