import { dirname, join } from 'node:path';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createAdapter } from '../../src/bootstrap.js';
import { Clock } from '../../src/common/clock/clock.js';
import { type AppConfig, ensureGeneratedKeys, loadConfig } from '../../src/config/app-config.js';
import { FakeClock } from './fake-clock.js';
import { LogCapture } from './log-capture.js';
import { createTestDatabase, setDatabaseSettings, type TestDatabase } from './test-database.js';
import { CaptchaRenderer } from '../../src/captcha/captcha-renderer.js';
import { RecordingCaptchaRenderer } from './captcha.js';

export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD = 'correct-horse-battery-staple';

export interface TestAppOptions {
  /** Extra environment for loadConfig (e.g. THROTTLE_LIMIT). */
  env?: Record<string, string>;
  /** Reuse a database (restart tests); by default a fresh one is created and dropped on close. */
  db?: TestDatabase;
  /** The fresh database on Postgres whatever the run's backend (SHARED_POSTGRES_URL): for tests of several instances, or of Postgres itself. */
  postgres?: boolean;
  /** Replace providers at the network edge (SMS providers). */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** false: every route through Nest's router, none direct (to compare the two). */
  directRoutes?: boolean;
  /** Settings of the fresh Postgres database its sessions start with (`ALTER DATABASE … SET`), as an operator may have made them. */
  databaseSettings?: Record<string, string>;
}

export interface TestApp {
  app: NestFastifyApplication;
  http: ReturnType<typeof request>;
  clock: FakeClock;
  logs: LogCapture;
  /** What each captcha image of this app shows (the renderer records it). */
  captchas: RecordingCaptchaRenderer;
  config: AppConfig;
  db: TestDatabase;
  /** A fresh operator token. */
  adminToken(): Promise<string>;
  /** Stops the app; drops its database unless `keepDb`. */
  close(keepDb?: boolean): Promise<void>;
}

/**
 * nestjs-pino keeps one root logger per process, built on first use with that
 * app's stream and level: without this, every later app of a test file logged
 * into the first app's capture, and an assertion on a later app's logs could not
 * fail. Reset, the root is built anew for each app (its own capture, level and
 * redaction). An app still running beside a newer one sends its service lines
 * (not its request lines) to the newer one's capture: assert on the newest app's.
 * The reset is nestjs-pino's own, for tests, and not among its package's exports.
 */
function freshRootLogger(): void {
  const pinoLogger = join(dirname(require.resolve('nestjs-pino')), 'PinoLogger.js');
  (require(pinoLogger) as { __resetOutOfContextForTests(): void }).__resetOutOfContextForTests();
}

/**
 * Boots the real AppModule on a real database, with a fake clock and captured logs.
 * A database made for it is dropped when the start fails (a setting refused, a
 * module that throws): such tests left one behind in every run.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  if (options.db) return bootTestApp(options.db, options);
  const db = await createTestDatabase({ postgres: options.postgres });
  return bootTestApp(db, options).catch(async (err: unknown) => {
    await db.drop();
    throw err;
  });
}

async function bootTestApp(db: TestDatabase, options: TestAppOptions): Promise<TestApp> {
  if (options.databaseSettings) {
    if (!db.url) throw new Error('databaseSettings are settings of a Postgres database');
    await setDatabaseSettings(db.url, options.databaseSettings);
  }
  const env = {
    NODE_ENV: 'test',
    DATA_DIR: db.dataDir,
    DATABASE_URL: db.url,
    ADMIN_USERNAME,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'info',
    THROTTLE_LIMIT: '100000',
    ADMIN_LOGIN_PER_MINUTE: '1000',
    // The suites' webhook receivers listen on loopback, which deliveries may not reach by default.
    WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1',
    ...options.env,
  };
  ensureGeneratedKeys(env);
  const config = loadConfig(env);
  const clock = new FakeClock();
  const logs = new LogCapture();
  const captchas = new RecordingCaptchaRenderer();
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config, { logStream: logs })] })
    .overrideProvider(Clock)
    .useValue(clock)
    .overrideProvider(CaptchaRenderer)
    .useValue(captchas);
  if (options.override) builder = options.override(builder);
  // After the modules are declared (that may log, through the previous app's logger, to the root), before they are built.
  freshRootLogger();
  const moduleRef = await builder.compile();
  const app = configureApp(moduleRef.createNestApplication<NestFastifyApplication>(createAdapter(config), { bufferLogs: true }), { directRoutes: options.directRoutes });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const http = request(app.getHttpServer());

  return {
    app,
    http,
    clock,
    logs,
    captchas,
    config,
    db,
    async adminToken() {
      const res = await http.post('/admin/login').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(200);
      return res.body.data.access_token as string;
    },
    async close(keepDb = false) {
      await app.close();
      if (!keepDb) await db.drop();
    },
  };
}
