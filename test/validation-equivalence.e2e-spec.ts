import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArgumentMetadata, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { type NestContainer, NestFactory } from '@nestjs/core';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage, IsEmail, IsNotEmpty, ValidationTypes } from 'class-validator';
import fc from 'fast-check';
import { V1SmsCheckDto, V1SmsSendDto } from '../src/api/v1/v1.dto.js';
import { AppModule } from '../src/app.module.js';
import { createAdapter } from '../src/bootstrap.js';
import { DomainError } from '../src/common/errors/domain-error.js';
import { CompiledDto } from '../src/common/http/compiled-dto.js';
import { PasscodeValidationPipe } from '../src/common/http/validation.pipe.js';
import { ensureGeneratedKeys, loadConfig } from '../src/config/app-config.js';

/*
 * The compiled validators against the reference (Nest's ValidationPipe with
 * class-transformer and class-validator, as PasscodeValidationPipe ran it before):
 * for every DTO a controller takes, many generated inputs through both, with the
 * same outcome required — the same VALIDATION_FAILED (field, constraint, message),
 * or an instance of the same class with the same fields in the same order, and the
 * input left as the reference leaves it. The compiled side runs compiled-only, so a
 * value it handed to the reference would fail here instead of passing unproven.
 */

interface Route {
  name: string;
  metadata: ArgumentMetadata;
}

/** Each DTO parameter (@Body, @Query, @Param of a class) of every controller, from Nest's route metadata. */
async function controllerDtos(): Promise<Route[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-validation-'));
  try {
    const env = { NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    ensureGeneratedKeys(env);
    const config = loadConfig(env);
    const app = await NestFactory.create(AppModule.forRoot(config), createAdapter(config), { preview: true, logger: false, abortOnError: false });
    try {
      const routes = new Map<string, Route>();
      const container = (app as unknown as { container: NestContainer }).container;
      const kinds = new Map([[RouteParamtypes.BODY, 'body'], [RouteParamtypes.QUERY, 'query'], [RouteParamtypes.PARAM, 'param']] as const);
      for (const module of container.getModules().values()) {
        for (const wrapper of module.controllers.values()) {
          const controller = wrapper.metatype as Type | null;
          if (!controller) continue;
          for (const key of Object.getOwnPropertyNames(controller.prototype)) {
            const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, key) ?? {}) as Record<string, { index: number; data?: string }>;
            const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, key) ?? []) as unknown[];
            for (const [kindKey, arg] of Object.entries(args)) {
              const type = kinds.get(Number(kindKey.split(':')[0]));
              const metatype = types[arg.index];
              if (!type || typeof metatype !== 'function' || [String, Number, Boolean, Object, Array].includes(metatype as never)) continue;
              const name = `${controller.name}.${key} @${type}(${arg.data ?? ''}) ${metatype.name}`;
              routes.set(name, { name, metadata: { type, metatype: metatype as Type, data: arg.data } });
            }
          }
        }
      }
      return [...routes.values()];
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- the inputs ----------------------------------------------------------------

const HEX64 = 'a3f1'.repeat(16);
const GENERIC: unknown[] = [
  null, true, false, 0, -0, 1, -1, 1.5, 2, 12, 100, 2_147_483_647, 2_147_483_648, -2_147_483_649, 1e21, Number.MAX_SAFE_INTEGER,
  '', ' ', 'a', 'abc', '0', '1', '2', '3', '5', '6', '-1', '12', '1.5', '007', ' 12', '12 ', '1e3', '0x10', '１２', 'NaN',
  '2147483647', '2147483648', '-2147483649', '99999999999', '1744773894369', '12345678901234567',
  '+86', '86', '+1', '+', '18518768888', '+8613800000000', '8613800000000', '1234', '12345', '123456', '1234567',
  'login', 'register', 'reset_password', 'update_phone', 'verify_old_phone', 'deregister', 'LOGIN', 'REGISTER', 'RESET_PASSWORD',
  'CHANNEL_LOGIN', 'CHANNEL_BIND_PHONE', 'PHONE_PASSCODE', 'phone_passcode', 'http', 'https', 'aliyun', 'console', 'enabled', 'disabled',
  'sending', 'sent', 'failed', 'verification', 'notification', 'CN', 'cn', 'USA', 'SMS_123456789', 'code', 'code-x', 'my app',
  'dysmsapi.aliyuncs.com', 'host:99999', 'host:443', 'a b', 'A1b2C3d4E5f6G7h8', 'A1b2C3d4E5f6G7h', HEX64, HEX64.toUpperCase(), HEX64.slice(1),
  '3f2504e0-4f89-41d3-9a0c-0305e82c3301', '3F2504E0-4F89-41D3-9A0C-0305E82C3301', '3f2504e0-4f89-41d3-9a0c-0305e82c330', 'not-a-uuid',
  '2024-01-01', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000+08:00', '2024-13-01', 'yesterday',
  'a\u0000b', '\u0000', '\uD800', 'a\uDC00b', '😀', '😀'.repeat(17), 'e\u0301', 'a\uFE0F', 'a\uFE0E'.repeat(5), '\u200B', 'Ω',
  'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(1000), 'x'.repeat(1001), 'x'.repeat(5000),
  'property', 'prop', '$value', '$property', '$constraint1', '$&', 'true', 'false', 'null', 'undefined', '[object Object]',
  [], ['a'], [1], [''], ['CN'], ['CN', 'US'], ['cn'], ['1', '2'], [null], [[]], [{}], [['CN']], ['a', 'a\u0000'],
  {}, { a: 1 }, { code: '1' }, { toString: 'x' }, { valueOf: 1 }, { length: 6 }, { enabled: true }, { a: { b: [1, { c: '\uD800' }] } },
  Array.from({ length: 251 }, () => 'CN'), Array.from({ length: 21 }, (_, i) => ({ phone: `+86138000000${String(i).padStart(2, '0')}`, code: '1234' })),
];

interface Field {
  name: string;
  values: unknown[];
  nested?: Type;
  /** ValidateNested({ each: true }): an array of the nested DTO. */
  each?: boolean;
}

/** A DTO's properties as class-validator groups them, each with values near its rules' bounds. */
function fieldsOf(cls: Type): Field[] {
  const grouped = getMetadataStorage().groupByPropertyName(getMetadataStorage().getTargetValidationMetadatas(cls, undefined as unknown as string, false, false));
  return Object.entries(grouped).map(([name, metadatas]) => {
    const values: unknown[] = [];
    const example = (Reflect.getMetadata('swagger/apiModelProperties', cls.prototype, name) as { example?: unknown } | undefined)?.example;
    if (example !== undefined) values.push(example);
    for (const m of metadatas) {
      for (const c of (m.constraints ?? []) as unknown[]) {
        if (typeof c === 'number') {
          for (const n of [c - 1, c, c + 1]) values.push(n, String(n), 'a'.repeat(Math.max(0, Math.min(n, 3000))));
          for (const n of [Math.floor(c / 2), c, c + 1]) values.push('a\uFE0F'.repeat(Math.max(0, Math.min(n, 3000))), '😀'.repeat(Math.max(0, Math.min(n, 3000))));
        }
        if (Array.isArray(c)) for (const v of c) values.push(v, `${String(v)} `, String(v).toUpperCase(), typeof v === 'number' ? String(v) : v);
      }
    }
    const type = m0Type(cls, name);
    const nestedRule = metadatas.find((m) => m.type === ValidationTypes.NESTED_VALIDATION);
    const nested = nestedRule && typeof type === 'function' ? (type as Type) : undefined;
    return { name, values: [...new Set([...values, ...GENERIC])], nested, each: nestedRule?.each };
  });
}

function m0Type(cls: Type, name: string): unknown {
  const meta = defaultMetadataStorage.findTypeMetadata(cls, name);
  return meta?.typeFunction?.();
}

const reference = PasscodeValidationPipe.reference();
const compiled = PasscodeValidationPipe.compiledOnly();

/** A valid object of `cls`, field by field in class-validator's order, each the first candidate the reference lets pass. */
async function validBase(cls: Type, depth = 0): Promise<Record<string, unknown>> {
  const base: Record<string, unknown> = {};
  const metadata: ArgumentMetadata = { type: 'body', metatype: cls };
  for (const field of fieldsOf(cls)) {
    const candidates = field.nested && depth < 3 ? await nestedCandidates(field.nested, depth) : [];
    for (const value of [...candidates, ...field.values]) {
      const outcome = await run(reference, { ...base, [field.name]: value }, metadata);
      const at = 'error' in outcome ? (outcome.details as { field?: string }).field ?? '' : undefined;
      if (at === undefined || (at !== field.name && !at.startsWith(`${field.name}.`))) {
        base[field.name] = value;
        break;
      }
    }
  }
  return base;
}

async function nestedCandidates(cls: Type, depth: number): Promise<unknown[]> {
  const base = await validBase(cls, depth + 1);
  return [base, [base], [base, base]];
}

/** Inputs for a route's DTO: its variants, the same as forms, bodies that are no object, and random mixes. */
async function inputsFor(cls: Type): Promise<unknown[]> {
  const base = await validBase(cls);
  const inputs: unknown[] = [undefined, null, 'x', 7, [], [base]];
  const variants = await variantsOf(cls, 0);
  inputs.push(...variants);
  // Forms and query strings: null-prototype objects of strings, a repeated field an array.
  for (const field of fieldsOf(cls)) for (const value of field.values) inputs.push(asForm({ ...base, [field.name]: value }));
  for (const extra of hostileKeys()) inputs.push(asForm({ ...base, ...extra }));
  // Random mixes of every field's values, some fields left out, and unknown fields.
  const fields = fieldsOf(cls);
  const absent = Symbol('absent');
  const mixed = fc
    .tuple(
      fc.tuple(...fields.map((f) => fc.oneof(fc.constant(absent), fc.constantFrom(...f.values)))),
      fc.dictionary(fc.constantFrom('extra', 'toString', 'constructor', '0', 'zz'), fc.constantFrom(...GENERIC), { maxKeys: 3 }),
    )
    .map(([values, extra]) => {
      const input: Record<string, unknown> = {};
      fields.forEach((f, i) => {
        if (values[i] !== absent) input[f.name] = values[i];
      });
      return { ...input, ...extra };
    });
  inputs.push(...fc.sample(mixed, { numRuns: 400, seed: 14 }));
  return inputs;
}

/**
 * Objects of `cls`: its valid base, then each field left out or set to each of its
 * values, then extra and hostile keys; a nested DTO's field takes each variant of
 * that DTO (in an array when it validates each item).
 */
async function variantsOf(cls: Type, depth: number): Promise<Array<Record<string, unknown>>> {
  const base = await validBase(cls, depth);
  const variants: Array<Record<string, unknown>> = [base];
  for (const field of fieldsOf(cls)) {
    const { [field.name]: _, ...without } = base;
    variants.push(without);
    for (const value of field.values) variants.push({ ...base, [field.name]: value });
    if (field.nested && depth < 2) {
      const nestedBase = await validBase(field.nested, depth + 1);
      for (const variant of await variantsOf(field.nested, depth + 1)) variants.push({ ...base, [field.name]: field.each ? [nestedBase, variant] : variant });
    }
  }
  for (const extra of hostileKeys()) variants.push({ ...base, ...extra }, { ...extra, ...base });
  return variants;
}

function hostileKeys(): Array<Record<string, unknown>> {
  return [
    { extra: 1 }, { constructor: 'x' }, { prototype: 1 }, JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>,
    { toString: 'x' }, { hasOwnProperty: 1 }, { valueOf: {} }, { 0: 1 }, { '': 1 }, { prop: 1 }, { property: 'x' }, { 'a.b': 1 },
    { extra: { z: [1, {}] } }, { extra: 'a\u0000' }, { extra: '\uD800' }, { b: 1, 1: 2, a: 3 },
  ];
}

function asForm(input: Record<string, unknown>): Record<string, unknown> {
  const form = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(input)) {
    if (v === null || v === undefined) continue;
    form[k] = Array.isArray(v) ? v.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))) : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return form;
}

// ---- the comparison ------------------------------------------------------------

type Outcome = { value: unknown; input: unknown } | { error: string; details: unknown; input: unknown } | { thrown: string; message: string; input: unknown };

async function run(pipe: PasscodeValidationPipe, input: unknown, metadata: ArgumentMetadata): Promise<Outcome> {
  const copy = clone(input);
  try {
    const value = await pipe.transform(copy, metadata);
    return { value: asData(value), input: asData(copy) };
  } catch (err) {
    if (err instanceof DomainError) return { error: err.name_, details: { ...err.details }, input: asData(copy) };
    const e = err as Error;
    return { thrown: e.constructor.name, message: e.message, input: asData(copy) };
  }
}

/** A deep copy that keeps prototypes (forms are null-prototype) and own `__proto__` keys. */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value);
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as object;
  for (const key of Object.keys(value)) Object.defineProperty(copy, key, { value: clone((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
  return copy;
}

const classIds = new Map<unknown, string>();

/** A value as data: each object's class (by identity) and its own keys in order, numbers by Object.is. */
function asData(value: unknown): unknown {
  if (value === undefined) return { undefined: true };
  if (typeof value === 'number') return { number: Object.is(value, -0) ? '-0' : String(value) };
  if (Array.isArray(value)) return { array: value.map(asData), keys: Object.keys(value).length };
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name: string } } | null;
  if (!classIds.has(proto)) classIds.set(proto, `${proto === null ? 'null' : proto.constructor?.name}#${classIds.size}`);
  return { class: classIds.get(proto), entries: Object.keys(value).map((k) => [k, asData((value as Record<string, unknown>)[k])]) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function show(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v === undefined ? '<undefined>' : typeof v === 'string' && v.length > 80 ? `${v.slice(0, 20)}…(${v.length})` : v));
}

// ---- the tests -----------------------------------------------------------------

let routes: Route[];

beforeAll(async () => {
  routes = await controllerDtos();
});

describe('compiled validation', () => {
  it('finds the DTOs of the controllers, the hot v1 ones among them, and compiles every one', () => {
    const classes = new Set(routes.map((r) => r.metadata.metatype));
    expect(classes.size).toBeGreaterThanOrEqual(25);
    expect(classes).toContain(V1SmsSendDto);
    expect(classes).toContain(V1SmsCheckDto);
    const unsupported = [...classes].map((c) => [c!.name, CompiledDto.unsupported(c)]).filter(([, why]) => why !== undefined);
    expect(unsupported).toEqual([]);
  });

  it('answers every generated input of every controller DTO as the reference ValidationPipe does', async () => {
    let compared = 0;
    const mismatches: string[] = [];
    const outcomes = new Map<string, number>();
    for (const route of routes) {
      const inputs = await inputsFor(route.metadata.metatype!);
      for (const input of inputs) {
        // A query string always parses to an object; only a body can be anything.
        if (route.metadata.type !== 'body' && !isRecord(input)) continue;
        const [expected, actual] = [await run(reference, input, route.metadata), await run(compiled, input, route.metadata)];
        compared++;
        const kind = 'value' in expected ? 'valid' : 'error' in expected ? (expected.details as { constraint: string }).constraint : `thrown ${expected.thrown}`;
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
        if (show(expected) !== show(actual) && mismatches.length < 10) mismatches.push(`${route.name}\n  input: ${show(asData(input))}\n  reference: ${show(expected)}\n  compiled:  ${show(actual)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(20_000);
    // The inputs reach both sides of the rules: accepted values and each kind of failure.
    // (isArray cannot be the first failure: the rules below it, run first, fail on whatever is no array.)
    const kinds = ['valid', 'isDefined', 'isNotEmpty', 'isString', 'maxLength', 'isIn', 'isInt', 'min', 'max', 'isLength', 'matches', 'isObject', 'isBoolean', 'arrayMaxSize', 'isUuid', 'isDateString', 'whitelistValidation', 'nestedValidation', 'noNulCharacter', 'wellFormedUnicode'];
    expect(kinds.filter((kind) => !outcomes.get(kind))).toEqual([]);
  }, 180_000);

  it('leaves what it does not compile to the reference: a class with a constraint it does not know, a value it does not model', async () => {
    class WithEmail {
      @IsEmail() @IsNotEmpty() email: string;
    }
    expect(CompiledDto.unsupported(WithEmail)).toMatch(/isEmail/);
    const pipe = new PasscodeValidationPipe();
    const metadata: ArgumentMetadata = { type: 'body', metatype: WithEmail };
    expect(await run(pipe, { email: 'a@b.cn' }, metadata)).toEqual(await run(reference, { email: 'a@b.cn' }, metadata));
    expect(await run(pipe, { email: 'nope' }, metadata)).toEqual(await run(reference, { email: 'nope' }, metadata));

    // A Date is no parser's output; the reference copies it as class-transformer does.
    const dated = { mcode: '+86', mobile: new Date(0), scene: 'login', verify_code: '123456' };
    const check: ArgumentMetadata = { type: 'body', metatype: V1SmsCheckDto };
    await expect((async () => compiled.transform(clone(dated), check))()).rejects.toThrow(/did not take this value/);
    expect(await run(new PasscodeValidationPipe(), dated, check)).toEqual(await run(reference, dated, check));
  });
});
