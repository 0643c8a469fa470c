/**
 * The rows of a raw `manager.query(...)`. TypeORM's Postgres driver answers
 * UPDATE and DELETE as `[rows, rowCount]` and everything else as `rows`.
 */
export function sqlRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** True for a Postgres unique violation (SQLSTATE 23505), as TypeORM wraps it. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e?.code === '23505' || e?.driverError?.code === '23505';
}
