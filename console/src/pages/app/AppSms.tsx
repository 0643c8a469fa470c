import { Alert, Anchor, Button, Code, Group, Loader, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { client, unwrap } from '../../api';
import { ErrorAlert, fieldError, useLoad } from '../../components';
import { useI18n } from '../../i18n';
import { href } from '../../router';
import { canChangeApp, useOperator, type AppData } from '../../session';
import { FormErrors, SceneSelect } from '../sms/AccountPanel';
import { SCENES, sceneLabel, unwrapNull, useAction, type Scene, type SmsAccount, type SmsBinding, type SmsSignature, type SmsTemplate } from '../sms/shared';

/** Every account with its templates and signatures: what a binding may choose from. */
interface Catalog {
  accounts: SmsAccount[];
  templates: (SmsTemplate & { account: SmsAccount })[];
  signatures: (SmsSignature & { account: SmsAccount })[];
}

async function loadCatalog(): Promise<Catalog> {
  const { items: accounts } = await unwrap(client.GET('/admin/sms/accounts'));
  const perAccount = await Promise.all(accounts.map(async (account) => {
    const path = { params: { path: { id: account.id } } };
    const [templates, signatures] = await Promise.all([
      unwrap(client.GET('/admin/sms/accounts/{id}/templates', path)),
      unwrap(client.GET('/admin/sms/accounts/{id}/signatures', path)),
    ]);
    return {
      templates: templates.items.map((tpl) => ({ ...tpl, account })),
      signatures: signatures.items.map((s) => ({ ...s, account })),
    };
  }));
  return { accounts, templates: perAccount.flatMap((a) => a.templates), signatures: perAccount.flatMap((a) => a.signatures) };
}

/** The app's SMS tab: per-scene bindings and routes, and a test send through them. */
export function AppSms({ app }: { app: AppData }) {
  const { t } = useI18n();
  const operator = useOperator();
  const canChange = canChangeApp(operator, app.id);
  const catalog = useLoad(loadCatalog, []);
  const bindings = useLoad(() => unwrap(client.GET('/admin/apps/{id}/sms/bindings', { params: { path: { id: app.id } } })), [app.id]);
  const routes = useLoad(() => unwrap(client.GET('/admin/apps/{id}/sms/routes', { params: { path: { id: app.id } } })), [app.id]);
  const remove = useAction();
  const [editScene, setEditScene] = useState<Scene | ''>('');

  const templateName = (id: string | null) => {
    if (!id) return '—';
    const tpl = catalog.data?.templates.find((x) => x.id === id);
    return tpl ? `${tpl.template_code} · ${tpl.account.name}${tpl.status === 'disabled' ? ` (${t({ en: 'disabled', zh: '已停用' })})` : ''}` : id;
  };
  const signatureName = (id: string | null) => {
    if (!id) return '—';
    const s = catalog.data?.signatures.find((x) => x.id === id);
    return s ? `${s.sign_name}${s.status === 'disabled' ? ` (${t({ en: 'disabled', zh: '已停用' })})` : ''}` : id;
  };

  const removeBinding = (scene: Scene) => remove.run(
    () => unwrapNull(client.DELETE('/admin/apps/{id}/sms/bindings/{scene}', { params: { path: { id: app.id, scene } } })),
    bindings.reload,
  );
  const removeRoutes = (scene: Scene) => remove.run(
    () => unwrapNull(client.DELETE('/admin/apps/{id}/sms/routes/{scene}', { params: { path: { id: app.id, scene } } })),
    routes.reload,
  );

  const byScene = new Map(bindings.data?.items.map((b) => [b.scene, b]));
  const routesByScene = new Map(routes.data?.items.map((r) => [r.scene, r.routes]));
  const configured = SCENES.filter((s) => byScene.has(s.value) || routesByScene.has(s.value));

  return (
    <Stack gap="lg">
      <Stack gap="xs">
        <Title order={3}>{t({ en: 'SMS by scene', zh: '各场景短信配置' })}</Title>
        <Text size="sm" c="dimmed">
          {t({ en: 'A scene with routes sends by them, else by its binding. Templates and signatures belong to the ', zh: '有路由的场景按路由发送，否则按绑定发送。模板和签名属于' })}
          <Anchor href={href('/sms')}>{t({ en: 'SMS accounts', zh: '短信账号' })}</Anchor>.
        </Text>
        <ErrorAlert error={catalog.error} />
        <ErrorAlert error={bindings.error} />
        <ErrorAlert error={routes.error} />
        <ErrorAlert error={remove.error} />
        {(bindings.loading || routes.loading) && !bindings.data && <Loader size="sm" aria-label={t({ en: 'Loading', zh: '加载中' })} />}
        {bindings.data && routes.data && (
          <Table.ScrollContainer minWidth={760}>
            <Table aria-label={t({ en: 'SMS bindings', zh: '短信绑定' })} striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t({ en: 'Scene', zh: '场景' })}</Table.Th>
                  <Table.Th>{t({ en: 'Template', zh: '模板' })}</Table.Th>
                  <Table.Th>{t({ en: 'Signature', zh: '签名' })}</Table.Th>
                  <Table.Th>{t({ en: 'Fallback', zh: '备用' })}</Table.Th>
                  <Table.Th>{t({ en: 'Routes', zh: '路由' })}</Table.Th>
                  {canChange && <Table.Th>{t({ en: 'Actions', zh: '操作' })}</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {configured.map(({ value: scene }) => {
                  const b = byScene.get(scene);
                  const r = routesByScene.get(scene);
                  const name = sceneLabel(scene, t);
                  return (
                    <Table.Tr key={scene}>
                      <Table.Td>{name}</Table.Td>
                      <Table.Td>{b ? templateName(b.template_id) : '—'}</Table.Td>
                      <Table.Td>{b ? signatureName(b.signature_id) : '—'}</Table.Td>
                      <Table.Td>{b?.fallback_template_id ? `${templateName(b.fallback_template_id)} / ${signatureName(b.fallback_signature_id)}` : '—'}</Table.Td>
                      <Table.Td>
                        {r ? r.map((route) => (
                          <Text key={route.position} size="xs">
                            {route.position}. {templateName(route.template_id)} / {signatureName(route.signature_id)} — {route.countries?.join(', ') ?? t({ en: 'every destination', zh: '所有地区' })}
                          </Text>
                        )) : '—'}
                      </Table.Td>
                      {canChange && (
                        <Table.Td>
                          <Group gap="xs" wrap="nowrap">
                            {b && (
                              <>
                                <Button size="xs" variant="default" onClick={() => setEditScene(scene)} aria-label={t({ en: 'Edit binding {scene}', zh: '编辑绑定 {scene}' }, { scene: name })}>
                                  {t({ en: 'Edit', zh: '编辑' })}
                                </Button>
                                <Button size="xs" variant="light" color="red" disabled={remove.busy} onClick={() => removeBinding(scene)}
                                  aria-label={t({ en: 'Remove binding {scene}', zh: '删除绑定 {scene}' }, { scene: name })}>
                                  {t({ en: 'Remove', zh: '删除' })}
                                </Button>
                              </>
                            )}
                            {r && (
                              <Button size="xs" variant="light" color="red" disabled={remove.busy} onClick={() => removeRoutes(scene)}
                                aria-label={t({ en: 'Remove routes {scene}', zh: '删除路由 {scene}' }, { scene: name })}>
                                {t({ en: 'Remove routes', zh: '删除路由' })}
                              </Button>
                            )}
                          </Group>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  );
                })}
                {configured.length === 0 && (
                  <Table.Tr><Table.Td colSpan={6}><Text size="sm" c="dimmed">{t({ en: 'No scene is bound: sends fail with SMS_NOT_CONFIGURED.', zh: '尚未绑定任何场景：发送会失败（SMS_NOT_CONFIGURED）。' })}</Text></Table.Td></Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      {canChange && catalog.data && (
        <BindingForm key={editScene || 'new'} appId={app.id} catalog={catalog.data} initial={editScene ? byScene.get(editScene) : undefined}
          scene={editScene} onSaved={() => { setEditScene(''); bindings.reload(); }} onCancel={editScene ? () => setEditScene('') : undefined} />
      )}
      {canChange && <TestSend appId={app.id} />}
    </Stack>
  );
}

/** PUT /admin/apps/:id/sms/bindings/:scene: a template and a signature of one account, optionally a fallback pair of another. */
function BindingForm({ appId, catalog, initial, scene: initialScene, onSaved, onCancel }: {
  appId: string;
  catalog: Catalog;
  initial?: SmsBinding;
  scene: Scene | '';
  onSaved(): void;
  /** Given while editing a scene's binding: back to binding a new one. */
  onCancel?: () => void;
}) {
  const { t } = useI18n();
  const save = useAction();
  const [scene, setScene] = useState<Scene | ''>(initialScene);
  const [templateId, setTemplateId] = useState(initial?.template_id ?? '');
  const [signatureId, setSignatureId] = useState(initial?.signature_id ?? '');
  const [fallbackTemplateId, setFallbackTemplateId] = useState(initial?.fallback_template_id ?? '');
  const [fallbackSignatureId, setFallbackSignatureId] = useState(initial?.fallback_signature_id ?? '');

  const usable = <T extends { status: string; account: SmsAccount }>(x: T) => x.status === 'enabled' && x.account.status === 'enabled';
  const accountOf = (id: string) => catalog.templates.find((x) => x.id === id)?.account.id;
  const templateOptions = (blank: string) => [
    { value: '', label: blank },
    ...catalog.templates.filter((x) => usable(x) || x.id === templateId || x.id === fallbackTemplateId).map((x) => ({
      value: x.id,
      label: `${x.template_code}${x.scene ? ` [${x.scene}]` : ''}${x.locale ? ` ${x.locale}` : ''} · ${x.account.name} (${x.account.provider})`,
    })),
  ];
  // A pair is one account's: the signature choices follow the chosen template's account.
  const signatureOptions = (forTemplate: string, blank: string) => [
    { value: '', label: blank },
    ...catalog.signatures.filter((s) => s.account.id === accountOf(forTemplate) && (usable(s) || s.id === signatureId || s.id === fallbackSignatureId))
      .map((s) => ({ value: s.id, label: `${s.sign_name} (${s.type}) · ${s.account.name}` })),
  ];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!scene) return;
    const body = {
      template_id: templateId,
      signature_id: signatureId,
      fallback_template_id: (fallbackTemplateId || null) as never,
      fallback_signature_id: (fallbackSignatureId || null) as never,
    };
    void save.run(() => unwrap(client.PUT('/admin/apps/{id}/sms/bindings/{scene}', { params: { path: { id: appId, scene } }, body })), onSaved);
  };
  const choose = t({ en: 'Choose…', zh: '请选择…' });
  const none = t({ en: '(none)', zh: '（无）' });

  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label={t({ en: 'Bind a scene', zh: '绑定场景' })}>
      <Title order={4} mb="sm">{initial ? t({ en: 'Edit binding', zh: '编辑绑定' }) : t({ en: 'Bind a scene', zh: '绑定场景' })}</Title>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <SceneSelect label={t({ en: 'Binding scene', zh: '绑定场景' })} required value={scene} onChange={setScene} />
          <NativeSelect label={t({ en: 'Template', zh: '模板' })} required value={templateId} error={fieldError(save.error, 'template_id')}
            onChange={(e) => { setTemplateId(e.currentTarget.value); setSignatureId(''); }} data={templateOptions(choose)} />
          <NativeSelect label={t({ en: 'Signature', zh: '签名' })} required value={signatureId} error={fieldError(save.error, 'signature_id')}
            onChange={(e) => setSignatureId(e.currentTarget.value)} data={signatureOptions(templateId, choose)} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <div />
          <NativeSelect label={t({ en: 'Fallback template (another account)', zh: '备用模板（另一账号）' })} value={fallbackTemplateId}
            error={fieldError(save.error, 'fallback_template_id')}
            onChange={(e) => { setFallbackTemplateId(e.currentTarget.value); setFallbackSignatureId(''); }} data={templateOptions(none)} />
          <NativeSelect label={t({ en: 'Fallback signature', zh: '备用签名' })} value={fallbackSignatureId} error={fieldError(save.error, 'fallback_signature_id')}
            onChange={(e) => setFallbackSignatureId(e.currentTarget.value)} data={signatureOptions(fallbackTemplateId, none)} />
        </SimpleGrid>
        <FormErrors error={save.error} fields={['template_id', 'signature_id', 'fallback_template_id', 'fallback_signature_id']} />
        <Group>
          <Button type="submit" loading={save.busy} disabled={!scene}>{t({ en: 'Save binding', zh: '保存绑定' })}</Button>
          {onCancel && <Button variant="default" onClick={onCancel}>{t({ en: 'Cancel', zh: '取消' })}</Button>}
        </Group>
      </Stack>
    </Paper>
  );
}

/** POST /admin/apps/:id/sms/test: one message through the scene's routes or binding, its answer or its error shown. */
function TestSend({ appId }: { appId: string }) {
  const { t } = useI18n();
  const send = useAction();
  const [scene, setScene] = useState<Scene | ''>('login');
  const [mcode, setMcode] = useState('+86');
  const [mobile, setMobile] = useState('');
  // The document leaves `status` out of the answer; the API sends it (README, SMS delivery).
  const [answer, setAnswer] = useState<{ message_id: string; provider: string; biz_id: string | null; status?: string } | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!scene) return;
    setAnswer(null);
    void send.run(() => unwrap(client.POST('/admin/apps/{id}/sms/test', { params: { path: { id: appId } }, body: { scene, mobile, mcode } })), setAnswer);
  };

  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label={t({ en: 'Test send', zh: '测试发送' })}>
      <Title order={4} mb="sm">{t({ en: 'Test send', zh: '测试发送' })}</Title>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <SceneSelect label={t({ en: 'Test scene', zh: '测试场景' })} required value={scene} onChange={setScene} error={fieldError(send.error, 'scene')} />
          <TextInput label={t({ en: 'Country code', zh: '国家区号' })} value={mcode} onChange={(e) => setMcode(e.currentTarget.value)} error={fieldError(send.error, 'mcode')} />
          <TextInput label={t({ en: 'Mobile', zh: '手机号' })} required inputMode="tel" value={mobile} onChange={(e) => setMobile(e.currentTarget.value)} error={fieldError(send.error, 'mobile')} />
        </SimpleGrid>
        <Group><Button type="submit" loading={send.busy}>{t({ en: 'Send test message', zh: '发送测试短信' })}</Button></Group>
        <FormErrors error={send.error} fields={['scene', 'mcode', 'mobile']} />
        {answer && (
          <Alert color={answer.status === 'unknown' ? 'yellow' : 'green'} title={t({ en: 'Sent: {status}', zh: '已发送：{status}' }, { status: answer.status ?? 'sent' })} role="status">
            <Text size="sm">{t({ en: 'Message id', zh: '记录 ID' })}: <Code>{answer.message_id}</Code></Text>
            <Text size="sm">{t({ en: 'Provider', zh: '服务商' })}: {answer.provider}{answer.biz_id ? ` · ${answer.biz_id}` : ''}</Text>
            <Anchor size="sm" href={href('/messages', { app: appId })}>{t({ en: 'Open the send log', zh: '查看发送记录' })}</Anchor>
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
