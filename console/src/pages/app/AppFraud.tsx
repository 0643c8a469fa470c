import { Badge, Button, Group, Loader, Modal, NativeSelect, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { components } from '../../../../test/support/openapi/schema';
import { client, unwrap } from '../../api';
import { ErrorAlert, formatTime, useLoad } from '../../components';
import { useI18n, type Text as I18nText } from '../../i18n';
import { navigate, useRoute } from '../../router';
import { canChangeApp, useOperator, type AppData } from '../../session';

type Bucket = components['schemas']['FraudBucketData'];
type Guard = AppData['code_policy']['fraud_guard'];

/** The hash query parameter of the state filter (the app page has parameters of its own). */
const STATE_PARAM = 'bucket_state';

const STATE_TEXT: Record<Bucket['state'], I18nText> = {
  normal: { en: 'normal', zh: '正常' },
  challenge: { en: 'challenge', zh: '需验证码' },
  blocked: { en: 'blocked', zh: '已封锁' },
};

/**
 * The app's fraud guard: its policy as the app holds it (changed with the app's settings)
 * and the buckets it flagged, each liftable by an operator who may change the app.
 */
export function AppFraud({ app }: { app: AppData }) {
  const { t } = useI18n();
  const operator = useOperator();
  const route = useRoute();
  const state = route.query.get(STATE_PARAM);
  const filter = state === 'challenge' || state === 'blocked' ? state : undefined;
  const buckets = useLoad(() => unwrap(client.GET('/admin/apps/{appId}/fraud/buckets', { params: { path: { appId: app.id }, query: { state: filter } } })), [app.id, filter]);
  const [lifting, setLifting] = useState<Bucket | null>(null);
  const mayLift = canChangeApp(operator, app.id);

  function setFilter(value: string) {
    const query: Record<string, string | undefined> = Object.fromEntries(route.query.entries());
    navigate(`/${route.segments.map(encodeURIComponent).join('/')}`, { ...query, [STATE_PARAM]: value || undefined });
  }

  return (
    <Stack>
      <GuardPolicy guard={app.code_policy.fraud_guard} />
      <Title order={3} size="h4">{t({ en: 'Flagged buckets', zh: '被标记的号段/国家' })}</Title>
      <Group align="flex-end">
        <NativeSelect label={t({ en: 'State', zh: '状态' })} value={filter ?? ''} onChange={(e) => setFilter(e.currentTarget.value)}
          data={[
            { value: '', label: t({ en: 'Challenged and blocked', zh: '需验证码及已封锁' }) },
            { value: 'challenge', label: t(STATE_TEXT.challenge) },
            { value: 'blocked', label: t(STATE_TEXT.blocked) },
          ]} />
        <Button variant="default" onClick={buckets.reload}>{t({ en: 'Refresh', zh: '刷新' })}</Button>
      </Group>
      <ErrorAlert error={buckets.error} />
      {buckets.loading && !buckets.data && <Loader aria-label={t({ en: 'Loading', zh: '加载中' })} />}
      {buckets.data && (buckets.data.length === 0 ? (
        <Text c="dimmed">{t({ en: 'No bucket is flagged.', zh: '没有被标记的号段或国家。' })}</Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-label={t({ en: 'Flagged buckets', zh: '被标记的号段/国家' })} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t({ en: 'Kind', zh: '类型' })}</Table.Th>
                <Table.Th>{t({ en: 'Key', zh: '键' })}</Table.Th>
                <Table.Th>{t({ en: 'State', zh: '状态' })}</Table.Th>
                <Table.Th>{t({ en: 'Sends in window', zh: '窗口内发送' })}</Table.Th>
                <Table.Th>{t({ en: 'Approved in window', zh: '窗口内验证通过' })}</Table.Th>
                <Table.Th>{t({ en: 'Since', zh: '开始于' })}</Table.Th>
                <Table.Th>{t({ en: 'Until', zh: '持续至' })}</Table.Th>
                {mayLift && <Table.Th>{t({ en: 'Lift', zh: '解除' })}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {buckets.data.map((b) => (
                <BucketRow key={`${b.kind}:${b.key}`} bucket={b} mayLift={mayLift} onLift={() => setLifting(b)} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ))}
      {lifting && <LiftDialog appId={app.id} bucket={lifting} onClose={(lifted) => { setLifting(null); if (lifted) buckets.reload(); }} />}
    </Stack>
  );
}

function BucketRow({ bucket, mayLift, onLift }: { bucket: Bucket; mayLift: boolean; onLift(): void }) {
  const { t, lang } = useI18n();
  return (
    <Table.Tr>
      <Table.Td>{bucket.kind === 'country' ? t({ en: 'country', zh: '国家/地区' }) : t({ en: 'number range', zh: '号段' })}</Table.Td>
      <Table.Td ff="monospace">{bucket.key}</Table.Td>
      <Table.Td><Badge color={bucket.state === 'blocked' ? 'red' : 'yellow'} variant="light">{t(STATE_TEXT[bucket.state])}</Badge></Table.Td>
      <Table.Td>{bucket.sends}</Table.Td>
      <Table.Td>{bucket.approvals}</Table.Td>
      <Table.Td>{formatTime(bucket.changed_at, lang)}</Table.Td>
      <Table.Td>{formatTime(bucket.until, lang)}</Table.Td>
      {mayLift && (
        <Table.Td>
          <Button size="compact-sm" variant="light" color="red" onClick={onLift}
            aria-label={t({ en: 'Lift {key}', zh: '解除 {key}' }, { key: bucket.key })}>{t({ en: 'Lift', zh: '解除' })}</Button>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

function LiftDialog({ appId, bucket, onClose }: { appId: string; bucket: Bucket; onClose(lifted: boolean): void }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function lift() {
    setBusy(true);
    setError(null);
    try {
      // openapi-fetch encodes path parameters with encodeURIComponent: a range's `+` goes as %2B, as the API asks.
      await unwrap(client.DELETE('/admin/apps/{appId}/fraud/buckets/{kind}/{key}', { params: { path: { appId, kind: bucket.kind, key: bucket.key } } }));
      onClose(true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={() => onClose(false)} title={t({ en: 'Lift {key}?', zh: '解除 {key}？' }, { key: bucket.key })}>
      <Stack>
        <Text size="sm">
          {t({ en: 'Sends to this bucket go through again at once, without a captcha. The guard flags it again if its conversion stays low.', zh: '发往此处的短信将立即恢复，无需验证码。若转化率仍然偏低，防护会再次标记它。' })}
        </Text>
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => onClose(false)}>{t({ en: 'Cancel', zh: '取消' })}</Button>
          <Button color="red" loading={busy} onClick={lift}>{t({ en: 'Lift', zh: '解除' })}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The policy, read-only: it is changed with the app's settings. */
function GuardPolicy({ guard }: { guard: Guard }) {
  const { t } = useI18n();
  const rows: Array<[I18nText, string]> = [
    [{ en: 'Sliding window', zh: '滑动窗口' }, t({ en: '{n} s', zh: '{n} 秒' }, { n: guard.window_s })],
    [{ en: 'Minimum sends, number range', zh: '最少发送数（号段）' }, String(guard.min_sends_prefix)],
    [{ en: 'Minimum sends, country', zh: '最少发送数（国家/地区）' }, String(guard.min_sends_country)],
    [{ en: 'Challenge below conversion', zh: '转化率低于此值时要求验证码' }, `${guard.challenge_below_pct} %`],
    [{ en: 'Block below conversion', zh: '转化率低于此值时封锁' }, `${guard.block_below_pct} %`],
    [{ en: 'Recover at conversion', zh: '转化率达到此值时恢复' }, `${guard.recover_at_pct} %`],
    [{ en: 'Cooling-off period', zh: '冷却时间' }, t({ en: '{n} s', zh: '{n} 秒' }, { n: guard.cooling_off_s })],
  ];
  return (
    <Stack gap="xs">
      <Group gap="sm">
        <Title order={3} size="h4">{t({ en: 'Fraud guard policy', zh: '防刷策略' })}</Title>
        <Badge color={guard.enabled ? 'green' : 'gray'} variant="light">
          {guard.enabled ? t({ en: 'on', zh: '已开启' }) : t({ en: 'off', zh: '已关闭' })}
        </Badge>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Table aria-label={t({ en: 'Fraud guard policy', zh: '防刷策略' })} withTableBorder>
          <Table.Tbody>
            {rows.map(([label, value]) => (
              <Table.Tr key={label.en}>
                <Table.Th scope="row" fw={500}>{t(label)}</Table.Th>
                <Table.Td>{value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </SimpleGrid>
      <Text size="xs" c="dimmed">{t({ en: 'Change it in the app\'s settings (code policy, fraud guard).', zh: '请在应用设置（验证码策略 → 防刷）中修改。' })}</Text>
    </Stack>
  );
}
