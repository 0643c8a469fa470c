import { Badge } from '@mantine/core';
import { useState } from 'react';
import { unwrap } from '../../api';
import type { components } from '../../../../test/support/openapi/schema';
import type { Text } from '../../i18n';

/** The SMS shapes as the admin API answers them (typed from the OpenAPI document). */
export type SmsAccount = components['schemas']['SmsAccountData'];
export type SmsSignature = components['schemas']['SmsSignatureData'];
export type SmsTemplate = components['schemas']['SmsTemplateData'];
export type SmsBinding = components['schemas']['SmsBindingData'];
export type SmsRoutes = components['schemas']['SmsRoutesData'];
export type SmsMessage = components['schemas']['SmsMessageData'];
export type Scene = SmsMessage['scene'];
export type Provider = SmsAccount['provider'];

/** The scenes the API takes (its DTO's enum), with the names operators read. */
export const SCENES: { value: Scene; label: Text }[] = [
  { value: 'login', label: { en: 'Login', zh: '登录' } },
  { value: 'register', label: { en: 'Register', zh: '注册' } },
  { value: 'reset_password', label: { en: 'Reset password', zh: '重置密码' } },
  { value: 'update_phone', label: { en: 'Update phone', zh: '更换手机号' } },
  { value: 'verify_old_phone', label: { en: 'Verify old phone', zh: '验证原手机号' } },
  { value: 'deregister', label: { en: 'Deregister', zh: '注销' } },
  { value: 'bind_push', label: { en: 'Bind push', zh: '绑定推送' } },
];

export function sceneLabel(scene: string | null | undefined, t: (text: Text) => string): string {
  if (!scene) return '—';
  const known = SCENES.find((s) => s.value === scene);
  return known ? `${t(known.label)} (${scene})` : scene;
}

export const PROVIDERS: Provider[] = ['console', 'aliyun', 'tencent', 'twilio'];

/** enabled/disabled and the send log's statuses as a coloured badge (the raw value stays readable). */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <>—</>;
  const color = ({ enabled: 'green', sent: 'green', delivered: 'green', disabled: 'gray', failed: 'red', unknown: 'yellow', sending: 'blue', pending: 'blue', open: 'red', half_open: 'yellow', closed: 'green' } as Record<string, string>)[status] ?? 'gray';
  return <Badge color={color} variant="light">{status}</Badge>;
}

export { useAction } from '../../components';

/** `unwrap` for the routes that answer `data: null` (DELETE): the generated type leaves that `data` out. */
export function unwrapNull(pending: Promise<{ data?: { code: string; msg: string }; error?: unknown; response: Response }>): Promise<null> {
  return unwrap(pending as Promise<{ data?: { code: string; msg: string; data: null }; error?: unknown; response: Response }>);
}
