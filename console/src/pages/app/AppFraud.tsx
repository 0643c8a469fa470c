import { Text } from '@mantine/core';
import type { AppData } from '../../session';

export function AppFraud(_props: { app: AppData }) {
  return <Text c="dimmed">AppFraud</Text>;
}
