import { closeArrayGaps } from '@nestjs/common/utils/close-array-gaps.util.js';
import { stripProtoKeys } from '@nestjs/common/utils/strip-proto-keys.util.js';
import { type ClassTransformOptions, TransformationType, type TransformMetadata, type TypeMetadata } from 'class-transformer';
import { defaultOptions } from 'class-transformer/cjs/constants/default-options.constant.js';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage, type ValidationArguments, ValidationTypes, type ValidatorConstraintInterface } from 'class-validator';
import { ValidationUtils } from 'class-validator/cjs/validation/ValidationUtils.js';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata.js';
import { DomainError } from '../errors/domain-error.js';

/*
 * What Nest's ValidationPipe (transform, whitelist, stopAtFirstError) does with
 * class-transformer and class-validator, done by rules read once per DTO class from
 * the same decorators' metadata. The reference walks the metadata storages on every
 * request, builds an error tree for every property and awaits a promise; this walks
 * a list. Each step below names the reference code it reproduces (versions pinned in
 * package-lock: @nestjs/common 12.5, class-transformer 0.5.1, class-validator 0.15.1);
 * test/validation-equivalence.e2e-spec.ts runs both on generated inputs for every
 * DTO a controller takes.
 *
 * Anything outside the model (a constraint not listed below, an async one,
 * @Expose/@Exclude, a discriminator, a Date or a Set in the input...) is not
 * guessed at: the class does not compile, or the request goes the reference way.
 */

/** A value the compiled path does not model: the caller asks the reference. */
const BAIL: unique symbol = Symbol('passcode:not-compiled');
type Bail = typeof BAIL;

/**
 * The class-validator constraints compiled, by the name errors carry: the ones the
 * DTOs use (`maxLength` is MaxLength's and v1's MaxChars; `isTemplateParams` is the
 * SMS test send's). Each is run by its own
 * validate(), as class-validator runs it; listed are those known to be synchronous
 * and never to throw, whatever the value, so that stopping at the first failure
 * reports what class-validator's first error reports.
 */
const COMPILED_CONSTRAINTS = new Set([
  'isDefined', 'isNotEmpty', 'isString', 'isIn', 'isInt', 'min', 'max', 'maxLength', 'isLength', 'matches',
  'isObject', 'isBoolean', 'isArray', 'arrayMaxSize', 'arrayMinSize', 'isUuid', 'isDateString', 'isUrl', 'isTemplateParams', 'isDisplayName',
]);

/** The options class-transformer hands a @Transform function (plainToInstance's defaults; Nest passes none). */
const TRANSFORM_OPTIONS: ClassTransformOptions = { ...defaultOptions };

type Dto = Record<string, unknown>;

interface Check {
  metadata: ValidationMetadata;
  /** The constraint name an error carries (`isNotEmpty`). */
  name: string;
  constraint: ValidatorConstraintInterface;
}

/** One property of a DTO as class-validator groups its rules, and as class-transformer fills it. */
interface Property {
  name: string;
  /** IsOptional, ValidateIf: the property is validated only when all hold. */
  conditions: Array<(object: object, value: unknown) => unknown>;
  /** IsDefined first, then the other constraints, in class-validator's order. */
  checks: Check[];
  nested?: ValidationMetadata;
  type?: TypeMetadata;
  transforms: TransformMetadata[];
}

/**
 * A DTO class's validation and transformation, compiled once from its
 * class-validator and class-transformer metadata.
 */
export class CompiledDto {
  private static readonly compiled = new WeakMap<object, CompiledDto | string>();

  /** What class-validator calls the target in a constraint's arguments: the instance's constructor's name. */
  private readonly targetName: string;

  private constructor(
    private readonly cls: new () => Dto,
    /** In class-validator's order (groupByPropertyName's keys). */
    private readonly properties: Property[],
    private readonly byName: Map<string, Property>,
    /** class-validator's own grouping, which its whitelist looks names up in. */
    private readonly grouped: Record<string, ValidationMetadata[]>,
  ) {
    this.targetName = cls.name;
  }

  /** The compiled form of a DTO class; undefined when the class uses something not compiled. */
  static for(metatype: unknown): CompiledDto | undefined {
    const found = CompiledDto.of(metatype);
    return typeof found === 'string' ? undefined : found;
  }

  /** Why a class has no compiled form; undefined when it has one. */
  static unsupported(metatype: unknown): string | undefined {
    const found = CompiledDto.of(metatype);
    return typeof found === 'string' ? found : undefined;
  }

  private static of(metatype: unknown): CompiledDto | string {
    if (typeof metatype !== 'function') return 'not a class';
    let found = CompiledDto.compiled.get(metatype);
    if (found === undefined) {
      try {
        found = CompiledDto.compile(metatype);
      } catch (err) {
        // A metadata storage shaped otherwise than the pinned versions': the reference validates.
        found = `compiling ${metatype.name} threw: ${String(err)}`;
      }
      CompiledDto.compiled.set(metatype, found);
    }
    return found;
  }

  /**
   * The instance Nest's ValidationPipe would hand the controller for `value` (a
   * parsed body or query: an object whose prototype is Object.prototype or null),
   * unknown fields dropped or, when `forbidUnknown`, refused. Throws
   * VALIDATION_FAILED naming the first failure as toValidationError names
   * class-validator's first error. Undefined when the value holds something this
   * path does not model: the caller asks the reference.
   */
  run(value: Dto, forbidUnknown: boolean): object | undefined {
    prepare(value);
    const dto = new this.cls();
    let unknown: string | undefined;
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || key === 'constructor') continue;
      const property = this.byName.get(key);
      if (property === undefined) {
        // Copied by class-transformer, then deleted by the whitelist, or the first one named.
        if (forbidUnknown && unknown === undefined && !skippedByTransformer(dto, key)) unknown = key;
        continue;
      }
      const item = this.transformProperty(property, dto, value, key);
      if (item === BAIL) return undefined;
      dto[key] = item;
    }
    // The whitelist's errors come before any property's.
    if (unknown !== undefined) throw notWhitelisted('', unknown);
    return this.validate(dto, forbidUnknown, '') === BAIL ? undefined : dto;
  }

  /** class-transformer's plainToInstance of a nested object: every key copied, unknown ones too (the whitelist sees them). */
  private build(plain: Dto): Dto | Bail {
    const dto = new this.cls();
    for (const key of Object.keys(plain)) {
      if (key === '__proto__' || key === 'constructor') continue;
      const property = this.byName.get(key);
      let item: unknown;
      if (property !== undefined) item = this.transformProperty(property, dto, plain, key);
      else if (skippedByTransformer(dto, key)) continue;
      else item = CompiledDto.transformValue(plain[key], undefined, undefined);
      if (item === BAIL) return BAIL;
      dto[key] = item;
    }
    return dto;
  }

  /** TransformOperationExecutor.transform's loop body for one key: @Type, then each @Transform. */
  private transformProperty(property: Property, dto: Dto, plain: Dto, key: string): unknown {
    const item = plain[key];
    let type: unknown;
    let arrayType: unknown;
    const meta = property.type;
    if (meta !== undefined) {
      type = meta.typeFunction ? meta.typeFunction({ newObject: dto, object: plain, property: key }) : meta.reflectedType;
      if (Array.isArray(item)) arrayType = meta.reflectedType;
    }
    let result = CompiledDto.transformValue(item, type, arrayType);
    if (result === BAIL) return BAIL;
    for (const t of property.transforms) {
      result = t.transformFn({ value: result, key, obj: plain, type: TransformationType.PLAIN_TO_CLASS, options: TRANSFORM_OPTIONS });
    }
    return result;
  }

  /** ValidationExecutor.execute on a nested instance: its whitelist, then its properties. */
  private validateInstance(dto: Dto, forbidUnknown: boolean, path: string): void | Bail {
    for (const key of Object.keys(dto)) {
      const rules = this.grouped[key];
      if (rules && rules.length !== 0) continue;
      if (forbidUnknown) throw notWhitelisted(path, key);
      delete dto[key];
    }
    return this.validate(dto, forbidUnknown, path);
  }

  /**
   * ValidationExecutor.performValidations for each property, in order, stopping at
   * the first failure: its error is the first of the list class-validator returns.
   */
  private validate(dto: Dto, forbidUnknown: boolean, path: string): void | Bail {
    // The arguments each constraint is called with, as class-validator builds them
    // (`targetName` is the constructor's name); one object, refilled for each call:
    // the compiled constraints read it and keep nothing.
    const args: ValidationArguments = { targetName: this.targetName, property: '', object: dto, value: undefined, constraints: [] };
    for (const property of this.properties) {
      const value = dto[property.name];
      let validated = true;
      for (const condition of property.conditions) if (!condition(dto, value)) validated = false;
      if (!validated) continue;
      for (const check of property.checks) {
        const { metadata } = check;
        args.property = metadata.propertyName;
        args.value = value;
        args.constraints = metadata.constraints;
        let valid: unknown;
        if (!metadata.each || !(Array.isArray(value) || value instanceof Set || value instanceof Map)) {
          valid = check.constraint.validate(value, args);
          if (isPromise(valid)) return BAIL;
        } else {
          if (!Array.isArray(value)) return BAIL;
          const results = value.map((item) => check.constraint.validate(item, args));
          if (results.some(isPromise)) return BAIL;
          valid = results.every((result) => result);
        }
        if (!valid) throw failed(join(path, property.name), property.name, check.name, checkMessage(check, args));
      }
      if (property.nested !== undefined && this.validateNested(value, property.nested, forbidUnknown, join(path, property.name), property.name) === BAIL) return BAIL;
    }
  }

  /** ValidationExecutor.nestedValidations: an array item by item, an object by its class's rules, anything else refused. */
  private validateNested(value: unknown, metadata: ValidationMetadata, forbidUnknown: boolean, path: string, property: string): void | Bail {
    if (value === undefined) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (i in value && this.validateNested(value[i], metadata, forbidUnknown, join(path, String(i)), String(i)) === BAIL) return BAIL;
      }
      return;
    }
    if (value instanceof Set || value instanceof Map) return BAIL;
    if (value instanceof Object) {
      const nested = CompiledDto.for(value.constructor);
      return nested ? nested.validateInstance(value as Dto, forbidUnknown, path) : BAIL;
    }
    // createValidationError(metadata.target, value, metadata): the message is ValidateNested's own.
    const target = metadata.target as { constructor?: { name: string } };
    const args: ValidationArguments = {
      targetName: target.constructor ? target.constructor.name : undefined!,
      property: metadata.propertyName,
      object: metadata.target as object,
      value,
      constraints: metadata.constraints,
    };
    throw failed(path, property, metadata.type, ValidationUtils.replaceMessageSpecialTokens(metadata.message || '', args));
  }

  /** TransformOperationExecutor.transform of a value under a property, for the plain values a parser makes. */
  private static transformValue(value: unknown, type: unknown, arrayType: unknown): unknown {
    if (Array.isArray(value)) {
      const items: unknown = arrayType ? newArray(arrayType) : [];
      if (!Array.isArray(items)) return BAIL;
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) continue; // forEach skips holes
        const item = CompiledDto.transformValue(value[i], type, undefined);
        if (item === BAIL) return BAIL;
        items.push(item);
      }
      return items;
    }
    if (value instanceof Set) return BAIL;
    if (type === String) return value === null || value === undefined ? value : String(value);
    if (type === Number) return value === null || value === undefined ? value : Number(value);
    if (type === Boolean) return value === null || value === undefined ? value : Boolean(value);
    if (type === Date || value instanceof Date || type === Buffer || value instanceof Buffer) return BAIL;
    if (value === null || typeof value !== 'object') return value;
    if (isPromise(value)) return BAIL;
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return BAIL;
    if (type === undefined) return CompiledDto.copyPlain(value as Dto);
    const nested = CompiledDto.for(type);
    return nested ? nested.build(value as Dto) : BAIL;
  }

  /** An object without a @Type: copied into a plain object, key by key. */
  private static copyPlain(value: Dto): unknown {
    const copy: Dto = {};
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || key === 'constructor' || skippedByTransformer(copy, key)) continue;
      const item = CompiledDto.transformValue(value[key], undefined, undefined);
      if (item === BAIL) return BAIL;
      copy[key] = item;
    }
    return copy;
  }

  /** The rules of `cls`, or why they cannot be compiled. */
  private static compile(cls: Function): CompiledDto | string {
    const where = (property: string) => `${cls.name}.${property}`;
    if (!cls.prototype) return `${cls.name} is not a class`;
    // class-transformer skips keys the prototypes define and cannot assign a getter's.
    for (let proto: object | null = cls.prototype; proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      if (proto === null) return `${cls.name}'s prototype chain does not reach Object.prototype`;
      const own = Reflect.ownKeys(proto);
      if (own.length !== 1 || own[0] !== 'constructor') return `${cls.name} or a parent has methods or accessors`;
    }
    const storage = getMetadataStorage();
    // As ValidationExecutor.execute asks (no schema, no groups, `always` false).
    const metadatas = storage.getTargetValidationMetadatas(cls, undefined as unknown as string, false, false, undefined);
    const grouped = storage.groupByPropertyName(metadatas);
    if (defaultMetadataStorage.getStrategy(cls) !== 'none' || defaultMetadataStorage.getExposedMetadatas(cls).length || defaultMetadataStorage.getExcludedMetadatas(cls).length) {
      return `${cls.name} uses @Expose or @Exclude`;
    }
    for (const key of transformedKeys(cls)) if (!Object.hasOwn(grouped, key)) return `${where(key)} is transformed but not validated`;
    const sample = new (cls as new () => Dto)();
    for (const key of Object.keys(sample)) if (!Object.hasOwn(grouped, key)) return `${where(key)} is set by the constructor but not validated`;

    const properties: Property[] = [];
    for (const name of Object.keys(grouped)) {
      if (name === '__proto__' || name === 'constructor' || skippedByTransformer(sample, name)) return `${where(name)}: class-transformer skips this name`;
      const property: Property = { name, conditions: [], checks: [], transforms: [] };
      const defined: Check[] = [];
      const custom: Check[] = [];
      for (const m of grouped[name]) {
        if (m.validateIf || m.context !== undefined) return `${where(name)} has a validateIf or context option`;
        switch (m.type) {
          case ValidationTypes.CONDITIONAL_VALIDATION:
            property.conditions.push(m.constraints[0] as Property['conditions'][number]);
            break;
          case ValidationTypes.IS_DEFINED:
          case ValidationTypes.CUSTOM_VALIDATION:
            for (const c of storage.getTargetValidatorConstraints(m.constraintCls)) {
              const constraint = c.name ? c.name : m.type; // ValidationExecutor.getConstraintType
              if (c.async || !COMPILED_CONSTRAINTS.has(constraint)) return `${where(name)}: constraint ${constraint} is not compiled`;
              (m.type === ValidationTypes.IS_DEFINED ? defined : custom).push({ metadata: m, name: constraint, constraint: c.instance });
            }
            break;
          case ValidationTypes.NESTED_VALIDATION:
            if (property.nested) return `${where(name)} has two ValidateNested`;
            property.nested = m;
            break;
          case ValidationTypes.WHITELIST:
            break;
          default:
            return `${where(name)}: ${m.type} is not compiled`;
        }
      }
      property.checks = [...defined, ...custom];
      const type = defaultMetadataStorage.findTypeMetadata(cls, name) as TypeMetadata | undefined;
      if (type && (type.options?.discriminator || type.reflectedType === Map)) return `${where(name)}: a discriminator or a Map @Type`;
      if (property.nested && !type) return `${where(name)}: ValidateNested without @Type`;
      property.type = type;
      // TransformOperationExecutor.applyCustomTransformations without groups or version.
      property.transforms = defaultMetadataStorage
        .findTransformMetadatas(cls, name, TransformationType.PLAIN_TO_CLASS)
        .filter((t) => !t.options || !t.options.groups || !t.options.groups.length);
      properties.push(property);
    }
    return new CompiledDto(cls as new () => Dto, properties, new Map(properties.map((p) => [p.name, p])), grouped);
  }
}

/**
 * The VALIDATION_FAILED of a failure at `path` (dotted), whose ValidationError
 * names `property`: a message that starts with the property starts with the path.
 */
export function validationFailed(path: string, property: string, constraint: string, text: string): DomainError {
  const message = text.startsWith(property) ? path + text.slice(property.length) : text;
  return new DomainError('VALIDATION_FAILED', { field: path, constraint, message });
}

const failed = validationFailed;

function notWhitelisted(path: string, key: string): DomainError {
  return failed(join(path, key), key, ValidationTypes.WHITELIST, `property ${key} should not exist`);
}

/** ValidationExecutor.createValidationError's message for a failed constraint. */
function checkMessage(check: Check, args: ValidationArguments): string {
  let message = check.metadata.message || '';
  if (!check.metadata.message && check.constraint.defaultMessage instanceof Function) message = check.constraint.defaultMessage(args);
  return ValidationUtils.replaceMessageSpecialTokens(message, args);
}

function join(path: string, property: string): string {
  return path ? `${path}.${property}` : property;
}

/**
 * What ValidationPipe does to a value before transforming it: closeArrayGaps, then
 * stripProtoKeys (`__proto__`, `prototype` and `constructor` keys deleted, at any
 * depth). An object of primitives, the usual body, needs only the three deletes.
 */
function prepare(value: Dto): void {
  for (const key in value) {
    const item = value[key];
    if ((item !== null && typeof item === 'object') || typeof item === 'function') {
      closeArrayGaps(value);
      stripProtoKeys(value);
      return;
    }
  }
  if (Object.hasOwn(value, '__proto__')) delete value['__proto__'];
  if (Object.hasOwn(value, 'prototype')) delete value['prototype'];
  if (Object.hasOwn(value, 'constructor')) delete value['constructor'];
}

/** class-transformer's instantiateArrayType. */
function newArray(arrayType: unknown): unknown {
  const array = new (arrayType as new () => object)();
  return !(array instanceof Set) && !('push' in array) ? [] : array;
}

/** class-transformer does not assign a key its target's prototype defines without a setter, nor one that reads as a function (`toString`). */
function skippedByTransformer(target: object, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor((target.constructor as { prototype: object }).prototype, key);
  return (descriptor !== undefined && !descriptor.set) || (target as Dto)[key] instanceof Function;
}

/** The keys @Type or @Transform metadata is held for, on the class and its ancestors (read as class-transformer's lookups read them). */
function transformedKeys(cls: Function): string[] {
  const storage = defaultMetadataStorage as unknown as {
    _typeMetadatas: Map<Function, Map<string, unknown>>;
    _transformMetadatas: Map<Function, Map<string, unknown>>;
    getAncestors(target: Function): Function[];
  };
  const keys: string[] = [];
  for (const target of [cls, ...storage.getAncestors(cls)]) {
    for (const byTarget of [storage._typeMetadatas, storage._transformMetadatas]) keys.push(...(byTarget.get(target)?.keys() ?? []));
  }
  return keys;
}

function isPromise(value: unknown): boolean {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
