import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { type Socket } from 'node:net';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { createDialectResolver } from './api/dialects.js';
import { serveConsole } from './console/serve-console.js';
import { AppModule, type AppModuleOptions, GLOBAL_ENHANCERS } from './app.module.js';
import { DomainError } from './common/errors/domain-error.js';
import { acceptJsonAndFormBodies } from './common/http/body-parsers.js';
import { answerClientError } from './common/http/client-errors.js';
import { Drain } from './common/http/drain.js';
import { serveDirectRoutes } from './common/http/direct-route.js';
import { EnvelopingFastifyAdapter } from './common/http/enveloping-fastify.adapter.js';
import { acceptMultipartFields } from './common/http/multipart-fields.js';
import { answerContinueByLimit, chunkedOverLimit, declaredOverLimit, READ_AWAY_MAX_BYTES, readAway } from './common/http/oversized-bodies.js';
import { withPageHeaders } from './common/http/page-headers.js';
import { toDomainError } from './common/http/to-domain-error.js';
import { sendFailure } from './common/http/wire-exception.filter.js';
import { type AppConfig } from './config/app-config.js';
import { APP_CONFIG } from './config/config.module.js';
import { logRequests } from './logging/request-log.js';
import { serveMetrics } from './metrics/metrics-route.js';
import { createOpenApiDocument } from './openapi/openapi-document.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * TRUST_PROXY as Fastify takes it. A hop count is the operator's word that that
 * many proxies stand in front, so the entries they added are trusted, counting
 * from the socket. Fastify now trusts no entry at all for a number (a client that
 * bypasses the proxies could claim any address), which left a documented setting
 * silently doing nothing; reaching Passcode only through the proxies is the
 * operator's part, as with any hop count.
 */
function trustOf(trustProxy: boolean | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy !== 'number') return trustProxy;
  return (_address, hop) => hop < trustProxy;
}

/** The Fastify adapter: configured body limit, timeouts and proxy trust, Passcode's request ids, the dialects' success envelopes. */
export function createAdapter(config: AppConfig): EnvelopingFastifyAdapter {
  const dialects = createDialectResolver();
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, socketTimeoutMs } = config.http;
  return new EnvelopingFastifyAdapter({
    trustProxy: trustOf(config.http.trustProxy),
    bodyLimit: config.http.bodyLimitBytes,
    // A client that sends its request slowly, or goes silent, loses the connection (408 if it is still reading).
    connectionTimeout: socketTimeoutMs,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    // Only Node takes the headers timeout. It checks both on an interval, 30 s by default: too coarse for a 10 s limit.
    http: { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.ceil(headersTimeoutMs / 4) },
    logger: false,
    // Every log line and error envelope carries this id; a caller's sane x-request-id is kept.
    requestIdHeader: false,
    // While the server closes, a request still arriving (on a connection that was busy, or pipelined)
    // gets its dialect's SERVICE_UNAVAILABLE (configureApp), not Fastify's own 503 body.
    return503OnClosing: false,
    genReqId: requestIdFor,
    // Clients of the seed APIs send paths with and without a trailing slash.
    routerOptions: { ignoreTrailingSlash: true },
    // Errors Fastify raises before routing (a malformed URL) get the dialect's envelope too;
    // so do those Node's HTTP server raises before Fastify sees the request (431, 408, a header it cannot parse).
    frameworkErrors: (err, req, reply) => sendFailure(dialects, toDomainError(err).error, req, reply),
    clientErrorHandler: (err, socket) => answerClientError(dialects, () => PinoLogger.root, err, socket),
  }, dialects);
}

/** How {@link configureApp} sets an application up; the defaults are production's. */
export interface ConfigureOptions {
  /** Hot routes marked DirectRoute answered by a plain Fastify handler (default); false leaves every route to Nest's router, for tests that compare the two. */
  directRoutes?: boolean;
}

/** What every Passcode application gets after creation: pino and request lines, shutdown hooks, the request-id header, metrics when on, direct hot routes, the console at /console/, OpenAPI at /docs. */
export function configureApp(app: NestFastifyApplication, options: ConfigureOptions = {}): NestFastifyApplication {
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  // The peer's address is read as each connection is accepted: Node keeps it, so a request whose client resets the
  // connection right after sending it still has one. Read later, it was gone, and such sends counted against no per-IP cap.
  fastify.server.on('connection', (socket: Socket) => void socket.remoteAddress);
  acceptJsonAndFormBodies(app);
  acceptMultipartFields(app);
  if (options.directRoutes !== false) serveDirectRoutes(app, GLOBAL_ENHANCERS);
  // From the start of a close (SIGTERM): the handlers still running are waited for, then the listener and the database close.
  const drain = new Drain(fastify, PinoLogger.root);
  const dialects = createDialectResolver();
  const bodyLimit = fastify.initialConfig.bodyLimit ?? Number.POSITIVE_INFINITY;
  fastify.addHook('onRequest', (req, reply, done) => {
    // A request that still arrives is not started: the client is told, in its dialect, to go to another instance
    // (Fastify marks the answer `Connection: close`).
    if (drain.closing) return sendFailure(dialects, new DomainError('SERVICE_UNAVAILABLE', { message: 'the server is shutting down' }), req, reply);
    reply.header('x-request-id', req.id);
    // A body declared over the limit is read away first, so the client is still reading when its 413 comes.
    if (declaredOverLimit(req.raw, bodyLimit)) return readAway(req.raw, done);
    done();
  });
  // One sent in chunks is found over the limit only while it is read: its rest is read away before the 413 goes.
  fastify.addHook('onError', (req, _reply, err, done) => {
    if (chunkedOverLimit(req.raw, err)) return readAway(req.raw, done, READ_AWAY_MAX_BYTES);
    done();
  });
  answerContinueByLimit(fastify.server, bodyLimit);
  logRequests(fastify, PinoLogger.root);
  const config = app.get<AppConfig>(APP_CONFIG);
  serveMetrics(app, config.secrets.metricsToken, dialects);
  serveConsole(app, config.console.dir);
  // Built on first request: what the controllers, guards, dialects and error tables say (src/openapi/).
  withPageHeaders(fastify, '/docs');
  SwaggerModule.setup('docs', app, () => createOpenApiDocument(app));
  return app;
}

/** Builds the HTTP application, not yet listening. */
export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), createAdapter(config), {
    bufferLogs: true,
    abortOnError: false,
    // A start that fails printed Nest's held lines (module by module, then the error and its stack) in Nest's own
    // format before main's line; what the start must say goes to pino as it happens (database.module.ts).
    autoFlushLogs: false,
  });
  return configureApp(app);
}
