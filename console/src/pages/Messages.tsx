import { Alert, Button, Code, Group, Loader, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { Fragment, useState, type FormEvent } from 'react';
import { client, unwrap } from '../api';
import { ErrorAlert, Pager, fieldError, formatTime, useLoad } from '../components';
import { useI18n } from '../i18n';
import { navigate, type Route } from '../router';
import { useOperator } from '../session';
import { SCENES, StatusBadge, sceneLabel, type Scene, type SmsMessage } from './sms/shared';

type Status = NonNullable<SmsMessage['status']>;
type DeliveryStatus = NonNullable<SmsMessage['delivery_status']>;
const STATUSES: Status[] = ['sending', 'sent', 'failed', 'unknown'];
const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed', 'unknown'];
const PAGE_SIZES = ['20', '50', '100'];

/** The filters as the hash query holds them (`#/messages?app=…&status=sent&page=2`), so a link reproduces the view. */
interface Filters {
  app: string;
  phone: string;
  status: string;
  delivery: string;
  scene: string;
  /** Days (YYYY-MM-DD) in the operator's time zone, both included. */
  from: string;
  to: string;
}

const FILTER_KEYS: (keyof Filters)[] = ['app', 'phone', 'status', 'delivery', 'scene', 'from', 'to'];

function filtersOf(query: URLSearchParams): Filters {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) ?? ''])) as unknown as Filters;
}

/** The start of a local day as ISO 8601; `days` later for the exclusive end of a range. */
function dayStart(day: string, days = 0): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + days);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** #/messages: the send log, one row per provider call, newest first. */
export function MessagesPage({ route }: { route: Route }) {
  const { t, lang } = useI18n();
  const operator = useOperator();
  const applied = filtersOf(route.query);
  const page = Math.max(1, Number(route.query.get('page')) || 1);
  const pageSize = PAGE_SIZES.includes(route.query.get('size') ?? '') ? Number(route.query.get('size')) : 20;
  // An admin reads one of their apps' log at a time: the API refuses a query without app_id.
  const needsApp = operator.role === 'admin' && !applied.app;

  const apps = useLoad(() => unwrap(client.GET('/admin/apps', { params: { query: { page_size: 100 } } })), []);
  const appNames = new Map(apps.data?.items.map((a) => [a.id, a.name]));
  const key = route.query.toString();
  const messages = useLoad(async () => {
    if (needsApp) return undefined;
    return unwrap(client.GET('/admin/sms/messages', {
      params: {
        query: {
          page,
          page_size: pageSize,
          ...(applied.app ? { app_id: applied.app } : {}),
          ...(applied.phone ? { phone: applied.phone } : {}),
          ...(applied.status ? { status: applied.status as Status } : {}),
          ...(applied.delivery ? { delivery_status: applied.delivery as DeliveryStatus } : {}),
          ...(applied.scene ? { scene: applied.scene as Scene } : {}),
          ...(dayStart(applied.from) ? { from: dayStart(applied.from) } : {}),
          ...(dayStart(applied.to, 1) ? { to: dayStart(applied.to, 1) } : {}),
        },
      },
    }));
  }, [key, needsApp]);

  const go = (filters: Filters, next: { page?: number; size?: number } = {}) =>
    navigate('/messages', { ...filters, page: next.page && next.page > 1 ? next.page : undefined, size: (next.size ?? pageSize) === 20 ? undefined : next.size ?? pageSize });

  return (
    <Stack gap="md">
      <Title order={2}>{t({ en: 'Send log', zh: '发送记录' })}</Title>
      <FilterForm key={key} applied={applied} apps={apps.data?.items ?? []} appRequired={operator.role === 'admin'} error={messages.error}
        onApply={(f) => go(f)} onClear={() => go({ app: operator.role === 'admin' ? applied.app : '', phone: '', status: '', delivery: '', scene: '', from: '', to: '' })} />
      <ErrorAlert error={apps.error} />
      {needsApp && (
        <Alert color="blue" title={t({ en: 'Choose an app', zh: '请选择应用' })}>
          {t({ en: 'Admins read the send log of one of their apps at a time: choose the app above.', zh: '应用管理员每次只能查看自己的一个应用的发送记录：请先在上方选择应用。' })}
        </Alert>
      )}
      {!fieldError(messages.error, 'phone') && !fieldError(messages.error, 'from') && !fieldError(messages.error, 'to') && <ErrorAlert error={messages.error} />}
      {messages.loading && !messages.data && !needsApp && <Loader size="sm" aria-label={t({ en: 'Loading', zh: '加载中' })} />}
      {messages.data && (
        <>
          <MessageTable items={messages.data.items} appNames={appNames} lang={lang} />
          <Group justify="space-between" align="flex-end" wrap="wrap">
            <NativeSelect label={t({ en: 'Rows per page', zh: '每页条数' })} value={String(pageSize)} data={PAGE_SIZES} w={140}
              onChange={(e) => go(applied, { size: Number(e.currentTarget.value) })} />
          </Group>
          <Pager total={messages.data.total} page={messages.data.page} pageSize={messages.data.page_size} onChange={(p) => go(applied, { page: p })} />
        </>
      )}
    </Stack>
  );
}

function FilterForm({ applied, apps, appRequired, error, onApply, onClear }: {
  applied: Filters;
  apps: { id: string; name: string }[];
  appRequired: boolean;
  error: unknown;
  onApply(filters: Filters): void;
  onClear(): void;
}) {
  const { t } = useI18n();
  const [f, setF] = useState<Filters>(applied);
  const set = (k: keyof Filters) => (e: { currentTarget: { value: string } }) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ ...f, phone: f.phone.trim() });
  };
  const any = t({ en: 'Any', zh: '全部' });
  return (
    <Paper withBorder p="sm" component="form" onSubmit={submit} role="search" aria-label={t({ en: 'Filter the send log', zh: '筛选发送记录' })}>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <NativeSelect label={t({ en: 'App', zh: '应用' })} value={f.app} onChange={set('app')} required={appRequired}
          data={[{ value: '', label: appRequired ? t({ en: 'Choose an app', zh: '请选择应用' }) : t({ en: 'All apps', zh: '全部应用' }) },
            ...apps.map((a) => ({ value: a.id, label: a.name }))]} />
        <TextInput label={t({ en: 'Phone', zh: '手机号' })} placeholder="+8613800138000" value={f.phone} onChange={set('phone')}
          description={t({ en: 'E.164, exact', zh: 'E.164 格式，精确匹配' })} error={fieldError(error, 'phone')} />
        <NativeSelect label={t({ en: 'Status', zh: '状态' })} value={f.status} onChange={set('status')}
          data={[{ value: '', label: any }, ...STATUSES]} />
        <NativeSelect label={t({ en: 'Delivery status', zh: '送达状态' })} value={f.delivery} onChange={set('delivery')}
          data={[{ value: '', label: any }, ...DELIVERY_STATUSES]} />
        <NativeSelect label={t({ en: 'Scene', zh: '场景' })} value={f.scene} onChange={set('scene')}
          data={[{ value: '', label: any }, ...SCENES.map((s) => ({ value: s.value, label: sceneLabel(s.value, t) }))]} />
        <TextInput type="date" label={t({ en: 'From (day)', zh: '开始日期' })} value={f.from} onChange={set('from')} error={fieldError(error, 'from')} />
        <TextInput type="date" label={t({ en: 'To (day, included)', zh: '结束日期（含）' })} value={f.to} onChange={set('to')} error={fieldError(error, 'to')} />
        <Group align="flex-end" gap="xs">
          <Button type="submit">{t({ en: 'Apply filters', zh: '应用筛选' })}</Button>
          <Button variant="default" onClick={onClear}>{t({ en: 'Clear', zh: '清除' })}</Button>
        </Group>
      </SimpleGrid>
    </Paper>
  );
}

function MessageTable({ items, appNames, lang }: { items: SmsMessage[]; appNames: Map<string, string>; lang: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) => setOpen((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const columns = 9;
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table aria-label={t({ en: 'Send log', zh: '发送记录' })} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th><VisuallyHidden>{t({ en: 'Details', zh: '详情' })}</VisuallyHidden></Table.Th>
            <Table.Th>{t({ en: 'Time', zh: '时间' })}</Table.Th>
            <Table.Th>{t({ en: 'App', zh: '应用' })}</Table.Th>
            <Table.Th>{t({ en: 'Phone', zh: '手机号' })}</Table.Th>
            <Table.Th>{t({ en: 'Scene', zh: '场景' })}</Table.Th>
            <Table.Th>{t({ en: 'Status', zh: '状态' })}</Table.Th>
            <Table.Th>{t({ en: 'Delivery', zh: '送达' })}</Table.Th>
            <Table.Th>{t({ en: 'Provider', zh: '服务商' })}</Table.Th>
            <Table.Th>{t({ en: 'Error', zh: '错误' })}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((m) => {
            const expanded = open.has(m.id);
            return (
              <Fragment key={m.id}>
                <Table.Tr data-testid="message-row">
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" onClick={() => toggle(m.id)} aria-expanded={expanded} aria-controls={`message-${m.id}`}
                      aria-label={t({ en: 'Details of the message to {phone} at {time}', zh: '{time} 发往 {phone} 的短信详情' }, { phone: m.phone, time: formatTime(m.created_at, lang) })}>
                      {expanded ? '−' : '+'}
                    </Button>
                  </Table.Td>
                  <Table.Td>{formatTime(m.created_at, lang)}</Table.Td>
                  <Table.Td>{appNames.get(m.app_id) ?? m.app_id}</Table.Td>
                  <Table.Td>{m.phone}</Table.Td>
                  <Table.Td>{sceneLabel(m.scene, t)}</Table.Td>
                  <Table.Td><StatusBadge status={m.status} /></Table.Td>
                  <Table.Td><StatusBadge status={m.delivery_status} /></Table.Td>
                  <Table.Td>{m.provider ?? '—'}</Table.Td>
                  <Table.Td>{m.error ? <Code>{m.error}</Code> : '—'}</Table.Td>
                </Table.Tr>
                {expanded && (
                  <Table.Tr id={`message-${m.id}`}>
                    <Table.Td colSpan={columns}>
                      <MessageDetails m={m} lang={lang} />
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            );
          })}
          {items.length === 0 && (
            <Table.Tr><Table.Td colSpan={columns}><Text size="sm" c="dimmed">{t({ en: 'No messages match.', zh: '没有符合条件的记录。' })}</Text></Table.Td></Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function MessageDetails({ m, lang }: { m: SmsMessage; lang: string }) {
  const { t } = useI18n();
  const rows: [string, string | number | null | undefined][] = [
    [t({ en: 'Message id', zh: '记录 ID' }), m.id],
    [t({ en: 'Biz id', zh: '服务商消息 ID' }), m.biz_id],
    [t({ en: 'Provider code', zh: '服务商返回码' }), m.provider_code],
    [t({ en: 'Provider message', zh: '服务商返回信息' }), m.provider_message],
    [t({ en: 'Latency (ms)', zh: '耗时（毫秒）' }), m.latency_ms],
    [t({ en: 'Attempt', zh: '尝试次数' }), m.attempt],
    [t({ en: 'Origin', zh: '来源' }), m.origin],
    [t({ en: 'Account', zh: '账号' }), m.account_id],
    [t({ en: 'Template code', zh: '模板编码' }), m.template_code],
    [t({ en: 'Sign name', zh: '签名' }), m.sign_name],
    [t({ en: 'Completed', zh: '完成时间' }), formatTime(m.completed_at, lang)],
    [t({ en: 'Delivery code', zh: '回执码' }), m.delivery_code],
    [t({ en: 'Delivery reported', zh: '回执时间' }), formatTime(m.delivery_reported_at, lang)],
  ];
  return (
    <SimpleGrid component="dl" cols={{ base: 1, sm: 2, md: 3 }} spacing="xs" m={0}>
      {rows.map(([label, value]) => (
        <div key={label}>
          <Text component="dt" size="xs" c="dimmed">{label}</Text>
          <Text component="dd" size="sm" m={0} style={{ wordBreak: 'break-all' }}>{value === null || value === undefined || value === '' ? '—' : String(value)}</Text>
        </div>
      ))}
    </SimpleGrid>
  );
}
