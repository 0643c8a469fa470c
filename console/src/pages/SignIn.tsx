import { Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { client, setToken, unwrap } from '../api';
import { ErrorAlert, useAction } from '../components';
import { useI18n } from '../i18n';

/** Sign in with an operator's username and password; a locked-out login shows the API's message as it is. */
export function SignIn() {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(() => unwrap(client.POST('/admin/login', { body: { username, password } })), (data) => setToken(data.access_token));
  }

  return (
    <Center mih="100vh" p="md">
      <Paper component="form" onSubmit={submit} withBorder p="lg" w={380} maw="100%" aria-labelledby="signin-title">
        <Stack>
          <Title order={1} size="h3" id="signin-title">{t({ en: 'Passcode console', zh: 'Passcode 控制台' })}</Title>
          <ErrorAlert error={error} title={t({ en: 'Could not sign in', zh: '登录失败' })} />
          <TextInput label={t({ en: 'Username', zh: '用户名' })} value={username} onChange={(e) => setUsername(e.currentTarget.value)}
            autoComplete="username" required autoFocus />
          <PasswordInput label={t({ en: 'Password', zh: '密码' })} value={password} onChange={(e) => setPassword(e.currentTarget.value)}
            autoComplete="current-password" required />
          <Button type="submit" loading={busy}>{t({ en: 'Sign in', zh: '登录' })}</Button>
        </Stack>
      </Paper>
    </Center>
  );
}
