import { DataSource } from 'typeorm';
import { type SmsProviderMessage, type SmsProviderOutcome } from '../src/sms/providers/sms-provider.js';
import { type CreatedApp } from './support/admin.js';
import { DatabaseGate } from './support/db-outage.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { NEEDS_POSTGRES, SHARED_POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

/** What the send log shows of one message (GET /admin/sms/messages). */
interface LoggedMessage {
  id: string;
  phone: string;
  status: string;
  biz_id: string | null;
  delivery_status: string | null;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The send log's rows of an app, through the admin API; null while the API cannot answer (the database is away). */
async function sendLog(t: TestApp, token: string, appId: string): Promise<LoggedMessage[] | null> {
  const res = await t.http.get('/admin/sms/messages').query({ app_id: appId }).set('authorization', `Bearer ${token}`);
  return res.status === 200 ? (res.body.data.items as LoggedMessage[]) : null;
}

async function sendCode(t: TestApp, app: CreatedApp, mobile: string): Promise<unknown> {
  return (await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login' }).expect(200)).body;
}

/**
 * The database refusing, from now until lifted, every write to the send-log row of
 * `phone`, as a restarting server answers (57P01), counting the refusals. A trigger:
 * PGlite cannot go away from under its process, so this is how the embedded
 * database fails a write for a while.
 */
async function refuseRowWrites(t: TestApp, phone: string): Promise<{ refusals(): Promise<number>; lift(): Promise<void> }> {
  const db = t.app.get(DataSource);
  const name = `test_refuse_${phone.replace(/\D/g, '')}`;
  await db.query(`CREATE SEQUENCE ${name}`);
  await db.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM nextval('${name}'); -- a sequence is not rolled back with the refused statement
      RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01';
    END $$`);
  await db.query(`CREATE TRIGGER ${name} BEFORE UPDATE ON sms_messages FOR EACH ROW WHEN (OLD.phone = '${phone}') EXECUTE FUNCTION ${name}()`);
  return {
    refusals: async () => Number((await db.query(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${name}`))[0].n),
    lift: async () => {
      await db.query(`DROP TRIGGER ${name} ON sms_messages`);
      await db.query(`DROP FUNCTION ${name}()`);
    },
  };
}

/**
 * An outside test restarted Postgres under sustained sends: sends the provider had
 * accepted, answered success, stayed `sending` with no biz_id, and the sweeper
 * later closed them as `unknown` ("the sending process stopped during the provider
 * call"): no receipt, poll or delivery webhook could ever match them. The outcome
 * was written once, its failure only logged.
 */
describe('sms: a provider outcome the send log cannot take at first', () => {
  const sms = new RecordingSmsProvider();
  let t: TestApp;
  let token: string;
  let app: CreatedApp;

  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(sms) });
    token = await t.adminToken();
    app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1000 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const logOf = async (phone: string) => (await sendLog(t, token, app.id))?.find((m) => m.phone === phone);

  it('is written once the database takes it: sent, with the provider message id, awaiting its delivery report', async () => {
    const refused = await refuseRowWrites(t, '+8613800000001');
    try {
      expect(await sendCode(t, app, '13800000001')).toEqual({ code: 200, msg: 'success', data: expect.anything() });
      expect(await logOf('+8613800000001')).toMatchObject({ status: 'sending', biz_id: null });
      // Refused at the send and at least once again: the outcome is held through the outage.
      await until('a second refusal', async () => (await refused.refusals()) >= 2);
      expect(await logOf('+8613800000001')).toMatchObject({ status: 'sending' });
    } finally {
      await refused.lift();
    }
    const bizId = `rec-${sms.messages.length}`;
    await until('the outcome written', async () => (await logOf('+8613800000001'))?.status === 'sent');
    expect(await logOf('+8613800000001')).toMatchObject({ status: 'sent', biz_id: bizId, delivery_status: 'pending' });
    // The row is visible once its statement commits, which may be before this process has read the answer and logged.
    await until('the round logged', () => t.logs.lines().some((l) => l.msg === 'held send-log outcomes written'));
    expect(t.logs.lines().filter((l) => String(l.msg).startsWith('send-log row not completed'))).toEqual([expect.objectContaining({ level: 40 })]);
    expect(t.logs.lines().filter((l) => l.msg === 'held send-log outcomes written')).toEqual([expect.objectContaining({ level: 30, written: 1, held: 0 })]);
    expect(t.logs.lines().filter((l) => String(l.msg).startsWith('send-log outcome given up'))).toEqual([]);
  }, 40_000);

  it('is given up, at error level, when it cannot be written before the sweeper would close its row', async () => {
    const refused = await refuseRowWrites(t, '+8613800000002');
    try {
      await sendCode(t, app, '13800000002');
      const bizId = `rec-${sms.messages.length}`;
      // Six minutes on, past the five an outcome is held: the next round gives it up.
      t.clock.advanceSeconds(360);
      await until('the outcome given up', () => t.logs.lines().some((l) => String(l.msg).startsWith('send-log outcome given up')));
      const [line] = t.logs.lines().filter((l) => String(l.msg).startsWith('send-log outcome given up'));
      expect(line).toMatchObject({ level: 50, status: 'sent', bizId, messageId: (await logOf('+8613800000002'))!.id });
      const tried = await refused.refusals();
      await sleep(2500);
      // Not tried again: held no more.
      expect(await refused.refusals()).toBe(tried);
    } finally {
      await refused.lift();
    }
  }, 40_000);

  it('is written as the service stops, when the database takes it again by then', async () => {
    const refused = await refuseRowWrites(t, '+8613800000003');
    await sendCode(t, app, '13800000003');
    const bizId = `rec-${sms.messages.length}`;
    await refused.lift();
    await t.close(true);
    const restarted = await startTestApp({ db: t.db, override: withRecordingSms(sms) });
    t = restarted;
    token = await t.adminToken();
    expect(await logOf('+8613800000003')).toMatchObject({ status: 'sent', biz_id: bizId, delivery_status: 'pending' });
  }, 40_000);
});

/** The provider, with `duringCall` run while it holds the request: as if the database went away as the message left. */
class InterruptedSmsProvider extends RecordingSmsProvider {
  duringCall?: () => Promise<void>;

  override async send(message: SmsProviderMessage): Promise<SmsProviderOutcome> {
    const accepted = await super.send(message);
    await this.duringCall?.();
    return accepted;
  }
}

(SHARED_POSTGRES_URL ? describe : describe.skip)(`sms: a provider outcome that comes while Postgres refuses connections ${NEEDS_POSTGRES}`, () => {
  const sms = new InterruptedSmsProvider();
  let t: TestApp;
  let gate: DatabaseGate;

  beforeAll(async () => {
    t = await startTestApp({ postgres: true, override: withRecordingSms(sms) });
    gate = await DatabaseGate.of(t);
  });
  afterAll(async () => {
    await gate?.release();
    await t?.close();
  });

  it('is written once connections are taken again: sent, with the provider message id', async () => {
    const token = await t.adminToken();
    const app = await createSmsApp(t);
    // As a restart does: every connection of the app's database ended, new ones refused.
    sms.duringCall = async () => {
      sms.duringCall = undefined;
      await gate.close();
    };
    expect(await sendCode(t, app, '13800000101')).toEqual({ code: 200, msg: 'success', data: expect.anything() });
    expect(t.logs.lines().filter((l) => String(l.msg).startsWith('send-log row not completed'))).toHaveLength(1);
    // A few rounds of the outage.
    await sleep(3000);
    await gate.open();
    let row: LoggedMessage | undefined;
    await until('the outcome written', async () => (row = (await sendLog(t, token, app.id))?.find((m) => m.phone === '+8613800000101'))?.status === 'sent');
    expect(row).toMatchObject({ status: 'sent', biz_id: `rec-${sms.messages.length}`, delivery_status: 'pending' });
    await until('the round logged', () => t.logs.lines().some((l) => l.msg === 'held send-log outcomes written'));
    expect(t.logs.lines().filter((l) => l.msg === 'held send-log outcomes written')).toEqual([expect.objectContaining({ written: 1, held: 0 })]);
    expect(t.logs.lines().filter((l) => String(l.msg).startsWith('send-log outcome given up'))).toEqual([]);
  }, 60_000);
});
