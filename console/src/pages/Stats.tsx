import { Anchor, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { client, unwrap } from '../api';
import { ErrorAlert, useLoad } from '../components';
import { useI18n } from '../i18n';
import { href, navigate, type Route } from '../router';
import { loadAllApps, nameOf } from './appNames';
import { formatConversion, StatsRange, StatsReport } from './statsReport';

/** #/stats?from=…&to=…: every app's statistics together (owners and viewers), and each app's totals. */
export function StatsPage({ route }: { route: Route; id?: string }) {
  const { t } = useI18n();
  const from = route.query.get('from') || undefined;
  const to = route.query.get('to') || undefined;
  const stats = useLoad(() => unwrap(client.GET('/admin/stats', { params: { query: { from, to } } })), [from, to]);
  const apps = useLoad(loadAllApps, []);

  return (
    <Stack>
      <Title order={2}>{t({ en: 'Statistics', zh: '统计' })}</Title>
      <StatsRange from={from} to={to} answered={stats.data} error={stats.error} onChange={(r) => navigate('/stats', r)} />
      <ErrorAlert error={stats.error} />
      {stats.loading && !stats.data && <Loader aria-label={t({ en: 'Loading', zh: '加载中' })} />}
      {stats.data && (
        <>
          <StatsReport data={stats.data} />
          <Title order={3} size="h5">{t({ en: 'By app', zh: '按应用' })}</Title>
          {stats.data.apps.length === 0 ? <Text c="dimmed" size="sm">{t({ en: 'No app had any activity in this range.', zh: '此范围内没有应用有发送记录。' })}</Text> : (
            <Table.ScrollContainer minWidth={480}>
              <Table aria-label={t({ en: 'By app', zh: '按应用' })} striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t({ en: 'App', zh: '应用' })}</Table.Th>
                    <Table.Th>{t({ en: 'Sent', zh: '已发送' })}</Table.Th>
                    <Table.Th>{t({ en: 'Approved', zh: '验证通过' })}</Table.Th>
                    <Table.Th>{t({ en: 'Conversion', zh: '转化率' })}</Table.Th>
                    <Table.Th>{t({ en: 'Failed', zh: '失败' })}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {stats.data.apps.map((a) => (
                    <Table.Tr key={a.app_id}>
                      <Table.Td><Anchor href={href(`/apps/${a.app_id}`, { tab: 'stats', from, to })}>{nameOf(apps.data, a.app_id)}</Anchor></Table.Td>
                      <Table.Td>{a.sent}</Table.Td>
                      <Table.Td>{a.approved}</Table.Td>
                      <Table.Td>{formatConversion(a.conversion)}</Table.Td>
                      <Table.Td>{a.failed}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </>
      )}
    </Stack>
  );
}
