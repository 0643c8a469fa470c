import { Anchor, Button, Code, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import type { components } from '../../../test/support/openapi/schema';
import { client, unwrap } from '../api';
import { ErrorAlert, fieldError, formatTime, Pager, useLoad } from '../components';
import { useI18n } from '../i18n';
import { href, navigate, type Route } from '../router';

type AuditEntry = components['schemas']['AuditEntryData'];

const PAGE_SIZE = 50;
const FILTERS = ['target_type', 'target_id', 'action'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** #/audit?target_type=…&target_id=…&action=…&page=…: who changed what, newest first (owners and viewers). */
export function AuditPage({ route }: { route: Route; id?: string }) {
  const { t } = useI18n();
  const applied: Filters = { target_type: route.query.get('target_type') ?? '', target_id: route.query.get('target_id') ?? '', action: route.query.get('action') ?? '' };
  const page = Math.max(1, Number(route.query.get('page')) || 1);
  const [draft, setDraft] = useState<Filters>(applied);
  const key = JSON.stringify(applied);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setDraft(applied), [key]);

  const log = useLoad(() => unwrap(client.GET('/admin/audit-log', {
    params: { query: { page, page_size: PAGE_SIZE, target_type: applied.target_type || undefined, target_id: applied.target_id || undefined, action: applied.action || undefined } },
  })), [key, page]);

  function submit(event: FormEvent) {
    event.preventDefault();
    navigate('/audit', { ...draft });
  }

  return (
    <Stack>
      <Title order={2}>{t({ en: 'Audit log', zh: '审计日志' })}</Title>
      <form onSubmit={submit} aria-label={t({ en: 'Filters', zh: '筛选' })}>
        <Group align="flex-end" wrap="wrap">
          <TextInput label={t({ en: 'Action', zh: '操作' })} placeholder="app.update" value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })} error={fieldError(log.error, 'action')} />
          <TextInput label={t({ en: 'Target type', zh: '对象类型' })} placeholder="app" value={draft.target_type}
            onChange={(e) => setDraft({ ...draft, target_type: e.currentTarget.value })} error={fieldError(log.error, 'target_type')} />
          <TextInput label={t({ en: 'Target id', zh: '对象 ID' })} value={draft.target_id}
            onChange={(e) => setDraft({ ...draft, target_id: e.currentTarget.value })} error={fieldError(log.error, 'target_id')} />
          <Button type="submit">{t({ en: 'Filter', zh: '筛选' })}</Button>
          {(applied.action || applied.target_type || applied.target_id) && (
            <Button variant="subtle" component="a" href={href('/audit')}>{t({ en: 'Clear filters', zh: '清除筛选' })}</Button>
          )}
        </Group>
      </form>
      <ErrorAlert error={log.error} />
      {log.loading && !log.data && <Loader aria-label={t({ en: 'Loading', zh: '加载中' })} />}
      {log.data && (
        <>
          {log.data.items.length === 0 ? <Text c="dimmed">{t({ en: 'No entries.', zh: '没有记录。' })}</Text> : (
            <Table.ScrollContainer minWidth={760}>
              <Table aria-label={t({ en: 'Audit log', zh: '审计日志' })} striped verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t({ en: 'Time', zh: '时间' })}</Table.Th>
                    <Table.Th>{t({ en: 'Actor', zh: '操作者' })}</Table.Th>
                    <Table.Th>{t({ en: 'Action', zh: '操作' })}</Table.Th>
                    <Table.Th>{t({ en: 'Target', zh: '对象' })}</Table.Th>
                    <Table.Th>{t({ en: 'Details', zh: '详情' })}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {log.data.items.map((entry) => <AuditRow key={entry.id} entry={entry} />)}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <Pager total={log.data.total} page={page} pageSize={PAGE_SIZE} onChange={(p) => navigate('/audit', { ...applied, page: p })} />
        </>
      )}
    </Stack>
  );
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  const { t, lang } = useI18n();
  const [open, setOpen] = useState(false);
  const detailsId = `audit-details-${entry.id}`;
  const hasDetails = Object.keys(entry.details).length > 0 || entry.ip;
  return (
    <Table.Tr>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatTime(entry.created_at, lang)}</Table.Td>
      <Table.Td>{entry.operator}</Table.Td>
      <Table.Td>
        <Anchor href={href('/audit', { action: entry.action })} ff="monospace" size="sm"
          aria-label={t({ en: 'Only {action} entries', zh: '只看 {action} 记录' }, { action: entry.action })}>{entry.action}</Anchor>
      </Table.Td>
      <Table.Td>
        <Text size="sm" span>{entry.target_type}</Text>{' '}
        {entry.target_id && (
          entry.target_type === 'app'
            ? <Anchor href={href(`/apps/${entry.target_id}`)} size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>{entry.target_id}</Anchor>
            : <Anchor href={href('/audit', { target_id: entry.target_id })} size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}
                aria-label={t({ en: 'Only entries about {id}', zh: '只看关于 {id} 的记录' }, { id: entry.target_id })}>{entry.target_id}</Anchor>
        )}
      </Table.Td>
      <Table.Td miw={open ? 260 : undefined}>
        {hasDetails ? (
          <>
            <Button variant="subtle" size="compact-xs" onClick={() => setOpen(!open)} aria-expanded={open} aria-controls={detailsId}>
              {open ? t({ en: 'Hide details', zh: '收起详情' }) : t({ en: 'Show details', zh: '展开详情' })}
            </Button>
            <div id={detailsId} hidden={!open}>
              {open && entry.ip && <Text size="xs" c="dimmed">{t({ en: 'From {ip}', zh: '来自 {ip}' }, { ip: entry.ip })}</Text>}
              {open && (
                <Code block mt={4} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxWidth: 420 }}>
                  {JSON.stringify(entry.details, null, 2)}
                </Code>
              )}
            </div>
          </>
        ) : <Text size="sm" c="dimmed">—</Text>}
      </Table.Td>
    </Table.Tr>
  );
}
