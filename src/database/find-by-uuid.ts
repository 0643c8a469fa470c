import { type EntityManager, type EntityTarget, type FindOptionsWhere, type ObjectLiteral } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` is a uuid: Postgres refuses to compare a uuid column with anything else (a 500 for a typo in a URL). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/**
 * The row of `entity` whose uuid primary key is `id`, under a row lock (FOR
 * UPDATE) when `lock` is set; null for an unknown id, and for one that is not a
 * uuid at all (Postgres would refuse the comparison: a 500 for a typo in a URL).
 */
export async function findByUuid<E extends ObjectLiteral & { id: string }>(
  m: EntityManager,
  entity: EntityTarget<E>,
  id: string,
  lock = false,
): Promise<E | null> {
  if (!isUuid(id)) return null;
  return m.getRepository(entity).findOne({ where: { id } as FindOptionsWhere<E>, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
}
