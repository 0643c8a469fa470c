import { useEffect, useState } from 'react';

/** Hash routes (`#/apps/<id>?tab=sms`): the server serves one index.html and needs no fallback. */
export interface Route {
  /** The path's segments: `#/apps/42` is `['apps', '42']`. */
  segments: string[];
  query: URLSearchParams;
}

function current(): Route {
  const hash = window.location.hash.replace(/^#/, '') || '/apps';
  const [path, search = ''] = hash.split('?', 2);
  return { segments: path.split('/').filter(Boolean).map(decoded), query: new URLSearchParams(search) };
}

/** A path segment decoded; one that is no valid escape (`%E0%A4%A`) as it is: decodeURIComponent threw, and the console went blank. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Goes to a console path (`/apps/42`), with query parameters left out when empty. */
export function navigate(path: string, query?: Record<string, string | number | undefined | null>): void {
  window.location.hash = href(path, query).slice(1);
}

export function href(path: string, query?: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}
