import { Button, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import type { components } from '../../../test/support/openapi/schema';
import { fieldError } from '../components';
import { useI18n } from '../i18n';
import { BarChart } from './charts';

/** What GET /admin/stats and GET /admin/apps/:id/stats share: the range, its totals and its rows per day and country. */
export type StatsData = Pick<components['schemas']['AppStatsData'], 'from' | 'to' | 'totals' | 'days'>;
type Counts = components['schemas']['StatsCountsData'];

/** The UTC days `from` to `to` (both `YYYY-MM-DD`), in order. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && days.length <= 366; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

interface DaySums {
  day: string;
  sent: number;
  delivered: number;
  approved: number;
  failed: number;
}

/** The API's rows per day and country summed per day, every day of the range present (a day without rows is zero). */
function perDay(data: StatsData): DaySums[] {
  const byDay = new Map<string, DaySums>(daysBetween(data.from, data.to).map((day) => [day, { day, sent: 0, delivered: 0, approved: 0, failed: 0 }]));
  for (const row of data.days) {
    const sums = byDay.get(row.day) ?? { day: row.day, sent: 0, delivered: 0, approved: 0, failed: 0 };
    sums.sent += row.sent;
    sums.delivered += row.delivered;
    sums.approved += row.approved;
    sums.failed += row.failed;
    byDay.set(row.day, sums);
  }
  return [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
}

function perCountry(data: StatsData): Array<Omit<DaySums, 'day'> & { country: string | null }> {
  const byCountry = new Map<string | null, Omit<DaySums, 'day'> & { country: string | null }>();
  for (const row of data.days) {
    const sums = byCountry.get(row.country) ?? { country: row.country, sent: 0, delivered: 0, approved: 0, failed: 0 };
    sums.sent += row.sent;
    sums.delivered += row.delivered;
    sums.approved += row.approved;
    sums.failed += row.failed;
    byCountry.set(row.country, sums);
  }
  return [...byCountry.values()].sort((a, b) => b.sent - a.sent);
}

export function formatConversion(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(1)} %`;
}

/**
 * The range form: two dates (UTC days). Empty fields leave the range to the API
 * (the last 7 days); what it answered fills them once it answers.
 */
export function StatsRange({ from, to, answered, error, onChange }: {
  from?: string;
  to?: string;
  answered?: { from: string; to: string };
  error: unknown;
  onChange(range: { from?: string; to?: string }): void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState({ from: from ?? '', to: to ?? '' });
  useEffect(() => {
    setDraft({ from: from ?? answered?.from ?? '', to: to ?? answered?.to ?? '' });
  }, [from, to, answered?.from, answered?.to]);
  function submit(event: FormEvent) {
    event.preventDefault();
    onChange({ from: draft.from || undefined, to: draft.to || undefined });
  }
  return (
    <form onSubmit={submit} aria-label={t({ en: 'Date range', zh: '日期范围' })}>
      <Group align="flex-end" wrap="wrap">
        <TextInput type="date" label={t({ en: 'From (UTC)', zh: '开始日期（UTC）' })} value={draft.from}
          onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })} error={fieldError(error, 'from')} />
        <TextInput type="date" label={t({ en: 'To (UTC)', zh: '结束日期（UTC）' })} value={draft.to}
          onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })} error={fieldError(error, 'to')} />
        <Button type="submit">{t({ en: 'Show', zh: '查看' })}</Button>
      </Group>
    </form>
  );
}

/** Totals, the per-day chart with its table, the countries and the failures of one statistics answer. */
export function StatsReport({ data }: { data: StatsData }) {
  const { t, lang } = useI18n();
  const days = perDay(data);
  const countries = perCountry(data);
  const totals: Counts = data.totals;
  const busiest = days.reduce<DaySums | undefined>((best, d) => (!best || d.sent > best.sent ? d : best), undefined);
  const summary = t(
    { en: 'SMS sent and codes approved per day, {from} to {to}: {sent} sent, {approved} approved in all; most sent on {day} ({n}).', zh: '每日发送短信与验证通过数，{from} 至 {to}：共发送 {sent} 条，验证通过 {approved} 个；发送最多的一天是 {day}（{n} 条）。' },
    { from: data.from, to: data.to, sent: totals.sent, approved: totals.approved, day: busiest?.day ?? '—', n: busiest?.sent ?? 0 },
  );
  const failures = Object.entries(totals.failures).sort((a, b) => b[1] - a[1]);
  const number = (n: number) => n.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');

  return (
    <Stack>
      <Table.ScrollContainer minWidth={480}>
        <Table aria-label={t({ en: 'Totals', zh: '合计' })} withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t({ en: 'Sent', zh: '已发送' })}</Table.Th>
              <Table.Th>{t({ en: 'Delivered', zh: '已送达' })}</Table.Th>
              <Table.Th>{t({ en: 'Approved', zh: '验证通过' })}</Table.Th>
              <Table.Th>{t({ en: 'Conversion', zh: '转化率' })}</Table.Th>
              <Table.Th>{t({ en: 'Failed', zh: '失败' })}</Table.Th>
              <Table.Th>{t({ en: 'Median time to approval', zh: '验证用时中位数' })}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            <Table.Tr data-testid="stats-totals">
              <Table.Td>{number(totals.sent)}</Table.Td>
              <Table.Td>{number(totals.delivered)}</Table.Td>
              <Table.Td>{number(totals.approved)}</Table.Td>
              <Table.Td>{formatConversion(totals.conversion)}</Table.Td>
              <Table.Td>{number(totals.failed)}</Table.Td>
              <Table.Td>{totals.median_approval_s === null ? '—' : t({ en: '{s} s', zh: '{s} 秒' }, { s: Math.round(totals.median_approval_s) })}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>

      <Title order={3} size="h5">{t({ en: 'Per day', zh: '每日' })}</Title>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <BarChart label={summary} groups={days.map((d) => ({ label: d.day.slice(5), values: [d.sent, d.approved] }))}
          series={[
            { name: t({ en: 'Sent', zh: '已发送' }), color: 'var(--mantine-color-blue-6)' },
            { name: t({ en: 'Approved', zh: '验证通过' }), color: 'var(--mantine-color-teal-6)' },
          ]} />
        <Table.ScrollContainer minWidth={360} maxHeight={320}>
          <Table aria-label={t({ en: 'Per day', zh: '每日' })} striped stickyHeader>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t({ en: 'Day (UTC)', zh: '日期（UTC）' })}</Table.Th>
                <Table.Th>{t({ en: 'Sent', zh: '已发送' })}</Table.Th>
                <Table.Th>{t({ en: 'Delivered', zh: '已送达' })}</Table.Th>
                <Table.Th>{t({ en: 'Approved', zh: '验证通过' })}</Table.Th>
                <Table.Th>{t({ en: 'Failed', zh: '失败' })}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {days.map((d) => (
                <Table.Tr key={d.day}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{d.day}</Table.Td>
                  <Table.Td>{number(d.sent)}</Table.Td>
                  <Table.Td>{number(d.delivered)}</Table.Td>
                  <Table.Td>{number(d.approved)}</Table.Td>
                  <Table.Td>{number(d.failed)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Stack gap="xs">
          <Title order={3} size="h5">{t({ en: 'By destination country', zh: '按目的国家/地区' })}</Title>
          {countries.length === 0 ? <Text c="dimmed" size="sm">{t({ en: 'Nothing sent in this range.', zh: '此范围内没有发送记录。' })}</Text> : (
            <Table.ScrollContainer minWidth={320}>
              <Table aria-label={t({ en: 'By destination country', zh: '按目的国家/地区' })}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t({ en: 'Country', zh: '国家/地区' })}</Table.Th>
                    <Table.Th>{t({ en: 'Sent', zh: '已发送' })}</Table.Th>
                    <Table.Th>{t({ en: 'Approved', zh: '验证通过' })}</Table.Th>
                    <Table.Th>{t({ en: 'Failed', zh: '失败' })}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {countries.map((c) => (
                    <Table.Tr key={c.country ?? '-'}>
                      <Table.Td>{c.country ?? t({ en: 'unknown', zh: '未知' })}</Table.Td>
                      <Table.Td>{number(c.sent)}</Table.Td>
                      <Table.Td>{number(c.approved)}</Table.Td>
                      <Table.Td>{number(c.failed)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Stack>
        <Stack gap="xs">
          <Title order={3} size="h5">{t({ en: 'Failures by error', zh: '按错误统计的失败' })}</Title>
          {failures.length === 0 ? <Text c="dimmed" size="sm">{t({ en: 'No failed sends.', zh: '没有发送失败。' })}</Text> : (
            <Table aria-label={t({ en: 'Failures by error', zh: '按错误统计的失败' })}>
              <Table.Tbody>
                {failures.map(([name, n]) => (
                  <Table.Tr key={name}>
                    <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>{name}</Table.Td>
                    <Table.Td>{number(n)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}
