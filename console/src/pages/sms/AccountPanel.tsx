import { Alert, Button, Code, CopyButton, Group, Modal, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { client, unwrap } from '../../api';
import { ErrorAlert, fieldError, formatTime, useLoad } from '../../components';
import { useI18n } from '../../i18n';
import { SCENES, StatusBadge, sceneLabel, useAction, type Scene, type SmsAccount, type SmsTemplate } from './shared';

type SignType = 'verification' | 'notification';
const TYPES: SignType[] = ['verification', 'notification'];

/** One account's signatures and templates; owners change them, everyone else reads. */
export function AccountPanel({ account, canChange }: { account: SmsAccount; canChange: boolean }) {
  const { t } = useI18n();
  return (
    <Stack gap="lg">
      {(account.provider === 'aliyun' || account.provider === 'tencent') && canChange && <ReceiptToken account={account} />}
      {account.provider === 'twilio' && <StatusCallback url={account.status_callback_url} />}
      <Signatures account={account} canChange={canChange} />
      <Templates account={account} canChange={canChange} />
      <Text size="xs" c="dimmed">{t({ en: 'Account id', zh: '账号 ID' })}: <Code>{account.id}</Code></Text>
    </Stack>
  );
}

/** The receipt token of an account whose provider pushes status reports (Aliyun, Tencent): answered once by the API, shown once here, never kept. */
function ReceiptToken({ account }: { account: SmsAccount }) {
  const { t } = useI18n();
  const action = useAction();
  const [issued, setIssued] = useState<{ token: string; receipt_path: string } | null>(null);
  const issue = () => action.run(() => unwrap(client.POST('/admin/sms/accounts/{id}/receipt-token', { params: { path: { id: account.id } } })), setIssued);
  return (
    <Stack gap="xs">
      <Group>
        <Button variant="light" onClick={issue} loading={action.busy}>
          {account.has_receipt_token ? t({ en: 'Issue a new receipt token', zh: '重新签发回执令牌' }) : t({ en: 'Issue receipt token', zh: '签发回执令牌' })}
        </Button>
        <Text size="sm" c="dimmed">{t({ en: 'A new token replaces the old one at once.', zh: '新令牌会立即替换旧令牌。' })}</Text>
      </Group>
      <ErrorAlert error={action.error} />
      {issued && (
        <Alert color="yellow" title={t({ en: 'Receipt token — shown only now', zh: '回执令牌——仅显示这一次' })} withCloseButton onClose={() => setIssued(null)}
          closeButtonLabel={t({ en: 'Hide the token', zh: '隐藏令牌' })}>
          <Stack gap={4}>
            <Text size="sm">
              {account.provider === 'tencent'
                ? t({ en: 'Configure this path after the server\'s public HTTPS origin as Tencent Cloud SMS\'s status-report callback URL:', zh: '在腾讯云短信的状态回执回调地址中，于本服务的公网 HTTPS 地址后配置此路径：' })
                : t({ en: 'Configure this path after the server\'s public HTTPS origin in Aliyun\'s receipt settings:', zh: '在阿里云回执设置中，于本服务的公网 HTTPS 地址后配置此路径：' })}
            </Text>
            <CopyableCode value={issued.receipt_path} testId="receipt-path" />
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}

/** How a Twilio account's delivery statuses come: posted by Twilio to the URL each Message gives it (PUBLIC_URL set), or polled. */
function StatusCallback({ url }: { url: string | null }) {
  const { t } = useI18n();
  if (!url) {
    return (
      <Text size="sm" c="dimmed" data-testid="status-callback">
        {t({
          en: 'Delivery statuses are polled from Twilio. Set PUBLIC_URL (where Twilio reaches this server) and each message asks Twilio to post its status here instead.',
          zh: '投递状态通过轮询 Twilio 获取。设置 PUBLIC_URL（Twilio 访问本服务的地址）后，每条短信会请 Twilio 将状态回调到本服务。',
        })}
      </Text>
    );
  }
  return (
    <Stack gap={4}>
      <Text size="sm">{t({ en: 'Each message asks Twilio to post its delivery status to this URL (nothing to configure at Twilio):', zh: '每条短信都会请 Twilio 将投递状态回调到此地址（无需在 Twilio 配置）：' })}</Text>
      <CopyableCode value={url} testId="status-callback" />
    </Stack>
  );
}

/** A path or URL to configure elsewhere, with a button that copies it. */
function CopyableCode({ value, testId }: { value: string; testId: string }) {
  const { t } = useI18n();
  return (
    <Group gap="xs" wrap="nowrap">
      <Code style={{ wordBreak: 'break-all' }} data-testid={testId}>{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => <Button size="xs" variant="subtle" onClick={copy}>{copied ? t({ en: 'Copied', zh: '已复制' }) : t({ en: 'Copy', zh: '复制' })}</Button>}
      </CopyButton>
    </Group>
  );
}

function Signatures({ account, canChange }: { account: SmsAccount; canChange: boolean }) {
  const { t, lang } = useI18n();
  const list = useLoad(() => unwrap(client.GET('/admin/sms/accounts/{id}/signatures', { params: { path: { id: account.id } } })), [account.id]);
  const create = useAction();
  const toggle = useAction();
  const [signName, setSignName] = useState('');
  const [type, setType] = useState<SignType>('verification');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run(
      () => unwrap(client.POST('/admin/sms/accounts/{id}/signatures', { params: { path: { id: account.id } }, body: { sign_name: signName, type } })),
      () => { setSignName(''); list.reload(); },
    );
  };
  const setStatus = (id: string, enable: boolean) => toggle.run(
    () => unwrap(enable
      ? client.POST('/admin/sms/signatures/{id}/enable', { params: { path: { id } } })
      : client.POST('/admin/sms/signatures/{id}/disable', { params: { path: { id } } })),
    list.reload,
  );

  return (
    <Stack gap="xs">
      <Title order={4}>{t({ en: 'Signatures', zh: '签名' })}</Title>
      <ErrorAlert error={list.error} />
      <ErrorAlert error={toggle.error} />
      <Table.ScrollContainer minWidth={480}>
        <Table aria-label={t({ en: 'Signatures', zh: '签名' })} striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t({ en: 'Sign name', zh: '签名名称' })}</Table.Th>
              <Table.Th>{t({ en: 'Type', zh: '类型' })}</Table.Th>
              <Table.Th>{t({ en: 'Status', zh: '状态' })}</Table.Th>
              <Table.Th>{t({ en: 'Created', zh: '创建时间' })}</Table.Th>
              {canChange && <Table.Th>{t({ en: 'Actions', zh: '操作' })}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.items.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{s.sign_name}</Table.Td>
                <Table.Td>{s.type}</Table.Td>
                <Table.Td><StatusBadge status={s.status} /></Table.Td>
                <Table.Td>{formatTime(s.created_at, lang)}</Table.Td>
                {canChange && (
                  <Table.Td>
                    <Button size="xs" variant="light" disabled={toggle.busy} onClick={() => setStatus(s.id, s.status !== 'enabled')}
                      aria-label={s.status === 'enabled' ? t({ en: 'Disable signature {name}', zh: '停用签名 {name}' }, { name: s.sign_name }) : t({ en: 'Enable signature {name}', zh: '启用签名 {name}' }, { name: s.sign_name })}>
                      {s.status === 'enabled' ? t({ en: 'Disable', zh: '停用' }) : t({ en: 'Enable', zh: '启用' })}
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
            {list.data?.items.length === 0 && (
              <Table.Tr><Table.Td colSpan={5}><Text size="sm" c="dimmed">{t({ en: 'No signatures yet.', zh: '暂无签名。' })}</Text></Table.Td></Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {canChange && (
        <Paper withBorder p="sm" component="form" onSubmit={submit} aria-label={t({ en: 'New signature', zh: '新建签名' })}>
          <Group align="flex-end" wrap="wrap">
            <TextInput label={t({ en: 'Sign name', zh: '签名名称' })} required value={signName} onChange={(e) => setSignName(e.currentTarget.value)}
              error={fieldError(create.error, 'sign_name')} />
            <NativeSelect label={t({ en: 'Signature type', zh: '签名类型' })} value={type} onChange={(e) => setType(e.currentTarget.value as SignType)} data={TYPES} />
            <Button type="submit" loading={create.busy}>{t({ en: 'Add signature', zh: '添加签名' })}</Button>
          </Group>
          <FormErrors error={create.error} fields={['sign_name', 'type']} />
        </Paper>
      )}
    </Stack>
  );
}

interface TemplateForm {
  template_code: string;
  scene: Scene | '';
  code_param: string;
  content: string;
  type: SignType;
  locale: string;
}

const EMPTY_TEMPLATE: TemplateForm = { template_code: '', scene: '', code_param: '', content: '', type: 'verification', locale: '' };

function Templates({ account, canChange }: { account: SmsAccount; canChange: boolean }) {
  const { t } = useI18n();
  const list = useLoad(() => unwrap(client.GET('/admin/sms/accounts/{id}/templates', { params: { path: { id: account.id } } })), [account.id]);
  const create = useAction();
  const toggle = useAction();
  const [form, setForm] = useState<TemplateForm>(EMPTY_TEMPLATE);
  const [editing, setEditing] = useState<SmsTemplate | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = {
      template_code: form.template_code,
      type: form.type,
      ...(form.scene ? { scene: form.scene } : {}),
      // The document marks code_param required (its default, "code", is filled in the schema).
      code_param: form.code_param || 'code',
      ...(form.content ? { content: form.content } : {}),
      ...(form.locale ? { locale: form.locale } : {}),
    };
    void create.run(
      () => unwrap(client.POST('/admin/sms/accounts/{id}/templates', { params: { path: { id: account.id } }, body })),
      () => { setForm(EMPTY_TEMPLATE); list.reload(); },
    );
  };
  const setStatus = (id: string, enable: boolean) => toggle.run(
    () => unwrap(enable
      ? client.POST('/admin/sms/templates/{id}/enable', { params: { path: { id } } })
      : client.POST('/admin/sms/templates/{id}/disable', { params: { path: { id } } })),
    list.reload,
  );

  return (
    <Stack gap="xs">
      <Title order={4}>{t({ en: 'Templates', zh: '模板' })}</Title>
      <ErrorAlert error={list.error} />
      <ErrorAlert error={toggle.error} />
      <Table.ScrollContainer minWidth={720}>
        <Table aria-label={t({ en: 'Templates', zh: '模板' })} striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t({ en: 'Template code', zh: '模板编码' })}</Table.Th>
              <Table.Th>{t({ en: 'Scene', zh: '场景' })}</Table.Th>
              <Table.Th>{t({ en: 'Code parameter', zh: '验证码参数' })}</Table.Th>
              <Table.Th>{t({ en: 'Locale', zh: '语言' })}</Table.Th>
              <Table.Th>{t({ en: 'Content', zh: '内容' })}</Table.Th>
              <Table.Th>{t({ en: 'Type', zh: '类型' })}</Table.Th>
              <Table.Th>{t({ en: 'Status', zh: '状态' })}</Table.Th>
              {canChange && <Table.Th>{t({ en: 'Actions', zh: '操作' })}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.items.map((tpl) => (
              <Table.Tr key={tpl.id}>
                <Table.Td>{tpl.template_code}</Table.Td>
                <Table.Td>{sceneLabel(tpl.scene, t)}</Table.Td>
                <Table.Td>{tpl.code_param}</Table.Td>
                <Table.Td>{tpl.locale ?? '—'}</Table.Td>
                <Table.Td>{tpl.content ?? '—'}</Table.Td>
                <Table.Td>{tpl.type}</Table.Td>
                <Table.Td><StatusBadge status={tpl.status} /></Table.Td>
                {canChange && (
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" variant="default" onClick={() => setEditing(tpl)}
                        aria-label={t({ en: 'Edit template {code}', zh: '编辑模板 {code}' }, { code: tpl.template_code })}>
                        {t({ en: 'Edit', zh: '编辑' })}
                      </Button>
                      <Button size="xs" variant="light" disabled={toggle.busy} onClick={() => setStatus(tpl.id, tpl.status !== 'enabled')}
                        aria-label={tpl.status === 'enabled' ? t({ en: 'Disable template {code}', zh: '停用模板 {code}' }, { code: tpl.template_code }) : t({ en: 'Enable template {code}', zh: '启用模板 {code}' }, { code: tpl.template_code })}>
                        {tpl.status === 'enabled' ? t({ en: 'Disable', zh: '停用' }) : t({ en: 'Enable', zh: '启用' })}
                      </Button>
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
            {list.data?.items.length === 0 && (
              <Table.Tr><Table.Td colSpan={8}><Text size="sm" c="dimmed">{t({ en: 'No templates yet.', zh: '暂无模板。' })}</Text></Table.Td></Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {canChange && (
        <Paper withBorder p="sm" component="form" onSubmit={submit} aria-label={t({ en: 'New template', zh: '新建模板' })}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label={t({ en: 'Template code', zh: '模板编码' })} required value={form.template_code}
              onChange={(e) => setForm({ ...form, template_code: e.currentTarget.value })} error={fieldError(create.error, 'template_code')} />
            <SceneSelect value={form.scene} onChange={(scene) => setForm({ ...form, scene })} error={fieldError(create.error, 'scene')} />
            <NativeSelect label={t({ en: 'Template type', zh: '模板类型' })} value={form.type} onChange={(e) => setForm({ ...form, type: e.currentTarget.value as SignType })} data={TYPES} />
            <TextInput label={t({ en: 'Code parameter', zh: '验证码参数' })} placeholder="code" value={form.code_param}
              onChange={(e) => setForm({ ...form, code_param: e.currentTarget.value })} error={fieldError(create.error, 'code_param')} />
            <TextInput label={t({ en: 'Locale', zh: '语言' })} placeholder="zh-CN" value={form.locale}
              onChange={(e) => setForm({ ...form, locale: e.currentTarget.value })} error={fieldError(create.error, 'locale')} />
          </SimpleGrid>
          <Textarea mt="sm" label={t({ en: 'Content', zh: '内容' })} placeholder={'Your code is ${code}.'} autosize minRows={2} value={form.content}
            description={t({ en: 'What the console provider renders and Twilio sends; ${code} becomes the code.', zh: 'console 渠道渲染、Twilio 发送的正文；${code} 会替换为验证码。' })}
            onChange={(e) => setForm({ ...form, content: e.currentTarget.value })} error={fieldError(create.error, 'content')} />
          <Group mt="sm">
            <Button type="submit" loading={create.busy}>{t({ en: 'Add template', zh: '添加模板' })}</Button>
          </Group>
          <FormErrors error={create.error} fields={['template_code', 'scene', 'code_param', 'locale', 'content']} />
        </Paper>
      )}
      {editing && <EditTemplate template={editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); list.reload(); }} />}
    </Stack>
  );
}

/** The error's alert unless one of the form's fields already shows it. */
export function FormErrors({ error, fields }: { error: unknown; fields: string[] }) {
  if (fields.some((f) => fieldError(error, f))) return null;
  return <ErrorAlert error={error} />;
}

export function SceneSelect({ value, onChange, error, label, required = false }: {
  value: Scene | '';
  onChange(scene: Scene | ''): void;
  error?: string;
  label?: string;
  required?: boolean;
}) {
  const { t } = useI18n();
  const data = [
    ...(required ? [] : [{ value: '', label: t({ en: '(none)', zh: '（无）' }) }]),
    ...SCENES.map((s) => ({ value: s.value, label: sceneLabel(s.value, t) })),
  ];
  return <NativeSelect label={label ?? t({ en: 'Scene', zh: '场景' })} required={required} value={value} error={error}
    onChange={(e) => onChange(e.currentTarget.value as Scene | '')} data={data} />;
}

/** PATCH /admin/sms/templates/:id: scene, code_param, content, locale (an empty one clears it). */
function EditTemplate({ template, onClose, onSaved }: { template: SmsTemplate; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const save = useAction();
  const [scene, setScene] = useState<Scene | ''>(template.scene ?? '');
  const [codeParam, setCodeParam] = useState(template.code_param);
  const [content, setContent] = useState(template.content ?? '');
  const [locale, setLocale] = useState(template.locale ?? '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = {
      scene: scene || null,
      code_param: codeParam,
      // The document types content as an object; the API takes a string or null (README, SMS delivery).
      content: (content || null) as never,
      locale: locale || null,
    };
    void save.run(() => unwrap(client.PATCH('/admin/sms/templates/{id}', { params: { path: { id: template.id } }, body })), onSaved);
  };

  return (
    <Modal opened onClose={onClose} title={t({ en: 'Edit template {code}', zh: '编辑模板 {code}' }, { code: template.template_code })}
      closeButtonProps={{ 'aria-label': t({ en: 'Close', zh: '关闭' }) }}>
      <form onSubmit={submit}>
        <Stack>
          <SceneSelect value={scene} onChange={setScene} error={fieldError(save.error, 'scene')} />
          <TextInput label={t({ en: 'Code parameter', zh: '验证码参数' })} value={codeParam} onChange={(e) => setCodeParam(e.currentTarget.value)}
            error={fieldError(save.error, 'code_param')} />
          <TextInput label={t({ en: 'Locale', zh: '语言' })} placeholder="zh-CN" value={locale} onChange={(e) => setLocale(e.currentTarget.value)}
            error={fieldError(save.error, 'locale')} />
          <Textarea label={t({ en: 'Content', zh: '内容' })} autosize minRows={2} value={content} onChange={(e) => setContent(e.currentTarget.value)}
            error={fieldError(save.error, 'content')} />
          <FormErrors error={save.error} fields={['scene', 'code_param', 'locale', 'content']} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t({ en: 'Cancel', zh: '取消' })}</Button>
            <Button type="submit" loading={save.busy}>{t({ en: 'Save template', zh: '保存模板' })}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
