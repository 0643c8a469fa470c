import { DomainError } from '../../common/errors/domain-error.js';

/**
 * The objects of a pushed status-report batch: `body` must be a JSON array of at
 * most `max` objects. VALIDATION_FAILED naming what is not (`body`, `[i]`).
 */
export function reportObjects(body: unknown, max: number): Array<Record<string, unknown>> {
  if (!Array.isArray(body)) throw invalidReport('body', 'isArray', 'the body is a JSON array of status reports');
  if (body.length > max) throw invalidReport('body', 'arrayMaxSize', `at most ${max} status reports per push`);
  return body.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidReport(`[${i}]`, 'isObject', 'each status report is an object');
    return item as Record<string, unknown>;
  });
}

/** A pushed report's field that is not of its shape. */
export function invalidReport(field: string, constraint: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', { field, constraint, message });
}
