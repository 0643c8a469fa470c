import { Loader, Stack } from '@mantine/core';
import { client, unwrap } from '../../api';
import { ErrorAlert, useLoad } from '../../components';
import { useI18n } from '../../i18n';
import { navigate, useRoute } from '../../router';
import type { AppData } from '../../session';
import { StatsRange, StatsReport } from '../statsReport';

/**
 * One app's statistics for a range (GET /admin/apps/:id/stats). The range is kept in the
 * hash query beside the app page's own parameters, so a link reproduces the view.
 */
export function AppStats({ app }: { app: AppData }) {
  const { t } = useI18n();
  const route = useRoute();
  const from = route.query.get('from') || undefined;
  const to = route.query.get('to') || undefined;
  const stats = useLoad(() => unwrap(client.GET('/admin/apps/{id}/stats', { params: { path: { id: app.id }, query: { from, to } } })), [app.id, from, to]);

  function setRange(range: { from?: string; to?: string }) {
    const query: Record<string, string | undefined> = Object.fromEntries(route.query.entries());
    navigate(`/${route.segments.map(encodeURIComponent).join('/')}`, { ...query, from: range.from, to: range.to });
  }

  return (
    <Stack>
      <StatsRange from={from} to={to} answered={stats.data} error={stats.error} onChange={setRange} />
      <ErrorAlert error={stats.error} />
      {stats.loading && !stats.data && <Loader aria-label={t({ en: 'Loading', zh: '加载中' })} />}
      {stats.data && <StatsReport data={stats.data} />}
    </Stack>
  );
}
