import { Text } from '@mantine/core';
import type { AppData } from '../../session';

export function AppStats(_props: { app: AppData }) {
  return <Text c="dimmed">AppStats</Text>;
}
