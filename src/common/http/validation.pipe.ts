import { type ArgumentMetadata, Injectable, type PipeTransform, type ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import { unstorableIn } from '../text/storable-text.js';
import { MAX_BODY_DEPTH } from './input-limits.js';

const LENIENT = Symbol('passcode:lenient-dto');

/**
 * Marks a DTO of a seed dialect: unknown fields are dropped instead of refused,
 * because real clients of those APIs send extra fields.
 */
export function LenientDto(): ClassDecorator {
  return (target) => Reflect.defineMetadata(LENIENT, true, target);
}

/**
 * The global validation pipe. Admin DTOs refuse unknown fields; DTOs marked
 * {@link LenientDto} ignore them. A failure becomes VALIDATION_FAILED naming the
 * first offending field (dotted path) and the failed constraint, so each dialect
 * can pick its own code for that field.
 */
@Injectable()
export class PasscodeValidationPipe implements PipeTransform {
  private readonly strict = new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    exceptionFactory: toValidationError,
  });

  private readonly lenient = new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: false,
    stopAtFirstError: true,
    exceptionFactory: toValidationError,
  });

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const lenient = metadata.metatype && Reflect.getMetadata(LENIENT, metadata.metatype);
    // A body that is not an object (a JSON array, a string) cannot fill a DTO.
    if (metadata.type === 'body' && metadata.metatype && isDtoClass(metadata.metatype) && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      value = {};
    }
    const valid: unknown = await (lenient ? this.lenient : this.strict).transform(value, metadata);
    // What is left after validation (unknown fields of lenient DTOs are gone) may reach the database.
    if (metadata.type !== 'custom') {
      const found = findUnstorable(valid, metadata.data ?? '');
      if (found) {
        const { field, what } = found;
        const constraint = what === 'NUL characters' ? 'noNulCharacter' : 'wellFormedUnicode';
        throw new DomainError('VALIDATION_FAILED', { field, constraint, message: `${field} must not contain ${what}` });
      }
    }
    return valid;
  }
}

/**
 * The dotted path of the first string Postgres cannot store (U+0000, an unpaired
 * surrogate), and what it holds: refused here, by name, rather than failing in
 * the database. Walks what validation left (plain values and DTO instances) as
 * deep as a body may nest.
 */
function findUnstorable(value: unknown, path: string, depth = 0): { field: string; what: string } | undefined {
  if (typeof value === 'string') {
    const what = unstorableIn(value);
    return what ? { field: path, what } : undefined;
  }
  if (value === null || typeof value !== 'object' || depth > MAX_BODY_DEPTH) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = findUnstorable(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function isDtoClass(metatype: unknown): boolean {
  return typeof metatype === 'function' && ![String, Boolean, Number, Array, Object].includes(metatype as never);
}

function toValidationError(errors: ValidationError[]): DomainError {
  const { path, error } = firstLeaf(errors, '');
  const [constraint, text] = Object.entries(error?.constraints ?? {})[0] ?? ['invalid', `${path} is invalid`];
  const message = error && text.startsWith(error.property) ? path + text.slice(error.property.length) : text;
  return new DomainError('VALIDATION_FAILED', { field: path, constraint, message });
}

function firstLeaf(errors: ValidationError[], prefix: string): { path: string; error?: ValidationError } {
  const first = errors[0];
  if (!first) return { path: prefix };
  const path = prefix ? `${prefix}.${first.property}` : first.property;
  if (first.constraints && Object.keys(first.constraints).length) return { path, error: first };
  if (first.children?.length) return firstLeaf(first.children, path);
  return { path, error: first };
}
