import { client, unwrap } from '../api';
import type { AppData } from '../session';

/**
 * Every app the operator may read (an admin: theirs), page by page as GET /admin/apps
 * answers them, for pages that name apps by id (statistics, operators' apps).
 */
export async function loadAllApps(): Promise<AppData[]> {
  const apps: AppData[] = [];
  for (let page = 1; ; page++) {
    const data = await unwrap(client.GET('/admin/apps', { params: { query: { page, page_size: 100 } } }));
    apps.push(...data.items);
    if (data.items.length === 0 || apps.length >= data.total) return apps;
  }
}

/** App names by id; an id the list does not hold (a deleted app) is shown as itself. */
export function nameOf(apps: AppData[] | undefined, id: string): string {
  return apps?.find((a) => a.id === id)?.name ?? id;
}
