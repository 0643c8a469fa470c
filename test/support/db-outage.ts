import pg from 'pg';
import type { Response } from 'supertest';
import type { CreatedApp } from './admin.js';
import { enduserSendParams } from './enduser.js';
import { RecordingSmsProvider, withRecordingSms } from './sms.js';
import { startTestApp, type TestApp } from './test-app.js';
import { SHARED_POSTGRES_URL } from './test-database.js';
import { signParams } from './v1.js';

/** The answers of one request per dialect, each of which needs the database. */
export interface DialectProbe {
  v1Check: Response;
  v1Send: Response;
  admin: Response;
  enduser: Response;
  oauth: Response;
  authing: Response;
  ready: Response;
}

let seq = 0;
const nextMobile = () => `1390000${String(++seq % 10_000).padStart(4, '0')}`;

/** Sends one request in every dialect for `app` (SMS configured), as an operator holding `adminToken`. */
export async function probeDialects(t: TestApp, app: CreatedApp, adminToken: string): Promise<DialectProbe> {
  const mobile = nextMobile();
  return {
    v1Check: await t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login', verify_code: '123456' }),
    v1Send: await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: nextMobile(), scene: 'login' }),
    admin: await t.http.get(`/admin/apps/${app.id}`).set('authorization', `Bearer ${adminToken}`),
    enduser: await t.http.post('/v2/sms/enduserapi/v2/sendPhoneSmsCode').query({ ...enduserSendParams(t, app, nextMobile()) }),
    oauth: await t.http.get('/oauth/api/account/imgCode').set('x-app-key', app.appkey),
    authing: await t.http.post('/api/v3/send-sms').set('x-authing-app-id', app.appkey).send({ channel: 'CHANNEL_LOGIN', phoneNumber: nextMobile() }),
    ready: await t.http.get('/health/ready'),
  };
}

/** Every dialect's SERVICE_UNAVAILABLE (README "Error codes"): never a 500 or an internal-error code. */
export function expectServiceUnavailable(p: DialectProbe): void {
  for (const v1 of [p.v1Check, p.v1Send]) {
    expect(v1.status).toBe(200);
    expect(v1.body).toEqual({ code: 503, msg: 'Service Unavailable' });
  }
  expect(p.admin.status).toBe(503);
  expect(p.admin.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', msg: 'service unavailable' });
  expect(p.enduser.status).toBe(200);
  expect(p.enduser.body).toMatchObject({ code: 503, msg: '服务暂不可用' });
  expect(p.oauth.status).toBe(200);
  expect(p.oauth.body).toMatchObject({ code: '503', msg: '服务暂不可用' });
  expect(p.authing.status).toBe(200);
  expect(p.authing.body).toMatchObject({ statusCode: 503, apiCode: 50002, message: '服务暂不可用' });
  expect(p.ready.status).toBe(503);
}

/** Every dialect answers as it does with the database up. */
export function expectServing(p: DialectProbe): void {
  expect(p.v1Check.body).toMatchObject({ code: 200, data: { result: 'not_found' } });
  expect(p.v1Send.body).toMatchObject({ code: 200 });
  expect(p.admin.status).toBe(200);
  expect(p.enduser.body).toMatchObject({ code: 200 });
  expect(p.oauth.body).toMatchObject({ code: '000' });
  expect(p.authing.status).toBe(200);
  expect(p.ready.status).toBe(200);
}

/** Probes until every dialect serves again or the deadline passes; answers the last probe. */
export async function probeUntilServing(t: TestApp, app: CreatedApp, adminToken: string, deadlineMs = 30_000): Promise<DialectProbe> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const p = await probeDialects(t, app, adminToken);
    const serving = p.v1Check.body?.code === 200 && p.v1Send.body?.code === 200 && p.admin.status === 200 && p.enduser.body?.code === 200
      && p.oauth.body?.code === '000' && p.authing.status === 200 && p.ready.status === 200;
    if (serving || Date.now() > deadline) return p;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A test app's own Postgres database made to refuse connections and take them again, as
 * a restart does, through a connection of the shared cluster's superuser.
 */
export class DatabaseGate {
  private constructor(
    private readonly admin: pg.Client,
    private readonly database: string,
  ) {}

  /** A gate on the database `t` uses (Postgres only). */
  static async of(t: TestApp): Promise<DatabaseGate> {
    const admin = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await admin.connect();
    return new DatabaseGate(admin, new URL(t.db.url!).pathname.slice(1));
  }

  /** New connections refused, and every open one ended. */
  async close(): Promise<void> {
    await this.admin.query(`ALTER DATABASE "${this.database}" ALLOW_CONNECTIONS false`);
    await this.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [this.database]);
  }

  async open(): Promise<void> {
    await this.admin.query(`ALTER DATABASE "${this.database}" ALLOW_CONNECTIONS true`);
  }

  /**
   * Every connection from now on read-only, as on a standby a failover left the app pointed at: its sessions start with
   * `default_transaction_read_only`, and every open one is ended so that the pool reconnects.
   */
  async readOnly(): Promise<void> {
    await this.admin.query(`ALTER DATABASE "${this.database}" SET default_transaction_read_only = on`);
    await this.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [this.database]);
  }

  /** Writable again, for the connections opened from now on (the read-only ones ended). */
  async writable(): Promise<void> {
    await this.admin.query(`ALTER DATABASE "${this.database}" RESET default_transaction_read_only`);
    await this.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [this.database]);
  }

  /** The database under another name, its connections ended: the app's new ones find no database of its name (3D000). */
  async renameAway(): Promise<void> {
    await this.close();
    await this.admin.query(`ALTER DATABASE "${this.database}" RENAME TO "${this.database}_away"`);
    await this.admin.query(`ALTER DATABASE "${this.database}_away" ALLOW_CONNECTIONS true`);
  }

  /** The database under its own name again. */
  async renameBack(): Promise<void> {
    await this.admin.query(`ALTER DATABASE "${this.database}_away" ALLOW_CONNECTIONS false`);
    await this.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [`${this.database}_away`]);
    await this.admin.query(`ALTER DATABASE "${this.database}_away" RENAME TO "${this.database}"`);
    await this.open();
  }

  /** Opens the database again, writable, whatever the test left, and ends the gate's connection. */
  async release(): Promise<void> {
    await this.renameBack().catch(() => undefined);
    await this.open().catch(() => undefined);
    await this.admin.query(`ALTER DATABASE "${this.database}" RESET default_transaction_read_only`).catch(() => undefined);
    await this.admin.end();
  }
}

/**
 * For a describe: a test app on a Postgres database of its own (SMS recorded) and a {@link DatabaseGate} on that
 * database, started before its tests and closed after them, the database opened again whatever a test left.
 */
export function useGatedApp(): { readonly t: TestApp; readonly gate: DatabaseGate } {
  let t: TestApp | undefined;
  let gate: DatabaseGate | undefined;
  beforeAll(async () => {
    t = await startTestApp({ postgres: true, override: withRecordingSms(new RecordingSmsProvider()) });
    gate = await DatabaseGate.of(t);
  });
  afterAll(async () => {
    await gate?.release();
    await t?.close();
  });
  return {
    get t() {
      if (!t) throw new Error('useGatedApp: t is read before its beforeAll has set it');
      return t;
    },
    get gate() {
      if (!gate) throw new Error('useGatedApp: gate is read before its beforeAll has set it');
      return gate;
    },
  };
}
