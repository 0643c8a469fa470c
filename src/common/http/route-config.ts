import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import { type FastifyContextConfig } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How many values a JSON body of the route may hold, when more than MAX_INPUT_VALUES: for a route that reads its body without a DTO. */
    maxInputValues?: number;
  }
}

/** A handler's Fastify route config, as Nest's `RouteConfig` and {@link MergeRouteConfig} set it. */
export function routeConfigOf(handler: object): FastifyContextConfig | undefined {
  return Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as FastifyContextConfig | undefined;
}

/**
 * Adds `values` to a handler's Fastify route config, keeping what decorators
 * listed below it put there (Nest's `RouteConfig` replaces the whole config).
 */
export function MergeRouteConfig(values: FastifyContextConfig): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...routeConfigOf(handler), ...values }, handler);
    return descriptor;
  };
}
