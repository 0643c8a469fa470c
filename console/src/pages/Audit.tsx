import type { Route } from '../router';
import { Title } from '@mantine/core';
import { useI18n } from '../i18n';

export function AuditPage(_props: { route: Route; id?: string }) {
  const { t } = useI18n();
  return <Title order={2}>{t({ en: 'Audit', zh: 'Audit' })}</Title>;
}
