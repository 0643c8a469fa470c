import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { type DestinationStream } from 'pino';
import { type AppConfig } from '../config/app-config.js';
import { errorWithoutValues } from './error-serializer.js';

/**
 * pino JSON logs for the application (`PinoLogger`, Nest's own lines). Request
 * lines come from a Fastify hook ({@link logRequests}, wired in bootstrap.ts),
 * not from nestjs-pino's HTTP middleware, so no route gets that middleware.
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
              // Request lines log plain { req, res } objects (request-log.ts), not Node's request and response.
              wrapSerializers: false,
              serializers: { err: errorWithoutValues },
              redact: { paths: ['req.headers', 'secret', '*.secret', 'password', '*.password'], remove: true },
            },
            stream,
          ),
          forRoutes: [],
        }),
      ],
    };
  }
}

function withStream<T>(options: T, stream?: DestinationStream): T | [T, DestinationStream] {
  return stream ? [options, stream] : options;
}

