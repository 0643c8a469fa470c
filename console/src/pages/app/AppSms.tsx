import { Text } from '@mantine/core';
import type { AppData } from '../../session';

export function AppSms(_props: { app: AppData }) {
  return <Text c="dimmed">AppSms</Text>;
}
