import { type ArgumentMetadata, createParamDecorator, type ExecutionContext, Injectable, type PipeTransform, type ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import { unstorableIn } from '../text/storable-text.js';
import { CompiledDto, validationFailed } from './compiled-dto.js';
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
 * The parsed body, for a handler that bounds and checks it itself: the pipe leaves
 * a custom decorator's value alone, its scan for what Postgres cannot store
 * included, so a value in a field the handler ignores refuses nothing (an Aliyun
 * receipt push with a NUL in one report's `err_msg` was refused whole, all its
 * reports with it). The handler must refuse what it would store unstorable.
 */
export const SelfCheckedBody = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => {
  return ctx.getArgByIndex<{ body?: unknown }>(0).body;
});

/**
 * The global validation pipe. Admin DTOs refuse unknown fields; DTOs marked
 * {@link LenientDto} ignore them. A failure becomes VALIDATION_FAILED naming the
 * first offending field (dotted path) and the failed constraint, so each dialect
 * can pick its own code for that field.
 *
 * A DTO's rules run compiled ({@link CompiledDto}, read once from the same
 * decorators); Nest's ValidationPipe with class-transformer and class-validator is
 * the reference they reproduce, and it still validates what they do not model.
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

  private mode: 'compiled' | 'reference' | 'compiled-only' = 'compiled';

  /** A pipe that validates the reference way only: what the compiled rules are proven against. */
  static reference(): PasscodeValidationPipe {
    const pipe = new PasscodeValidationPipe();
    pipe.mode = 'reference';
    return pipe;
  }

  /** A pipe that fails where the compiled rules would hand a value to the reference: to prove they ran. */
  static compiledOnly(): PasscodeValidationPipe {
    const pipe = new PasscodeValidationPipe();
    pipe.mode = 'compiled-only';
    return pipe;
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    // What the reference does with a custom decorator's value (no validateCustomDecorators): nothing, but after a promise.
    if (metadata.type === 'custom' && this.mode !== 'reference') return value;
    const dto = dtoOf(metadata.metatype);
    // A body that is not an object (a JSON array, a string) cannot fill a DTO.
    if (metadata.type === 'body' && dto && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      value = {};
    }
    if (this.mode !== 'reference' && dto?.compiled && metadata.type !== 'custom' && isPlainObject(value)) {
      const valid = dto.compiled.run(value, !dto.lenient);
      if (valid !== undefined) return checkStorable(valid, metadata);
    }
    if (this.mode === 'compiled-only') throw new Error(`the compiled rules of ${String(metadata.metatype?.name)} did not take this value`);
    return this.byReference(value, metadata, dto?.lenient ?? false);
  }

  private async byReference(value: unknown, metadata: ArgumentMetadata, lenient: boolean): Promise<unknown> {
    return checkStorable(await (lenient ? this.lenient : this.strict).transform(value, metadata), metadata);
  }
}

/** What the pipe knows of a DTO class, once. */
interface DtoClass {
  lenient: boolean;
  compiled?: CompiledDto;
}

const dtoClasses = new WeakMap<object, DtoClass | null>();

/** The DTO class a parameter is declared as; undefined for a primitive or no type. */
function dtoOf(metatype: unknown): DtoClass | undefined {
  if (typeof metatype !== 'function') return undefined;
  let dto = dtoClasses.get(metatype);
  if (dto === undefined) {
    // Nest's ValidationPipe leaves Buffer and Date parameters alone; so does the reference here.
    const validated = metatype !== Buffer && metatype !== Date;
    dto = [String, Boolean, Number, Array, Object].includes(metatype as never)
      ? null
      : { lenient: Boolean(Reflect.getMetadata(LENIENT, metatype)), compiled: validated ? CompiledDto.for(metatype) : undefined };
    dtoClasses.set(metatype, dto);
  }
  return dto ?? undefined;
}

/** A parsed body or query: JSON's objects, forms' and query strings' null-prototype ones. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** What is left after validation (unknown fields of lenient DTOs are gone) may reach the database. */
function checkStorable(valid: unknown, metadata: ArgumentMetadata): unknown {
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

/**
 * The dotted path of the first string Postgres cannot store (U+0000, an unpaired
 * surrogate), and what it holds: refused here, by name, rather than failing in
 * the database. Walks what validation left (plain values and DTO instances) as
 * deep as a body may nest.
 */
function findUnstorable(value: unknown, path: string, depth = 0): { field: string; what: string } | undefined {
  if (typeof value === 'string') {
    // Nearly every string holds neither: two fast looks before unstorableIn's regex.
    if (!value.includes('\u0000') && (value as string & { isWellFormed(): boolean }).isWellFormed()) return undefined;
    const what = unstorableIn(value);
    return what ? { field: path, what } : undefined;
  }
  if (value === null || typeof value !== 'object' || depth > MAX_BODY_DEPTH) return undefined;
  for (const key of Object.keys(value)) {
    const found = findUnstorable((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function toValidationError(errors: ValidationError[]): DomainError {
  const { path, error } = firstLeaf(errors, '');
  const [constraint, text] = Object.entries(error?.constraints ?? {})[0] ?? ['invalid', `${path} is invalid`];
  if (!error) return new DomainError('VALIDATION_FAILED', { field: path, constraint, message: text });
  return validationFailed(path, error.property, constraint, text);
}

function firstLeaf(errors: ValidationError[], prefix: string): { path: string; error?: ValidationError } {
  const first = errors[0];
  if (!first) return { path: prefix };
  const path = prefix ? `${prefix}.${first.property}` : first.property;
  if (first.constraints && Object.keys(first.constraints).length) return { path, error: first };
  if (first.children?.length) return firstLeaf(first.children, path);
  return { path, error: first };
}
