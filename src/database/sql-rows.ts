/**
 * The rows of a raw `manager.query(...)`. TypeORM's Postgres driver answers
 * UPDATE and DELETE as `[rows, rowCount]` and everything else as `rows`.
 */
export function sqlRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/**
 * True for a Postgres unique violation (SQLSTATE 23505), as TypeORM wraps it;
 * with `constraint`, only for a violation of that constraint.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  if (e?.code !== '23505' && e?.driverError?.code !== '23505') return false;
  return constraint === undefined || (e.constraint ?? e.driverError?.constraint) === constraint;
}
