import { AppShell, Burger, Button, Group, Loader, NavLink, SegmentedControl, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, useState, type ReactNode } from 'react';
import { client, getToken, onTokenChange, setToken, unwrap } from './api';
import { ErrorAlert, useLoad } from './components';
import { useI18n, type Text as I18nText } from './i18n';
import { AppDetailPage } from './pages/AppDetail';
import { AppsPage } from './pages/Apps';
import { AuditPage } from './pages/Audit';
import { MePage } from './pages/Me';
import { MessagesPage } from './pages/Messages';
import { OperatorsPage } from './pages/Operators';
import { SignIn } from './pages/SignIn';
import { SmsPage } from './pages/Sms';
import { StatsPage } from './pages/Stats';
import { href, useRoute, type Route } from './router';
import { SessionProvider, type Operator } from './session';

interface Section {
  path: string;
  label: I18nText;
  /** Only these roles see the link (the API refuses the others anyway). */
  roles?: Operator['role'][];
}

const SECTIONS: Section[] = [
  { path: 'apps', label: { en: 'Apps', zh: '应用' } },
  { path: 'sms', label: { en: 'SMS accounts', zh: '短信账号' } },
  { path: 'messages', label: { en: 'Send log', zh: '发送记录' } },
  { path: 'stats', label: { en: 'Statistics', zh: '统计' }, roles: ['owner', 'viewer'] },
  { path: 'audit', label: { en: 'Audit log', zh: '审计日志' }, roles: ['owner', 'viewer'] },
  { path: 'operators', label: { en: 'Operators', zh: '操作员' }, roles: ['owner'] },
  { path: 'me', label: { en: 'My account', zh: '我的账号' } },
];

function page(route: Route): ReactNode {
  const [section, id] = route.segments;
  switch (section) {
    case 'apps': return id ? <AppDetailPage id={id} route={route} /> : <AppsPage route={route} />;
    case 'sms': return <SmsPage route={route} />;
    case 'messages': return <MessagesPage route={route} />;
    case 'stats': return <StatsPage route={route} />;
    case 'audit': return <AuditPage route={route} />;
    case 'operators': return <OperatorsPage route={route} />;
    case 'me': return <MePage route={route} />;
    default: return <AppsPage route={route} />;
  }
}

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <SegmentedControl size="xs" value={lang} onChange={(v) => setLang(v as 'en' | 'zh')} aria-label={t({ en: 'Language', zh: '语言' })}
      data={[{ value: 'en', label: 'English' }, { value: 'zh', label: '中文' }]} />
  );
}

function Shell({ operator }: { operator: Operator }) {
  const { t } = useI18n();
  const route = useRoute();
  const [opened, { toggle, close }] = useDisclosure();
  const section = route.segments[0] ?? 'apps';
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t({ en: 'Menu', zh: '菜单' })} />
            <Title order={1} size="h4">Passcode</Title>
          </Group>
          <Group wrap="nowrap" gap="xs">
            <LanguageSwitch />
            <Text size="sm" visibleFrom="xs" data-testid="operator">{operator.username} · {operator.role}</Text>
            <Button variant="subtle" size="xs" onClick={() => setToken(null)}>{t({ en: 'Sign out', zh: '退出' })}</Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t({ en: 'Sections', zh: '导航' })}>
        {SECTIONS.filter((s) => !s.roles || s.roles.includes(operator.role)).map((s) => (
          <NavLink key={s.path} href={href(`/${s.path}`)} label={t(s.label)} active={section === s.path}
            aria-current={section === s.path ? 'page' : undefined} onClick={close} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <SessionProvider operator={operator}>{page(route)}</SessionProvider>
      </AppShell.Main>
    </AppShell>
  );
}

function SignedIn() {
  const me = useLoad(() => unwrap(client.GET('/admin/operators/me')), []);
  if (me.data) return <Shell operator={me.data} />;
  if (me.error) return <ErrorAlert error={me.error} />;
  return <Loader m="xl" aria-label="loading" />;
}

export function App() {
  const [token, setTokenState] = useState(getToken);
  useEffect(() => onTokenChange(setTokenState), []);
  return token ? <SignedIn key={token} /> : <SignIn />;
}
