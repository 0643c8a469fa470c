import { Anchor, Button, Code, Group, Loader, Modal, NativeSelect, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { client, unwrap } from '../api';
import { ErrorAlert, fieldError, formatTime, useLoad } from '../components';
import { useI18n } from '../i18n';
import { href, navigate, type Route } from '../router';
import { useOperator } from '../session';
import { AccountPanel, FormErrors } from './sms/AccountPanel';
import { ProviderFields, hasSettings, providerBody, settingsValues, type ProviderValues } from './sms/ProviderFields';
import { PROVIDERS, StatusBadge, useAction, type Provider, type SmsAccount } from './sms/shared';

/**
 * #/sms: the shared SMS accounts (#/sms?account=<id> opens one's signatures and templates)
 * and each account's circuit. Owners change them; admins and viewers read.
 */
export function SmsPage({ route }: { route: Route }) {
  const { t, lang } = useI18n();
  const operator = useOperator();
  const canChange = operator.role === 'owner';
  const accounts = useLoad(() => unwrap(client.GET('/admin/sms/accounts')), []);
  const toggle = useAction();
  const [editing, setEditing] = useState<SmsAccount | null>(null);
  const openId = route.query.get('account');
  const open = accounts.data?.items.find((a) => a.id === openId);

  const setStatus = (a: SmsAccount, enable: boolean) => toggle.run(
    () => unwrap(enable
      ? client.POST('/admin/sms/accounts/{id}/enable', { params: { path: { id: a.id } } })
      : client.POST('/admin/sms/accounts/{id}/disable', { params: { path: { id: a.id } } })),
    accounts.reload,
  );

  return (
    <Stack gap="lg">
      <Title order={2}>{t({ en: 'SMS accounts', zh: '短信账号' })}</Title>
      <ErrorAlert error={accounts.error} />
      <ErrorAlert error={toggle.error} />
      {accounts.loading && !accounts.data && <Loader size="sm" aria-label={t({ en: 'Loading', zh: '加载中' })} />}
      {accounts.data && (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label={t({ en: 'SMS accounts', zh: '短信账号' })} striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t({ en: 'Name', zh: '名称' })}</Table.Th>
                <Table.Th>{t({ en: 'Provider', zh: '服务商' })}</Table.Th>
                <Table.Th>{t({ en: 'Credential', zh: '凭据' })}</Table.Th>
                <Table.Th>{t({ en: 'Settings', zh: '设置' })}</Table.Th>
                <Table.Th>{t({ en: 'Status', zh: '状态' })}</Table.Th>
                <Table.Th>{t({ en: 'Updated', zh: '更新时间' })}</Table.Th>
                {canChange && <Table.Th>{t({ en: 'Actions', zh: '操作' })}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {accounts.data.items.map((a) => (
                <Table.Tr key={a.id} aria-selected={a.id === openId}>
                  <Table.Td>
                    <Anchor href={href('/sms', { account: a.id === openId ? undefined : a.id })} aria-current={a.id === openId ? 'true' : undefined}>{a.name}</Anchor>
                  </Table.Td>
                  <Table.Td>{a.provider}</Table.Td>
                  <Table.Td><Code>{a.credential_id ?? '—'}</Code></Table.Td>
                  <Table.Td>
                    {Object.entries(a.settings).length === 0 ? '—' : Object.entries(a.settings).map(([k, v]) => <Text key={k} size="xs">{k}: {String(v)}</Text>)}
                  </Table.Td>
                  <Table.Td><StatusBadge status={a.status} /></Table.Td>
                  <Table.Td>{formatTime(a.updated_at, lang)}</Table.Td>
                  {canChange && (
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button size="xs" variant="default" onClick={() => setEditing(a)} aria-label={t({ en: 'Edit account {name}', zh: '编辑账号 {name}' }, { name: a.name })}>
                          {t({ en: 'Edit', zh: '编辑' })}
                        </Button>
                        <Button size="xs" variant="light" disabled={toggle.busy} onClick={() => setStatus(a, a.status !== 'enabled')}
                          aria-label={a.status === 'enabled' ? t({ en: 'Disable account {name}', zh: '停用账号 {name}' }, { name: a.name }) : t({ en: 'Enable account {name}', zh: '启用账号 {name}' }, { name: a.name })}>
                          {a.status === 'enabled' ? t({ en: 'Disable', zh: '停用' }) : t({ en: 'Enable', zh: '启用' })}
                        </Button>
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
              {accounts.data.items.length === 0 && (
                <Table.Tr><Table.Td colSpan={7}><Text size="sm" c="dimmed">{t({ en: 'No SMS accounts yet.', zh: '暂无短信账号。' })}</Text></Table.Td></Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      {open && (
        <Paper withBorder p="md" component="section" aria-label={t({ en: 'Account {name}', zh: '账号 {name}' }, { name: open.name })}>
          <Group justify="space-between" mb="sm">
            <Title order={3}>{open.name} <Text span c="dimmed" size="sm">({open.provider})</Text></Title>
            <Button variant="subtle" size="xs" onClick={() => navigate('/sms')}>{t({ en: 'Close account', zh: '收起账号' })}</Button>
          </Group>
          <AccountPanel key={open.id} account={open} canChange={canChange} />
        </Paper>
      )}
      {openId && accounts.data && !open && <ErrorAlert error={new Error(t({ en: 'No SMS account {id}', zh: '没有短信账号 {id}' }, { id: openId }))} />}

      {canChange && <CreateAccount onCreated={(a) => { accounts.reload(); navigate('/sms', { account: a.id }); }} />}
      <Health names={new Map(accounts.data?.items.map((a) => [a.id, a.name]))} />
      {editing && <EditAccount account={editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); accounts.reload(); }} />}
    </Stack>
  );
}

function CreateAccount({ onCreated }: { onCreated(account: SmsAccount): void }) {
  const { t } = useI18n();
  const create = useAction();
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<Provider>('console');
  const [endpoint, setEndpoint] = useState('');
  const [values, setValues] = useState<ProviderValues>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { name, provider, protocol: 'https' as const, ...providerBody(provider, values), ...(endpoint ? { endpoint } : {}) };
    void create.run(() => unwrap(client.POST('/admin/sms/accounts', { body })), (account) => {
      // The secrets leave the browser's memory with the form: the API never answers them back.
      setName('');
      setEndpoint('');
      setValues({});
      onCreated(account);
    });
  };

  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label={t({ en: 'New SMS account', zh: '新建短信账号' })}>
      <Title order={3} mb="sm">{t({ en: 'New SMS account', zh: '新建短信账号' })}</Title>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label={t({ en: 'Account name', zh: '账号名称' })} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(create.error, 'name')} />
          <NativeSelect label={t({ en: 'Provider', zh: '服务商' })} value={provider} data={PROVIDERS} error={fieldError(create.error, 'provider')}
            onChange={(e) => { setProvider(e.currentTarget.value as Provider); setValues({}); }} />
          {provider !== 'console' && (
            <TextInput label={t({ en: 'Endpoint (optional)', zh: '接入地址（可选）' })} placeholder="host[:port]" value={endpoint}
              onChange={(e) => setEndpoint(e.currentTarget.value)} error={fieldError(create.error, 'endpoint')} />
          )}
        </SimpleGrid>
        {provider === 'console' && (
          <Text size="sm" c="dimmed">{t({ en: 'The console provider sends nothing: it writes each message to the server\'s log.', zh: 'console 渠道不真正发送：每条短信写入服务器日志。' })}</Text>
        )}
        <ProviderFields provider={provider} values={values} onChange={setValues} error={create.error} />
        <FormErrors error={create.error} fields={['name', 'provider', 'endpoint', 'credentials', 'settings', 'access_key_id', 'access_key_secret']} />
        <Group><Button type="submit" loading={create.busy}>{t({ en: 'Create account', zh: '创建账号' })}</Button></Group>
      </Stack>
    </Paper>
  );
}

/** PATCH /admin/sms/accounts/:id: name, endpoint, timeout; typed credentials replace the old ones whole, settings likewise. */
function EditAccount({ account, onClose, onSaved }: { account: SmsAccount; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const save = useAction();
  const [name, setName] = useState(account.name);
  const [endpoint, setEndpoint] = useState(account.endpoint ?? '');
  const [timeout, setTimeoutMs] = useState<string | number>(account.timeout_ms ?? '');
  const [values, setValues] = useState<ProviderValues>(settingsValues(account.settings));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { credentials, settings } = providerBody(account.provider, values);
    const body = {
      name,
      ...(endpoint !== (account.endpoint ?? '') ? { endpoint: endpoint || null } : {}),
      ...(timeout !== '' && Number(timeout) !== account.timeout_ms ? { timeout_ms: Number(timeout) } : {}),
      ...(credentials ? { credentials } : {}),
      ...(hasSettings(account.provider) ? { settings: settings ?? {} } : {}),
    };
    void save.run(() => unwrap(client.PATCH('/admin/sms/accounts/{id}', { params: { path: { id: account.id } }, body })), onSaved);
  };

  return (
    <Modal opened onClose={onClose} size="lg" title={t({ en: 'Edit account {name}', zh: '编辑账号 {name}' }, { name: account.name })}
      closeButtonProps={{ 'aria-label': t({ en: 'Close', zh: '关闭' }) }}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label={t({ en: 'Account name', zh: '账号名称' })} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, 'name')} />
          {account.provider !== 'console' && (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label={t({ en: 'Endpoint (optional)', zh: '接入地址（可选）' })} placeholder="host[:port]" value={endpoint}
                onChange={(e) => setEndpoint(e.currentTarget.value)} error={fieldError(save.error, 'endpoint')} />
              <NumberInput label={t({ en: 'Timeout (ms)', zh: '超时（毫秒）' })} min={1} value={timeout} onChange={setTimeoutMs} error={fieldError(save.error, 'timeout_ms')} />
            </SimpleGrid>
          )}
          <ProviderFields provider={account.provider} values={values} onChange={setValues} error={save.error} replacing />
          <FormErrors error={save.error} fields={['name', 'endpoint', 'timeout_ms', 'credentials', 'settings']} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t({ en: 'Cancel', zh: '取消' })}</Button>
            <Button type="submit" loading={save.busy}>{t({ en: 'Save account', zh: '保存账号' })}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** GET /admin/sms/health: each account's circuit in the instance that answered. */
function Health({ names }: { names: Map<string, string> }) {
  const { t, lang } = useI18n();
  const health = useLoad(() => unwrap(client.GET('/admin/sms/health')), []);
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={3}>{t({ en: 'Provider health', zh: '服务商健康状况' })}</Title>
        <Button size="xs" variant="subtle" onClick={health.reload} loading={health.loading}>{t({ en: 'Refresh health', zh: '刷新健康状况' })}</Button>
      </Group>
      <ErrorAlert error={health.error} />
      {health.data && (health.data.items.length === 0
        ? <Text size="sm" c="dimmed">{t({ en: 'No provider calls yet in this instance.', zh: '本实例尚未调用服务商。' })}</Text>
        : (
          <Table.ScrollContainer minWidth={560}>
            <Table aria-label={t({ en: 'Provider health', zh: '服务商健康状况' })}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t({ en: 'Account', zh: '账号' })}</Table.Th>
                  <Table.Th>{t({ en: 'Circuit', zh: '熔断状态' })}</Table.Th>
                  <Table.Th>{t({ en: 'Calls', zh: '调用数' })}</Table.Th>
                  <Table.Th>{t({ en: 'Failures', zh: '失败数' })}</Table.Th>
                  <Table.Th>{t({ en: 'Opened', zh: '熔断时间' })}</Table.Th>
                  <Table.Th>{t({ en: 'Retry at', zh: '重试时间' })}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {health.data.items.map((c) => (
                  <Table.Tr key={c.account_id}>
                    <Table.Td>{names.get(c.account_id) ?? c.account_id}</Table.Td>
                    <Table.Td><StatusBadge status={c.state} /></Table.Td>
                    <Table.Td>{c.calls}</Table.Td>
                    <Table.Td>{c.failures}</Table.Td>
                    <Table.Td>{formatTime(c.opened_at, lang)}</Table.Td>
                    <Table.Td>{formatTime(c.retry_at, lang)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ))}
    </Stack>
  );
}
