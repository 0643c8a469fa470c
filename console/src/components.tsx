import { Alert, Group, Pagination, Text } from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { ApiError } from './api';
import { useI18n } from './i18n';

/** An API error as the operator should read it: the server's message, with its code. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useI18n();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" role="alert" title={title ?? t({ en: 'Request failed', zh: '请求失败' })}>
      <Text size="sm">{message}</Text>
      {code && <Text size="xs" c="dimmed" ff="monospace">{code}</Text>}
    </Alert>
  );
}

/** The message to show under a form field when the API's VALIDATION_FAILED names it (or a field inside it). */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError) || error.code !== 'VALIDATION_FAILED' || !error.field) return undefined;
  return error.field === field || error.field.startsWith(`${field}.`) || error.field.startsWith(`${field}[`) ? error.message : undefined;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Loads what `load` answers, again whenever `deps` change or `reload()` is called.
 * New `deps` (another filter or page) drop what the old ones loaded, so their rows are never
 * shown as the new query's answer; `reload()` keeps the rows on screen until the fresh ones come.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  const loaded = useRef(run);
  useEffect(() => {
    let live = true;
    const sameQuery = loaded.current === run;
    loaded.current = run;
    setState((s) => (sameQuery ? { ...s, loading: true } : { loading: true }));
    run().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => { live = false; };
  }, [run, round]);
  return { data: state.data, error: state.error, loading: state.loading, reload: () => setRound((r) => r + 1) };
}

/** Page links under a list the API pages (`total`, `page`, `page_size`). */
export function Pager({ total, page, pageSize, onChange }: { total: number; page: number; pageSize: number; onChange(page: number): void }) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <Group justify="space-between" mt="sm">
      <Text size="sm" c="dimmed">{t({ en: '{n} in all', zh: '共 {n} 条' }, { n: total })}</Text>
      {pages > 1 && <Pagination total={pages} value={page} onChange={onChange} size="sm" aria-label={t({ en: 'Pages', zh: '分页' })} />}
    </Group>
  );
}

/** A timestamp in the operator's locale and time zone; blank for none. */
export function formatTime(value: string | null | undefined, lang: string): string {
  if (!value) return '—';
  return new Date(value).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
}

/**
 * One request a button or form sends: `busy` while it runs, `error` what it failed with
 * (kept until the next run), the answer handed to `then`.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run<T>(request: () => Promise<T>, then?: (answer: T) => void): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const answer = await request();
      then?.(answer);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run, clear: () => setError(null) };
}
