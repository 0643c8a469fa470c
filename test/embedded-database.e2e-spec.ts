import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Duplex } from 'node:stream';
import type pg from 'pg';
import { parse, serialize } from 'pg-protocol';
import { type BackendMessage } from 'pg-protocol/dist/messages.js';
import { DataSource } from 'typeorm';
import { isDbUnavailable } from '../src/common/errors/db-unavailable.js';
import { createDataSource, type PasscodeDataSource } from '../src/database/data-source.factory.js';
import { EmbeddedDatabase, EmbeddedDatabaseError } from '../src/database/embedded-database.js';
import { EmbeddedVacuum } from '../src/database/embedded-vacuum.js';
import { poolOf } from '../src/database/pg-transaction.js';
import { expectAppAfterRestart } from './support/admin.js';
import { expectServiceUnavailable, probeDialects } from './support/db-outage.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

/**
 * PGlite runs in a worker thread and pg reaches it through a Duplex over the
 * worker's port (src/database/embedded-database.ts). These tests hold what that
 * path must keep: the main thread stays free, bytes are framed however they
 * arrive, answers of any size come back whole, errors keep their fields, a
 * dropped connection leaves nothing to the next, one session runs at a time,
 * and a worker that dies, or a directory that cannot be opened, is a database
 * error rather than a hang.
 */
(POSTGRES_URL ? describe.skip : describe)('embedded database (PGlite in a worker thread)', () => {
  describe('through the DataSource', () => {
    let db: TestDatabase;
    let ds: PasscodeDataSource;
    beforeEach(async () => {
      db = await createTestDatabase();
      ds = createDataSource({ dataDir: db.dataDir });
      await ds.initialize();
    });
    afterEach(async () => {
      await ds.destroy();
      await db.drop();
    });

    it('keeps its files from other users: the database directory is 0700 however it was found', async () => {
      expect(statSync(join(db.dataDir, 'pgdata')).mode & 0o777).toBe(0o700);
      await ds.destroy();
      chmodSync(join(db.dataDir, 'pgdata'), 0o755);
      ds = createDataSource({ dataDir: db.dataDir });
      await ds.initialize();
      expect(statSync(join(db.dataDir, 'pgdata')).mode & 0o777).toBe(0o700);
    });

    it('leaves the main thread free while a statement runs: a one-second statement delays its timers by far less', async () => {
      // On the main thread, PGlite's pg_sleep blocked the event loop for the whole second.
      let last = performance.now();
      let longestGap = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        longestGap = Math.max(longestGap, now - last);
        last = now;
      }, 10);
      try {
        const started = performance.now();
        await ds.query('SELECT pg_sleep(1)');
        const took = performance.now() - started;
        await new Promise((r) => setTimeout(r, 50)); // a tick after the statement, which a blocked loop would show as one long gap
        expect(took).toBeGreaterThanOrEqual(1000);
        expect(longestGap).toBeLessThan(took / 2);
      } finally {
        clearInterval(ticker);
      }
    });

    it('carries statements and answers of megabytes, byte for byte', async () => {
      const text = randomBytes(3_000_000).toString('base64'); // 4 MB in one Bind message
      const [echo] = await ds.query('SELECT md5($1) AS md5, length($1) AS length, $1 AS text', [text]);
      expect(echo).toEqual({ md5: createHash('md5').update(text).digest('hex'), length: text.length, text });
      // 6.4 MB of rows: past PGlite's 1 MB answer buffer, and many pg reads.
      const rows: Array<{ i: number; s: string }> = await ds.query('SELECT i, repeat(md5(i::text), 10) AS s FROM generate_series(1, 20000) AS i');
      expect(rows).toHaveLength(20000);
      expect(rows.every((r, k) => r.i === k + 1 && r.s === createHash('md5').update(String(k + 1)).digest('hex').repeat(10))).toBe(true);
    });

    it('keeps nothing of what it has answered: 100 MB of answers leave the worker heap as it was', async () => {
      // Through execProtocolRawSync, PGlite parsed and kept every answer: here, 100 MB more.
      await ds.query("SELECT repeat('x', 1000000)");
      const before = (await ds.embedded!.stats()).heapUsed;
      for (let i = 0; i < 100; i++) await ds.query("SELECT repeat('x', 1000000) AS big");
      expect((await ds.embedded!.stats()).heapUsed - before).toBeLessThan(20_000_000);
    });

    it('syncs a commit to the disk before it answers it, and a relaxed commit once the database is idle', async () => {
      // PGlite's own defaults never sync: fsync off, and Emscripten's file systems have no fsync.
      const fileSyncs = async () => (await ds.embedded!.stats()).fileSyncs;
      await ds.query('CREATE TABLE emb_synced (n int)');
      const before = await fileSyncs();
      await ds.query('INSERT INTO emb_synced VALUES (1)');
      const durable = await fileSyncs();
      expect(durable).toBeGreaterThan(before);

      await ds.query("INSERT INTO emb_synced SELECT 2 WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL");
      await new Promise((r) => setTimeout(r, 600)); // three flush delays
      expect(await fileSyncs()).toBeGreaterThan(durable);
      expect(await ds.query("SELECT current_setting('fsync') AS fsync")).toEqual([{ fsync: 'on' }]);
    });

    describe('the WAL synced off the worker thread', () => {
      /** A promise's state, read without waiting for it. */
      const settledOf = (p: Promise<unknown>) => {
        const state = { settled: false };
        p.then(
          () => (state.settled = true),
          () => (state.settled = true),
        );
        return state;
      };
      const stats = () => ds.embedded!.stats();
      /** Resolves once the worker has run `n` commits whose WAL is not yet synced. */
      async function untilUnsynced(n: number) {
        for (let i = 0; (await stats()).unsyncedWal < n; i++) {
          if (i === 500) throw new Error(`fewer than ${n} commits ran within 5 s`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      afterEach(() => ds.embedded?.holdSyncs(false));
      /** `p`, or a failure naming `what` if it has not settled within 5 s. */
      const within = <T>(p: Promise<T>, what: string) =>
        Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not settle within 5 s`)), 5000).unref())]);

      it("hands a commit's result on only once its WAL is on the disk, while the one connection serves the next statement; commits made meanwhile share one sync", async () => {
        await ds.query('CREATE TABLE emb_grouped (n int)');
        const pool = poolOf(ds);
        ds.embedded!.holdSyncs(true);
        const before = await stats();
        const first = pool.query('INSERT INTO emb_grouped VALUES (1)');
        const second = pool.query('INSERT INTO emb_grouped VALUES (2)');
        const [firstState, secondState] = [settledOf(first), settledOf(second)];
        // Both ran (the connection went back to the pool while the first waited for the disk); neither is answered.
        await untilUnsynced(2);
        await new Promise((r) => setTimeout(r, 50));
        expect([firstState.settled, secondState.settled]).toEqual([false, false]);
        expect((await stats()).fileSyncs).toBe(before.fileSyncs);

        ds.embedded!.holdSyncs(false);
        await Promise.all([first, second]);
        const after = await stats();
        expect(after.unsyncedWal).toBe(0);
        expect(after.fileSyncs - before.fileSyncs).toBe(1); // one sync of the segment for both commits
        expect((await pool.query('SELECT n FROM emb_grouped ORDER BY n')).rows).toEqual([{ n: 1 }, { n: 2 }]);
      });

      it('holds a result in a transaction, and one through TypeORM, until the commits before it are on the disk', async () => {
        await ds.query('CREATE TABLE emb_held (n int)');
        ds.embedded!.holdSyncs(true);
        const written = poolOf(ds).query('INSERT INTO emb_held VALUES (1)');
        await untilUnsynced(1);
        // A read that would show the commit, through TypeORM and in a transaction of its own.
        const read = ds.query('SELECT count(*)::int AS n FROM emb_held');
        const inTransaction = ds.transaction((m) => m.query('SELECT count(*)::int AS n FROM emb_held'));
        const states = [settledOf(written), settledOf(read), settledOf(inTransaction)];
        await new Promise((r) => setTimeout(r, 100));
        expect(states.map((s) => s.settled)).toEqual([false, false, false]);
        ds.embedded!.holdSyncs(false);
        await written;
        expect(await read).toEqual([{ n: 1 }]);
        expect(await inTransaction).toEqual([{ n: 1 }]);
      });

      it('syncs the WAL before any other file changes: a checkpoint while syncs are held syncs it first, and the commit waiting for it is answered', async () => {
        await ds.query('CREATE TABLE emb_ordered (n int)');
        ds.embedded!.holdSyncs(true);
        const before = await stats();
        const written = poolOf(ds).query('INSERT INTO emb_ordered VALUES (1)');
        await untilUnsynced(1);
        // The checkpoint writes the changed pages, then pg_control: the segment is synced before the first of them.
        await within(ds.query('CHECKPOINT'), 'the checkpoint');
        await within(written, 'the commit before the checkpoint');
        const after = await stats();
        expect(after.unsyncedWal).toBe(0);
        expect(after.fileSyncs).toBeGreaterThan(before.fileSyncs);
      });

      it("syncs the WAL before a file is created: a table created while syncs are held answers the commit before it", async () => {
        await ds.query('CREATE TABLE emb_before (n int)');
        ds.embedded!.holdSyncs(true);
        const written = poolOf(ds).query('INSERT INTO emb_before VALUES (1)');
        await untilUnsynced(1);
        // The new table's file is created before its own commit, whose result then waits for the release.
        const created = poolOf(ds).query('CREATE TABLE emb_after (n int)');
        await within(written, 'the commit before the new file');
        expect(settledOf(created).settled).toBe(false);
        ds.embedded!.holdSyncs(false);
        await created;
        expect((await stats()).unsyncedWal).toBe(0);
      });

      it('fails the results waiting for the disk as a lost connection when the worker dies', async () => {
        await ds.query('CREATE TABLE emb_lost (n int)');
        ds.embedded!.holdSyncs(true);
        const written = poolOf(ds).query('INSERT INTO emb_lost VALUES (1)');
        await untilUnsynced(1);
        await ds.embedded!.kill();
        await expect(written).rejects.toMatchObject({ code: '08006' });
      });
    });

    it('answers an error inside a transaction with all its fields; the transaction rolls back and the connection serves on', async () => {
      await ds.query('CREATE TABLE emb_unique (id int CONSTRAINT emb_unique_pk PRIMARY KEY)');
      const failed = ds.transaction(async (m) => {
        await m.query('INSERT INTO emb_unique VALUES (1)');
        await m.query('INSERT INTO emb_unique VALUES (1)');
      });
      await expect(failed).rejects.toMatchObject({
        driverError: expect.objectContaining({ severity: 'ERROR', code: '23505', constraint: 'emb_unique_pk', table: 'emb_unique', detail: 'Key (id)=(1) already exists.' }),
      });
      expect(await ds.query('SELECT count(*)::int AS n FROM emb_unique')).toEqual([{ n: 0 }]);
      // An error in the extended protocol (Bind fails, Execute is skipped up to the Sync) leaves the session usable.
      await expect(ds.query('SELECT $1::int AS n', ['not a number'])).rejects.toMatchObject({ code: '22P02' });
      expect(await ds.query('SELECT $1::int AS n', ['7'])).toEqual([{ n: 7 }]);
    });

    it('a connection the pool drops leaves nothing to the next one: its transaction, statements and settings are gone', async () => {
      const pool = (ds.driver as unknown as { master: pg.Pool }).master;
      const dropped = await pool.connect();
      await dropped.query('CREATE TABLE emb_dropped (id int)');
      await dropped.query("SET statement_timeout = '42s'");
      await dropped.query({ name: 'emb_probe', text: 'SELECT 1 AS n' });
      await dropped.query('BEGIN');
      await dropped.query('INSERT INTO emb_dropped VALUES (1)');
      dropped.release(new Error('dropped by the test')); // pg-pool ends a client released with an error
      const next = await pool.connect();
      try {
        expect((await next.query('SELECT count(*)::int AS n FROM emb_dropped')).rows).toEqual([{ n: 0 }]);
        // A fresh session: the statement name is free again, the setting is back to its default.
        expect((await next.query({ name: 'emb_probe', text: 'SELECT 2 AS n' })).rows).toEqual([{ n: 2 }]);
        expect((await next.query("SELECT current_setting('statement_timeout') AS t")).rows).toEqual([{ t: '0' }]);
      } finally {
        next.release();
      }
    });

    it('a worker that dies fails the statement it ran and every later one as a lost connection, and the directory is freed on destroy', async () => {
      const running = ds.query('SELECT pg_sleep(30)');
      await new Promise((r) => setTimeout(r, 200));
      await ds.embedded!.kill();
      const lost = await running.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(lost).toMatchObject({ driverError: expect.objectContaining({ code: '08006' }) });
      expect(isDbUnavailable(lost)).toBe(true);
      const later = await ds.query('SELECT 1').catch((err: unknown) => err);
      expect(later).toMatchObject({ code: '08006', message: expect.stringContaining('has stopped') });
      expect(isDbUnavailable(later)).toBe(true);

      await ds.destroy();
      expect(controlFileState(db.dataDir)).toBe('in production'); // nothing was checkpointed
      const reopened = createDataSource({ dataDir: db.dataDir });
      await reopened.initialize();
      expect(await reopened.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await reopened.destroy();
      expect(controlFileState(db.dataDir)).toBe('shut down');
    });

    it('a worker that dies while connections wait in it for the backend fails each of them as a lost connection; a restart finds what was committed, no more', async () => {
      await ds.query('CREATE TABLE emb_waiting (n int)');
      await ds.query('INSERT INTO emb_waiting VALUES (0)');
      const pool = poolOf(ds);
      const holder = await pool.connect();
      await holder.query('BEGIN');
      await holder.query('INSERT INTO emb_waiting VALUES (1)');
      // The open transaction keeps the backend: the statements of three other connections wait in the worker behind it.
      const outcome = (p: Promise<unknown>) => p.then(() => 'ran', (err: unknown) => err);
      const waiting = [2, 3, 4].map((n) => outcome(pool.query('INSERT INTO emb_waiting VALUES ($1)', [n])));
      await new Promise((r) => setTimeout(r, 300));
      expect(pool.totalCount).toBe(4);
      expect(await Promise.race([Promise.all(waiting), new Promise((r) => setTimeout(() => r('waiting'), 50))])).toBe('waiting');

      await ds.embedded!.kill();
      for (const lost of await Promise.all(waiting)) expect(lost).toMatchObject({ code: '08006' });
      // The holder was idle in its transaction when its connection failed: pg refuses its COMMIT without sending it.
      const commit = await outcome(holder.query('COMMIT'));
      holder.release(true);
      expect(commit).toMatchObject({ message: 'Client has encountered a connection error and is not queryable' });
      expect(isDbUnavailable(commit)).toBe(true);

      await ds.destroy();
      ds = createDataSource({ dataDir: db.dataDir });
      await ds.initialize();
      expect(await ds.query('SELECT n FROM emb_waiting ORDER BY n')).toEqual([{ n: 0 }]);
    });

    it('a query still waiting for the connection when the DataSource closes fails as closed, instead of never settling', async () => {
      const pool = poolOf(ds);
      const running = pool.query('SELECT pg_sleep(0.3)');
      // The pool's other connections take a statement each, which waits in the worker behind the one running; one more waits for a connection.
      const queued = Array.from({ length: pool.options.max - 1 }, (_, i) => pool.query('SELECT $1::int AS n', [i]));
      const waiting = pool.query('SELECT 1 AS one').catch((err: unknown) => err);
      await new Promise((r) => setTimeout(r, 50));
      expect(pool.waitingCount).toBe(1);
      await ds.destroy();
      await expect(running).resolves.toMatchObject({ rows: [{ pg_sleep: '' }] }); // the statement in flight ran to its end
      expect((await Promise.all(queued)).map((r) => r.rows[0].n)).toEqual(queued.map((_, i) => i)); // so did those it had been sent
      const refused = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still waiting'), 5000))]);
      expect(refused).toMatchObject({ code: '08003' });
      expect(isDbUnavailable(refused)).toBe(true);
      expect(controlFileState(db.dataDir)).toBe('shut down');
    });

    it('closes PGlite on destroy, which checkpoints the directory, and then frees it', async () => {
      await ds.query('CREATE TABLE emb_closed (id int)');
      await ds.query('INSERT INTO emb_closed VALUES (1)');
      await ds.destroy();
      expect(controlFileState(db.dataDir)).toBe('shut down');
      ds = createDataSource({ dataDir: db.dataDir }); // would throw DataDirLockedError if the lock were kept
      await ds.initialize();
      expect(await ds.query('SELECT id FROM emb_closed')).toEqual([{ id: 1 }]);
    });
  });

  describe('at the protocol', () => {
    let db: TestDatabase;
    let embedded: EmbeddedDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
      embedded = EmbeddedDatabase.open(join(db.dataDir, 'pgdata'));
    });
    afterAll(async () => {
      await embedded.close();
      await db.drop();
    });

    const STARTUP = serialize.startup({ user: 'postgres', database: 'postgres' });
    const CONVERSATION = Buffer.concat([
      STARTUP,
      serialize.query('SELECT 1 AS one'),
      serialize.parse({ text: 'SELECT $1::text AS echo' }),
      serialize.bind({ values: ['x'.repeat(70_000)] }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
      serialize.query('SELEC 1'),
      serialize.query("SELECT 'after the error' AS still"),
    ]);

    /**
     * A connection's answers, message by message, once it has sent `pieces`, each on a
     * later tick. ParameterStatus messages are left out: PGlite reports its settings
     * again after the first query it ever serves, not after a later session's.
     */
    async function converse(pieces: Buffer[]): Promise<string[]> {
      const socket = embedded.connect() as Duplex & { connect(): void };
      const got: string[] = [];
      const ended = parse(socket, (msg: BackendMessage) => msg.name !== 'parameterStatus' && got.push(describeMessage(msg)));
      socket.connect();
      await new Promise((r) => socket.once('connect', r));
      for (const piece of pieces) {
        socket.write(piece);
        await new Promise((r) => setImmediate(r));
      }
      await waitFor(() => got.filter((m) => m.startsWith('readyForQuery')).length === 5);
      socket.end(serialize.end());
      await ended;
      return got;
    }

    it('answers the same whether a connection sends its messages at once or one byte at a time', async () => {
      const whole = await converse([CONVERSATION]);
      const long = 'x'.repeat(70_000);
      expect(whole).toEqual([
        'authenticationOk', 'backendKeyData', 'readyForQuery I',
        'rowDescription one', 'dataRow 1', 'commandComplete SELECT 1', 'readyForQuery I',
        'parseComplete', 'bindComplete', 'rowDescription echo', `dataRow 70000 chars, md5 ${createHash('md5').update(long).digest('hex')}`, 'commandComplete SELECT 1', 'readyForQuery I',
        'error 42601 syntax error at or near "SELEC"', 'readyForQuery I',
        'rowDescription still', 'dataRow after the error', 'commandComplete SELECT 1', 'readyForQuery I',
      ]);
      const bytes = Array.from(CONVERSATION.subarray(0, 400), (b) => Buffer.from([b]));
      expect(await converse([...bytes, CONVERSATION.subarray(400)])).toEqual(whole);
    });

    /** A connection that has said its startup, and what it got so far (ParameterStatus left out). */
    async function open(): Promise<{ socket: Duplex; got: string[]; say(bytes: Buffer): void; ended: Promise<void>; readies(): number }> {
      const socket = embedded.connect() as Duplex & { connect(): void };
      const got: string[] = [];
      const ended = parse(socket, (msg: BackendMessage) => msg.name !== 'parameterStatus' && got.push(describeMessage(msg)));
      socket.on('error', () => undefined); // a failed expectation closes the database under it
      socket.connect();
      await new Promise((r) => socket.once('connect', r));
      const readies = () => got.filter((m) => m.startsWith('readyForQuery')).length;
      socket.write(STARTUP);
      await waitFor(() => readies() === 1);
      got.length = 0;
      return { socket, got, say: (bytes) => socket.write(bytes), ended, readies };
    }

    const named = (name: string, text: string) =>
      Buffer.concat([serialize.parse({ name, text }), serialize.bind({ statement: name }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);
    const run = (name: string) => Buffer.concat([serialize.bind({ statement: name }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);

    it("gives the backend to one connection for a whole transaction: another's statements wait for its end, and each has its own statement names", async () => {
      const first = await open();
      const second = await open();
      first.say(serialize.query('CREATE TABLE emb_turns (n int); BEGIN; INSERT INTO emb_turns VALUES (1)'));
      await waitFor(() => first.readies() === 1);
      expect(first.got.at(-1)).toBe('readyForQuery T');
      first.got.length = 0;

      // The second connection's statement waits while the first's transaction is open: it would have seen none of its row.
      second.say(Buffer.concat([named('same', 'SELECT count(*)::text AS n FROM emb_turns'), serialize.query('SELECT 1 AS one')]));
      await new Promise((r) => setTimeout(r, 300));
      expect(second.got).toEqual([]);

      // The first prepares a statement of the same name, for another text, and commits.
      first.say(Buffer.concat([named('same', "SELECT 'first' AS who"), serialize.query('COMMIT')]));
      await waitFor(() => second.readies() === 2);
      expect(first.got).toEqual(['parseComplete', 'bindComplete', 'rowDescription who', 'dataRow first', 'commandComplete SELECT 1', 'readyForQuery T', 'commandComplete COMMIT', 'readyForQuery I']);
      expect(second.got).toEqual([
        'parseComplete', 'bindComplete', 'rowDescription n', 'dataRow 1', 'commandComplete SELECT 1', 'readyForQuery I',
        'rowDescription one', 'dataRow 1', 'commandComplete SELECT 1', 'readyForQuery I',
      ]);

      // Each one's name still runs its own text, in turns.
      first.got.length = 0;
      second.got.length = 0;
      first.say(run('same'));
      second.say(run('same'));
      await waitFor(() => first.readies() === 1 && second.readies() === 1);
      expect(first.got).toEqual(['bindComplete', 'rowDescription who', 'dataRow first', 'commandComplete SELECT 1', 'readyForQuery I']);
      expect(second.got).toEqual(['bindComplete', 'rowDescription n', 'dataRow 1', 'commandComplete SELECT 1', 'readyForQuery I']);

      // A connection that ends inside its transaction: the transaction is rolled back, its statements are gone, the other's stay.
      first.got.length = 0;
      first.say(serialize.query('BEGIN; INSERT INTO emb_turns VALUES (2)'));
      await waitFor(() => first.readies() === 1);
      first.socket.end(serialize.end());
      await first.ended;
      // A connection that starts meanwhile takes nothing from the other either.
      const third = await open();
      second.got.length = 0;
      second.say(Buffer.concat([run('same'), serialize.query("SELECT count(*)::text AS statements FROM pg_prepared_statements WHERE name LIKE '%same'")]));
      await waitFor(() => second.readies() === 2);
      expect(second.got).toEqual([
        'bindComplete', 'rowDescription n', 'dataRow 1', 'commandComplete SELECT 1', 'readyForQuery I',
        'rowDescription statements', 'dataRow 1', 'commandComplete SELECT 1', 'readyForQuery I',
      ]);
      for (const c of [second, third]) {
        c.socket.end(serialize.end());
        await c.ended;
      }

      // The last connection's end leaves a session as a new backend's: the next one starts idle, with no statement.
      const next = await converse([CONVERSATION]);
      expect(next.filter((m) => m.startsWith('readyForQuery'))).toEqual(Array(5).fill('readyForQuery I'));
    });

    it('keeps the backend with a connection whose exchange is unfinished: an unnamed portal left bound is still there for it', async () => {
      const first = await open();
      const second = await open();
      first.say(Buffer.concat([serialize.parse({ text: 'SELECT $1::text AS echo' }), serialize.bind({ values: ['kept'] }), serialize.flush()]));
      await waitFor(() => first.got.includes('bindComplete'));
      // Another connection's query would replace the unnamed statement and portal: it waits.
      second.say(Buffer.concat([serialize.parse({ text: "SELECT 'other' AS echo" }), serialize.bind({}), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]));
      await new Promise((r) => setTimeout(r, 300));
      expect(second.got).toEqual([]);
      first.say(Buffer.concat([serialize.execute({}), serialize.sync()]));
      await waitFor(() => first.readies() === 1 && second.readies() === 1);
      expect(first.got).toEqual(['parseComplete', 'bindComplete', 'dataRow kept', 'commandComplete SELECT 1', 'readyForQuery I']);
      expect(second.got).toEqual(['parseComplete', 'bindComplete', 'rowDescription echo', 'dataRow other', 'commandComplete SELECT 1', 'readyForQuery I']);
      for (const c of [first, second]) {
        c.socket.end(serialize.end());
        await c.ended;
      }
    });

    it("takes nothing from the others for a connection's SSL request: they are served while it has yet to start", async () => {
      const asking = embedded.connect() as Duplex & { connect(): void };
      const bytes: Buffer[] = [];
      asking.on('data', (b: Buffer) => bytes.push(b));
      asking.on('error', () => undefined);
      asking.connect();
      await new Promise((r) => asking.once('connect', r));
      asking.write(serialize.requestSsl());
      await waitFor(() => Buffer.concat(bytes).toString('latin1') === 'N');

      // The answer to it was the worker's, not the backend's: another connection starts and runs a query meanwhile.
      const other = await open();
      other.say(serialize.query('SELECT 1 AS one'));
      await waitFor(() => other.readies() === 1);
      expect(other.got).toEqual(['rowDescription one', 'dataRow 1', 'commandComplete SELECT 1', 'readyForQuery I']);

      // The connection that asked starts in plain text, and is served.
      asking.write(STARTUP);
      await waitFor(() => Buffer.concat(bytes).subarray(-6).equals(Buffer.from('Z\0\0\0\x05I', 'latin1')));
      for (const s of [asking, other.socket]) s.end(serialize.end());
      await other.ended;
    });

    it("flushes a relaxed commit's WAL once the backend is idle, and never between a connection's messages while it is busy", async () => {
      const { socket, got, ended, readies: ready } = await open();
      try {
        const say = async (bytes: Buffer, readies: number) => {
          socket.write(bytes);
          await waitFor(() => ready() === readies);
        };
        const idle = () => new Promise((r) => setTimeout(r, 600)); // three flush delays
        const FLUSHED = "SELECT (pg_current_wal_insert_lsn() = pg_current_wal_flush_lsn())::text AS flushed";

        await say(serialize.query('CREATE TABLE emb_flush (n int)'), 1);
        // In one write, so that no flush can come between them.
        const relaxed = serialize.query("INSERT INTO emb_flush SELECT 1 WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL");
        await say(Buffer.concat([relaxed, serialize.query(FLUSHED)]), 3);
        expect(got.at(-3)).toBe('dataRow false'); // committed, not flushed
        await idle();
        await say(serialize.query(FLUSHED), 4);
        expect(got.at(-3)).toBe('dataRow true');

        // An unnamed portal, bound and then idle: a query run meanwhile would have dropped it.
        got.length = 0;
        socket.write(Buffer.concat([serialize.parse({ text: 'SELECT $1::text AS echo' }), serialize.bind({ values: ['kept'] }), serialize.flush()]));
        await waitFor(() => got.includes('bindComplete'));
        await idle();
        await say(Buffer.concat([serialize.execute({}), serialize.sync()]), 1);
        expect(got).toEqual(['parseComplete', 'bindComplete', 'dataRow kept', 'commandComplete SELECT 1', 'readyForQuery I']);

        // A transaction left open across the delays: it sees its own rows, and ends as its connection says.
        got.length = 0;
        await say(serialize.query("BEGIN; INSERT INTO emb_flush SELECT 2 WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL"), 1);
        await idle();
        await say(serialize.query('SELECT count(*)::text AS n FROM emb_flush; ROLLBACK'), 2);
        await idle();
        await say(serialize.query(FLUSHED), 3);
        expect(got).toEqual([
          'commandComplete BEGIN', 'commandComplete INSERT 0 1', 'readyForQuery T',
          'rowDescription n', 'dataRow 2', 'commandComplete SELECT 1', 'commandComplete ROLLBACK', 'readyForQuery I',
          'rowDescription flushed', 'dataRow true', 'commandComplete SELECT 1', 'readyForQuery I',
        ]);
      } finally {
        socket.end(serialize.end());
        await ended;
      }
    });
  });

  describe('failures, through the app', () => {
    it('a worker that dies is SERVICE_UNAVAILABLE in every dialect, logged once; the app closes, and a restart serves what was committed', async () => {
      const t = await startTestApp({ override: withRecordingSms(new RecordingSmsProvider()) });
      const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000 } });
      const token = await t.adminToken();
      await (t.app.get(DataSource) as PasscodeDataSource).embedded!.kill();

      expectServiceUnavailable(await probeDialects(t, app, token));
      expect(t.logs.lines().filter((l) => String(l.msg).startsWith('the embedded database stopped'))).toEqual([
        expect.objectContaining({ level: 50 }),
      ]);
      await t.close(true);
      await expectAppAfterRestart(t, app);
    });

    it('answers a code check only once what it wrote is on the disk', async () => {
      const t = await startTestApp({ override: withRecordingSms(new RecordingSmsProvider()) });
      try {
        const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000 } });
        const mobile = '13912340078';
        await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login' }).expect(200);
        const embedded = (t.app.get(DataSource) as PasscodeDataSource).embedded!;
        embedded.holdSyncs(true);
        let answered = false;
        // A wrong code: the attempt it counts is a commit.
        const checking = Promise.resolve(
          t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login', verify_code: '000000' }),
        ).then((res) => ((answered = true), res));
        for (let i = 0; (await embedded.stats()).unsyncedWal < 1; i++) {
          if (i === 500) throw new Error('the check did not commit within 5 s');
          await new Promise((r) => setTimeout(r, 10));
        }
        await new Promise((r) => setTimeout(r, 100));
        expect(answered).toBe(false);
        embedded.holdSyncs(false);
        expect((await checking).body).toEqual({ code: 200, msg: 'success', data: { result: 'wrong_code' } });
      } finally {
        await t.close();
      }
    });

    it("a provider's outcome, committed without waiting for the WAL flush, is on its row after a crash that came once the database sat idle", async () => {
      // Postgres's WAL writer flushes such commits within 3 × wal_writer_delay; PGlite has
      // none, and the worker flushes them itself once the backend is idle.
      const t = await startTestApp({ override: withRecordingSms(new RecordingSmsProvider()) });
      const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000 } });
      const token = await t.adminToken();
      const messages = async (server: typeof t, bearer = token) =>
        (await server.http.get('/admin/sms/messages').query({ app_id: app.id }).set('authorization', `Bearer ${bearer}`).expect(200)).body.data
          .items as Array<{ status: string; biz_id: string | null }>;
      const sent = await t.http
        .post('/v1/sms/verify_code')
        .send({ ...signParams(t, app), mcode: '+86', mobile: '13912340077', scene: 'login' })
        .expect(200);
      expect(sent.body.code).toBe(200);
      let before = await messages(t);
      for (let i = 0; before[0]?.status === 'sending' && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 20));
        before = await messages(t);
      }
      expect(before).toEqual([expect.objectContaining({ status: 'sent' })]);
      await new Promise((r) => setTimeout(r, 1000)); // idle: reads only, and no request
      await (t.app.get(DataSource) as PasscodeDataSource).embedded!.kill();
      await t.close(true);

      const restarted = await startTestApp({ db: t.db });
      try {
        expect(await messages(restarted, await restarted.adminToken())).toEqual(before);
      } finally {
        await restarted.close();
      }
    });

    it('a data directory PGlite cannot open fails the start at once with the reason, and is freed', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'passcode-foreign-'));
      try {
        mkdirSync(join(dataDir, 'pgdata'));
        writeFileSync(join(dataDir, 'pgdata', 'PG_VERSION'), '14\n'); // another Postgres's directory
        const expected = new EmbeddedDatabaseError(`could not open the database in ${dataDir}/pgdata: PGlite failed to initialize properly`, '08001');

        const ds = createDataSource({ dataDir });
        await expect(ds.initialize()).rejects.toThrow(expected);

        // The app does not retry it (TypeORM would, nine times three seconds apart).
        const started = Date.now();
        await expect(startTestApp({ db: { dataDir, drop: async () => undefined } })).rejects.toThrow(expected);
        expect(Date.now() - started).toBeLessThan(20_000);

        await createDataSource({ dataDir }).destroy(); // the lock is free: this would throw DataDirLockedError
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('maintenance, through the app', () => {
    it('vacuums and analyzes the tables autovacuum would, which PGlite never runs: refused sends\' dead rows go, and a table with nothing due is left alone', async () => {
      const t = await startTestApp({ override: withRecordingSms(new RecordingSmsProvider()) });
      try {
        const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000, per_app_daily: 1 } });
        const send = (mobile: string) => t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login' });
        await send('13900001000').expect(200);
        // A send the app's daily cap refuses undoes the send-log row it wrote: 60 dead rows, past autovacuum's 50,
        // and one more, the first send's row before its outcome was recorded.
        for (let i = 1; i <= 60; i++) expect((await send(`1390000${1000 + i}`).expect(200)).body.code).toBe(429);
        const ds = t.app.get(DataSource);
        const messages = async () => {
          const [row] = await ds.query(`SELECT n_dead_tup::int AS dead, vacuum_count::int AS vacuums, analyze_count::int AS analyzes FROM pg_stat_user_tables WHERE relname = 'sms_messages'`);
          return row as { dead: number; vacuums: number; analyzes: number };
        };
        // A backend reports its counts at most once a second.
        for (const deadline = Date.now() + 10_000; (await messages()).dead < 61 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
        expect(await messages()).toEqual({ dead: 61, vacuums: 0, analyzes: 0 });

        const vacuum = t.app.get(EmbeddedVacuum);
        const done = await vacuum.run();
        expect(done).toContainEqual({ table: 'public.sms_messages', vacuumed: true, deadRows: 61, ms: expect.any(Number) });
        expect(await messages()).toEqual({ dead: 0, vacuums: 1, analyzes: 1 });

        // Nothing is due there any more, and the code sent is still there to check.
        expect((await vacuum.run()).map((m) => m.table)).not.toContain('public.sms_messages');
        expect(await messages()).toMatchObject({ vacuums: 1 });
        const res = await t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile: '13900001000', scene: 'login', verify_code: '000000' }).expect(200);
        expect(res.body.data).toEqual({ result: 'wrong_code' });
      } finally {
        await t.close();
      }
    });
  });

  describe('shutdown, through the app', () => {
    it('the job engine ends before the database closes: workers whose fetch waited behind a statement are answered, none is left waiting when it closes', async () => {
      // On the main thread a statement blocked the event loop, so no job worker could queue behind it.
      // In the worker, pg-boss's workers do; its stop() waited only for those holding a job, and the
      // database then closed under the others: their fetches never settled, and pg-boss polled for them
      // on a timer after the app had closed (in Jest, after the environment's teardown).
      const t = await startTestApp({ env: { WEBHOOK_POLL_INTERVAL_MS: '500' } });
      const ds = t.app.get(DataSource) as PasscodeDataSource;
      const pool = poolOf(ds);
      await new Promise((r) => setTimeout(r, 700)); // every worker has asked once and waits for its next ask
      const busy = pool.query('SELECT pg_sleep(0.8)');
      // Statements under way or waiting for a connection: the pool's other connections hand theirs to the worker, which runs them after this one.
      const unanswered = () => pool.totalCount - pool.idleCount + pool.waitingCount;
      await waitFor(() => unanswered() >= 3);
      let waitingAtClose: number | undefined;
      const destroy = ds.destroy.bind(ds);
      ds.destroy = () => {
        waitingAtClose = unanswered();
        return destroy();
      };
      await t.close();
      expect(waitingAtClose).toBe(0);
      await expect(busy).resolves.toBeDefined();
    });
  });
});

/**
 * What pg_control says of the cluster in `dataDir`: "shut down" after a clean
 * close (a shutdown checkpoint), "in production" while open or after a crash.
 * ControlFileData begins with the system identifier (8 bytes), two version
 * numbers (4 each) and the DBState enum.
 */
function controlFileState(dataDir: string): string {
  const state = readFileSync(join(dataDir, 'pgdata', 'global', 'pg_control')).readUInt32LE(16);
  return ['starting up', 'shut down', 'shut down in recovery', 'shutting down', 'in crash recovery', 'in archive recovery', 'in production'][state] ?? `state ${state}`;
}

/** A backend message as a line to compare: its name and what a test checks of it. */
function describeMessage(msg: BackendMessage): string {
  const m = msg as BackendMessage & { fields?: Array<{ name: string } | string>; text?: string; code?: string; message?: string; status?: string };
  switch (msg.name) {
    case 'rowDescription':
      return `rowDescription ${(m.fields as Array<{ name: string }>).map((f) => f.name).join(',')}`;
    case 'dataRow':
      // A long value by its length and digest, so a failure prints a readable line.
      return `dataRow ${(m.fields as string[]).map((f) => (f.length > 100 ? `${f.length} chars, md5 ${createHash('md5').update(f).digest('hex')}` : f)).join(',')}`;
    case 'commandComplete':
      return `commandComplete ${m.text}`;
    case 'readyForQuery':
      return `readyForQuery ${m.status}`;
    case 'error':
      return `error ${m.code} ${m.message}`;
    default:
      return msg.name;
  }
}

async function waitFor(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the database to answer');
    await new Promise((r) => setTimeout(r, 5));
  }
}
