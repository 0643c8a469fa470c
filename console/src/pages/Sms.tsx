import type { Route } from '../router';
import { Title } from '@mantine/core';
import { useI18n } from '../i18n';

export function SmsPage(_props: { route: Route; id?: string }) {
  const { t } = useI18n();
  return <Title order={2}>{t({ en: 'Sms', zh: 'Sms' })}</Title>;
}
