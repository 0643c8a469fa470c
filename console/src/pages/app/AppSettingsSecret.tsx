import { ActionIcon, Alert, Button, CopyButton, Group, Modal, Stack, TextInput, Tooltip } from '@mantine/core';
import { useI18n } from '../../i18n';

/** A read-only value with a button that copies it (appkeys, secrets). */
export function CopyField({ label, value, copyLabel }: { label: string; value: string; copyLabel: string }) {
  const { t } = useI18n();
  return (
    <Group gap="xs" wrap="nowrap" align="flex-end">
      <TextInput label={label} value={value} readOnly styles={{ input: { fontFamily: 'monospace' } }} style={{ flex: 1, minWidth: 0 }}
        onFocus={(e) => e.currentTarget.select()} />
      <CopyButton value={value} timeout={2000}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? t({ en: 'Copied', zh: '已复制' }) : copyLabel} withArrow>
            <Button variant={copied ? 'filled' : 'light'} color={copied ? 'teal' : undefined} onClick={copy} aria-label={copyLabel}>
              {copied ? t({ en: 'Copied', zh: '已复制' }) : t({ en: 'Copy', zh: '复制' })}
            </Button>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

/** The appkey's copy button for headers and rows: the value itself is shown beside it. */
export function CopyIcon({ value, label }: { value: string; label: string }) {
  const { t } = useI18n();
  return (
    <CopyButton value={value} timeout={2000}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? t({ en: 'Copied', zh: '已复制' }) : label} withArrow>
          <ActionIcon variant="subtle" color={copied ? 'teal' : 'gray'} onClick={copy} aria-label={label}>
            {copied ? <CheckIcon /> : <CopyGlyph />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

// Drawn here rather than taken from an icon package: the console adds no npm package for two icons.
function CopyGlyph() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <rect x="9" y="9" width="12" height="12" rx="2" />
      <path d="M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1" />
    </svg>
  );
}

function CheckIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="M5 12l5 5L20 7" />
    </svg>
  );
}

export interface ShownSecret {
  appkey: string;
  secret: string;
}

/**
 * The secret an app's creation or rotation answered, shown this once: the API
 * never shows it again and the console keeps it only while this modal is open
 * (the caller drops it on close).
 */
export function SecretModal({ shown, title, onClose }: { shown: ShownSecret | null; title: string; onClose(): void }) {
  const { t } = useI18n();
  return (
    <Modal opened={shown !== null} onClose={onClose} title={title} closeOnClickOutside={false} size="lg">
      {shown && (
        <Stack>
          <Alert color="yellow" title={t({ en: 'Copy the secret now', zh: '请立即复制密钥' })}>
            {t({
              en: 'The secret will not be shown again. Store it where the app\'s back end reads it; if it is lost, rotate the secret.',
              zh: '密钥不会再次显示。请将其保存到应用后端读取的位置；如果丢失，请轮换密钥。',
            })}
          </Alert>
          <CopyField label={t({ en: 'Appkey', zh: 'Appkey' })} value={shown.appkey} copyLabel={t({ en: 'Copy appkey', zh: '复制 Appkey' })} />
          <CopyField label={t({ en: 'Secret', zh: '密钥' })} value={shown.secret} copyLabel={t({ en: 'Copy secret', zh: '复制密钥' })} />
          <Group justify="flex-end">
            <Button onClick={onClose}>{t({ en: 'I have stored it', zh: '我已保存' })}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
