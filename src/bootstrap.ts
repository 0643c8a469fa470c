import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { type RawServerDefault } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { createDialectResolver } from './api/dialects.js';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { EnvelopingFastifyAdapter } from './common/http/enveloping-fastify.adapter.js';
import { DomainError } from './common/errors/domain-error.js';
import { acceptMultipartFields } from './common/http/multipart-fields.js';
import { toDomainError } from './common/http/to-domain-error.js';
import { sendFailure } from './common/http/wire-exception.filter.js';
import { type AppConfig } from './config/app-config.js';
import { logRequests } from './logging/request-log.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The Fastify adapter: configured body limit and proxy trust, Passcode's request ids, the dialects' success envelopes. */
export function createAdapter(config: AppConfig): EnvelopingFastifyAdapter {
  const dialects = createDialectResolver();
  return new EnvelopingFastifyAdapter({
    // Fastify takes a hop count too, though its types omit it.
    trustProxy: config.http.trustProxy as boolean | string,
    bodyLimit: config.http.bodyLimitBytes,
    logger: false,
    // Every log line and error envelope carries this id; a caller's sane x-request-id is kept.
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Clients of the seed APIs send paths with and without a trailing slash.
    routerOptions: { ignoreTrailingSlash: true },
    // Errors Fastify raises before routing (a malformed URL) get the dialect's envelope too.
    frameworkErrors: (err, req, reply) => sendFailure(dialects, toDomainError(err).error, req, reply),
  }, dialects);
}

/** What every Passcode application gets after creation: pino and request lines, shutdown hooks, the request-id header, OpenAPI at /docs. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  // Fastify's JSON parser (prototype-poisoning checks and all), except that an empty
  // body is no body rather than a malformed one: seed 003 takes everything in the
  // query, yet documents `application/json`, so its callers send the header alone.
  const json = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: fastify.initialConfig.bodyLimit }, (req, body, done) => {
    if (body.length === 0) done(null, undefined);
    else json(req, body.toString('utf8'), done);
  });
  // text/plain is no body format of any API here, yet Fastify reads it as a string
  // by default, which a DTO took for an empty body: it is refused as every other
  // unknown type is (415; v1's 406). A request without a body is fine whatever its
  // Content-Type says (seed 003's callers send one with everything in the query).
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: fastify.initialConfig.bodyLimit }, (_req, body, done) => {
    if ((body as Buffer).length === 0) done(null, undefined);
    else done(new DomainError('UNSUPPORTED_MEDIA_TYPE'), undefined);
  });
  acceptMultipartFields(app);
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  logRequests(fastify, PinoLogger.root);
  const document = () =>
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Passcode')
        .setDescription('Multi-tenant SMS verification codes: the v1 and seed dialects, and the admin API.')
        .setVersion('0.1.0')
        .addBearerAuth()
        .build(),
    );
  SwaggerModule.setup('docs', app, document);
  return app;
}

/** Builds the HTTP application, not yet listening. */
export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), createAdapter(config), {
    bufferLogs: true,
    abortOnError: false,
  });
  return configureApp(app);
}
