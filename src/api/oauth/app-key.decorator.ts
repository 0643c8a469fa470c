import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** The raw `X-App-Key` header of a seed 004 request (the app is resolved by the controller's service). */
export const AppKeyHeader = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers['x-app-key'];
  return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : undefined;
});
