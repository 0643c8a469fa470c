import { type INestApplication, type Type } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { type NestContainer } from '@nestjs/core';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { routeConfigOf } from '../common/http/route-config.js';
import { THROTTLER_METADATA } from '../throttle/throttler-metadata.js';

/** A handler of the application, as the document generator needs to know it. */
export interface RouteHandler {
  /** `Controller.method`, for messages. */
  name: string;
  handler: object;
  /** The guards of its controller, then its own. */
  guards: unknown[];
  /** Its throttling is switched off (@SkipThrottle). */
  skipThrottle: boolean;
  /** Its answer is sent without the dialect's envelope (RawResponse). */
  raw: boolean;
  /** The request fields its DTOs validate (body and query), with the constraints each can fail. */
  fields: DtoField[];
}

export interface DtoField {
  /** The field as errors name it: `mobile`, or `phonePassCodePayload.newPhoneNumber` inside a nested DTO. */
  name: string;
  /** Absent or empty fails (IsNotEmpty, IsDefined, and no IsOptional). */
  required: boolean;
  /** The class-validator constraint names it can fail (`isNotEmpty`, `maxLength`, …). */
  constraints: string[];
}

/** The route-argument kinds whose DTOs hold request fields (RouteParamtypes.BODY and QUERY). */
const DTO_ARGUMENTS = new Set([3, 4]);
/** @nestjs/throttler's metadata key of @SkipThrottle() for the default throttler. */
const SKIP_DEFAULT_THROTTLER = `${THROTTLER_METADATA.skip}default`;

/**
 * Every route handler of the application, by the operationId the document gives it
 * (`Controller_method`, see {@link operationId}). Read from the Nest container, so it
 * works on an application created in preview mode (no provider instantiated).
 */
export function routeHandlers(app: INestApplication): Map<string, RouteHandler> {
  const container = (app as unknown as { container: NestContainer }).container;
  const routes = new Map<string, RouteHandler>();
  for (const module of container.getModules().values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller || Reflect.getMetadata(PATH_METADATA, controller) === undefined) continue;
      for (const key of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = Object.getOwnPropertyDescriptor(controller.prototype, key)?.value as object | undefined;
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        routes.set(operationId(controller.name, key), {
          name: `${controller.name}.${key}`,
          handler,
          guards: [...metadataList(GUARDS_METADATA, controller), ...metadataList(GUARDS_METADATA, handler)],
          skipThrottle: Boolean(Reflect.getMetadata(SKIP_DEFAULT_THROTTLER, handler) ?? Reflect.getMetadata(SKIP_DEFAULT_THROTTLER, controller)),
          raw: Boolean(routeConfigOf(handler)?.passcodeRawResponse),
          fields: dtoTypes(controller, key).flatMap((dto) => dtoFields(dto, '')),
        });
      }
    }
  }
  return routes;
}

/** The operationId of a handler (SwaggerModule.createDocument's operationIdFactory). */
export function operationId(controllerName: string, methodName: string): string {
  return `${controllerName}_${methodName}`;
}

function metadataList(key: string, target: object): unknown[] {
  return (Reflect.getMetadata(key, target) as unknown[] | undefined) ?? [];
}

/** The DTO classes of a handler's @Body() and @Query() arguments. */
function dtoTypes(controller: Type, key: string): Type[] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, key) as Record<string, { index: number; data?: unknown }> | undefined) ?? {};
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, key) as Type[] | undefined) ?? [];
  return Object.entries(args)
    .filter(([kind, arg]) => DTO_ARGUMENTS.has(Number(kind.split(':')[0])) && arg.data === undefined)
    .map(([, arg]) => types[arg.index])
    .filter((type): type is Type => typeof type === 'function' && getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0);
}

/** A DTO's validated properties, nested DTOs as dotted paths (as the validation pipe names them). */
function dtoFields(dto: Type, prefix: string): DtoField[] {
  const storage = getMetadataStorage();
  const byProperty = new Map<string, DtoField & { optional: boolean }>();
  const nested: Array<[string, Type]> = [];
  for (const m of storage.getTargetValidationMetadatas(dto, '', true, false)) {
    const field = byProperty.get(m.propertyName) ?? { name: prefix + m.propertyName, required: false, optional: false, constraints: [] };
    byProperty.set(m.propertyName, field);
    if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) field.optional = true;
    else if (m.type === ValidationTypes.NESTED_VALIDATION) {
      const type = Reflect.getMetadata('design:type', dto.prototype, m.propertyName) as Type | undefined;
      if (type && type !== Array && type !== Object) nested.push([m.propertyName, type]);
    } else {
      const name = m.type === ValidationTypes.CUSTOM_VALIDATION ? (m.name ?? storage.getTargetValidatorConstraints(m.constraintCls)[0]?.name) : m.type;
      if (name && !field.constraints.includes(name)) field.constraints.push(name);
    }
  }
  const fields: DtoField[] = [];
  for (const { optional, ...field } of byProperty.values()) {
    field.required = !optional && field.constraints.some((c) => c === 'isNotEmpty' || c === 'isDefined');
    fields.push(field);
  }
  return [...fields, ...nested.flatMap(([property, type]) => dtoFields(type, `${prefix}${property}.`))];
}
