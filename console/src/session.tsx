import { createContext, useContext, type ReactNode } from 'react';
import type { components } from '../../test/support/openapi/schema';

/** The signed-in operator (GET /admin/operators/me): the console shows what their role may do, the API decides. */
export type Operator = components['schemas']['OperatorData'];

const SessionContext = createContext<Operator | null>(null);

export function SessionProvider({ operator, children }: { operator: Operator; children: ReactNode }) {
  return <SessionContext.Provider value={operator}>{children}</SessionContext.Provider>;
}

export function useOperator(): Operator {
  const operator = useContext(SessionContext);
  if (!operator) throw new Error('useOperator outside SessionProvider');
  return operator;
}

/** Whether the operator may change this app (owners: every app; admins: theirs; viewers: none). */
export function canChangeApp(operator: Operator, appId: string): boolean {
  return operator.role === 'owner' || (operator.role === 'admin' && operator.app_ids.includes(appId));
}

/** An app as GET /admin/apps/:id answers it. */
export type AppData = components['schemas']['AppData'];
