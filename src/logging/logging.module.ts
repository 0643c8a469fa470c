import { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { type AppConfig } from '../config/app-config.js';

/** Paths whose query string is logged with its keys only: seed 003 puts phone numbers and signatures there. */
function safeUrl(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  if (q === -1) return url;
  const keys = url
    .slice(q + 1)
    .split('&')
    .map((pair) => pair.split('=')[0])
    .filter(Boolean);
  return `${url.slice(0, q)}?${keys.map((k) => `${k}=~`).join('&')}`;
}

/**
 * pino JSON logs with the request id on every request line. Request lines
 * carry the method and the path with query values removed; bodies, headers and
 * query values (which hold phone numbers, codes and signatures) are never logged.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, stream?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: withStream(
            {
              level: config.log.level,
              // Fastify assigns the request id (see bootstrap.ts); pino-http reuses it.
              serializers: {
                req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: safeUrl(req.url) }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
              customAttributeKeys: { reqId: 'reqId' },
              customProps: (req: IncomingMessage) => ({ reqId: (req as IncomingMessage & { id?: unknown }).id }),
              redact: { paths: ['req.headers', 'secret', '*.secret', 'password', '*.password'], remove: true },
              customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
                err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
            },
            stream,
          ),
          forRoutes: ['{*path}'],
        }),
      ],
    };
  }
}

function withStream<T>(options: T, stream?: DestinationStream): T | [T, DestinationStream] {
  return stream ? [options, stream] : options;
}
