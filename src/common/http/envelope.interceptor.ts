import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { DialectResolver } from './dialect-resolver.js';
import { errorContext, requestPath } from './request-context.js';

const RAW_RESPONSE = 'passcode:raw-response';

/** Marks a handler whose return value is sent as is, without the dialect's envelope (health, docs). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Wraps every handler's return value in its dialect's success envelope. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(
    private readonly dialects: DialectResolver,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const dialect = this.dialects.forPath(requestPath(req));
    return next.handle().pipe(map((data) => dialect.success(data, errorContext(req))));
  }
}
