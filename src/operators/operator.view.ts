import { type OperatorRole } from './operator-access.js';

/** An operator as the admin API shows it: never the password hash. */
export interface OperatorView {
  id: string;
  username: string;
  role: OperatorRole;
  app_ids: string[];
  status: 'enabled' | 'disabled';
  last_login_at: string | null;
  created_at: string;
}

export interface OperatorRow {
  id: string;
  username: string;
  role: OperatorRole;
  status: 'enabled' | 'disabled';
  app_ids: string[];
  last_login_at: Date | null;
  created_at: Date;
}

export function operatorView(r: OperatorRow): OperatorView {
  return {
    id: r.id,
    username: r.username,
    role: r.role,
    app_ids: r.role === 'admin' ? [...r.app_ids].sort() : [],
    status: r.status,
    last_login_at: r.last_login_at ? new Date(r.last_login_at).toISOString() : null,
    created_at: new Date(r.created_at).toISOString(),
  };
}
