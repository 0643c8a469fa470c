import { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import { PGLITE_WORKER_SOURCE } from './pglite-worker.source.js';

/**
 * The embedded database could not be opened (`08001`), has stopped (`08006`) or
 * is closed (`08003`). The codes are Postgres's connection-exception SQLSTATEs,
 * so a request that meets one is answered as for a Postgres that went away.
 */
export class EmbeddedDatabaseError extends Error {
  constructor(
    message: string,
    readonly code: '08001' | '08003' | '08006',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

type FromWorker =
  | { conn: number; data: ArrayBuffer; seq: number; durable: number }
  | { durable: number }
  | { ready: true }
  | { failed: WorkerError }
  | { stats: EmbeddedDatabaseStats }
  | { closed: true }
  | { closeFailed: WorkerError };

/** What the worker reports of itself. */
export interface EmbeddedDatabaseStats {
  /** Its JavaScript heap in use, in bytes (what PGlite's memory holds is not in it). */
  heapUsed: number;
  /** Files (WAL, data files, directories) it has synced to the disk since it started. */
  fileSyncs: number;
  /** WAL fsyncs (commits) Postgres has asked for whose files are not yet synced. */
  unsyncedWal: number;
}

interface WorkerError {
  message: string;
  code?: string;
  stack?: string;
}

/** What a connection needs from the database it belongs to. */
interface Link {
  readonly opened: Promise<void>;
  attach(conn: number, socket: WorkerSocket): void;
  send(conn: number, chunk: Buffer): void;
  hangUp(conn: number): void;
}

/**
 * PGlite in a worker thread, so the app and the database each have a core.
 * The pg driver reaches it as it reaches Postgres, through a socket: {@link connect}
 * is pg's `stream` option, a Duplex whose bytes go to the worker and back
 * (`pglite-worker.source.ts` serves them), and pg's own protocol parser reads
 * every answer, errors with all their fields included.
 *
 * The worker keeps the process alive only while it owes an answer or a sync
 * someone waits for ({@link durable}), or is opening or closing, as PGlite on the
 * main thread never kept it alive by itself. A
 * worker that stops unexpectedly fails every connection, open or to come, with
 * {@link EmbeddedDatabaseError} `08006`, logged once: requests are answered
 * SERVICE_UNAVAILABLE and readiness fails until Passcode is restarted (PGlite
 * then recovers the directory from its WAL).
 */
export class EmbeddedDatabase {
  private readonly logger = new Logger('EmbeddedDatabase');
  private readonly worker: Worker;
  private state: 'opening' | 'open' | 'closing' | 'closed' | 'failed' = 'opening';
  private settleOpen!: (err?: Error) => void;
  private readonly opened = new Promise<void>((resolve, reject) => {
    this.settleOpen = (err) => (err ? reject(err) : resolve());
  });
  private readonly sockets = new Map<number, WorkerSocket>();
  private nextConn = 0;
  /** Written bytes not yet posted, in order: a tick's writes go to the worker as one message. */
  private outbox: Array<{ conn: number; chunks: Buffer[] } | { conn: number; end: true }> = [];
  private flushQueued = false;
  /** Answers the worker owes (one per posted batch). */
  private awaited = 0;
  private referenced = true;
  private workerError?: Error;
  private closeOutcome?: { error?: WorkerError };
  private closing?: Promise<void>;
  private readonly statsAnswers: Array<{ resolve(stats: EmbeddedDatabaseStats): void; reject(err: Error): void }> = [];
  /** The last WAL fsync an answer received follows, and the last one the worker reported on the disk. */
  private receivedSeq = 0;
  private durableSeq = 0;
  /** Who waits for the disk, in the order of the fsyncs they wait for. */
  private readonly syncWaiters: Array<{ seq: number; resolve(): void; reject(err: Error): void }> = [];
  private exited!: Promise<number>;

  private constructor(private readonly dataDir: string) {
    // A rejection nobody awaits yet (no connection asked) must not end the process.
    this.opened.catch(() => undefined);
    this.worker = new Worker(PGLITE_WORKER_SOURCE, {
      eval: true,
      workerData: { dataDir, resolveFrom: import.meta.url },
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    this.worker.on('error', (err) => (this.workerError = err));
    this.worker.on('exit', (code) => this.onExit(code));
  }

  /** Starts PGlite on `dataDir` in a worker; connections wait until it is open, or fail with why it could not open. */
  static open(dataDir: string): EmbeddedDatabase {
    return new EmbeddedDatabase(dataDir);
  }

  /** A new connection: pg's `stream` option (`pg.Client({ stream: db.connect })`). */
  readonly connect = (): Duplex => new WorkerSocket(this.link, ++this.nextConn);

  /**
   * Closes PGlite, which checkpoints the directory, and waits for the worker to
   * end. Connections still open then are failed with `08003`.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** What the worker reports of itself: its heap, and the files it has synced. */
  async stats(): Promise<EmbeddedDatabaseStats> {
    await this.opened;
    if (this.state !== 'open') throw this.unusable();
    return new Promise((resolve, reject) => {
      this.statsAnswers.push({ resolve, reject });
      this.worker.postMessage({ stats: true });
      this.awaited++;
      this.updateRef();
    });
  }

  /**
   * Undefined when every answer received so far is on the disk; else a promise that
   * resolves once it is (rejected if the worker stops first). An answer arrives as
   * soon as its statement ran, before the worker has synced the WAL it wrote (so the
   * database goes on with the next statement meanwhile): what hands a statement's
   * result to the app waits for this first, so nothing the app does or answers
   * rests on a commit a crash of the machine could still undo. It covers every
   * answer, not only the caller's: one may show what another's commit wrote.
   */
  durable(): Promise<void> | undefined {
    if (this.receivedSeq <= this.durableSeq) return undefined;
    if (this.state === 'failed' || this.state === 'closed') return Promise.reject(this.unusable());
    return new Promise((resolve, reject) => {
      this.syncWaiters.push({ seq: this.receivedSeq, resolve, reject });
      this.updateRef();
    });
  }

  /** Holds the worker's WAL syncs (true) until released (false): answers then wait for the disk. For tests. */
  holdSyncs(held: boolean): void {
    this.worker.postMessage({ holdSyncs: held });
  }

  /**
   * Stops the worker at once, as a crash would: nothing is checkpointed, and every
   * connection fails with `08006` (PGlite recovers from its WAL on the next open).
   * For tests of that failure.
   */
  async kill(): Promise<void> {
    await this.worker.terminate();
  }

  private readonly link: Link = {
    opened: this.opened,
    attach: (conn, socket) => {
      if (this.state === 'open') this.sockets.set(conn, socket);
      else socket.destroy(this.unusable());
    },
    send: (conn, chunk) => {
      const last = this.outbox.at(-1);
      if (last && 'chunks' in last && last.conn === conn) last.chunks.push(chunk);
      else this.outbox.push({ conn, chunks: [chunk] });
      this.queueFlush();
    },
    hangUp: (conn) => {
      if (!this.sockets.delete(conn)) return;
      this.outbox.push({ conn, end: true });
      this.queueFlush();
    },
  };

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    const outbox = this.outbox;
    this.outbox = [];
    if (this.state !== 'open') return;
    for (const item of outbox) {
      if (!('chunks' in item)) {
        this.worker.postMessage({ conn: item.conn, end: true });
        continue;
      }
      const bytes = new Uint8Array(item.chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of item.chunks) {
        bytes.set(c, at);
        at += c.length;
      }
      this.worker.postMessage({ conn: item.conn, data: bytes.buffer }, [bytes.buffer]);
      this.awaited++;
    }
    this.updateRef();
  }

  private onMessage(msg: FromWorker): void {
    if ('data' in msg) {
      this.awaited--;
      // Before pg reads the answer: its result is handed on only once this fsync is reported.
      if (msg.seq > this.receivedSeq) this.receivedSeq = msg.seq;
      this.synced(msg.durable);
      this.updateRef();
      if (msg.data.byteLength) this.sockets.get(msg.conn)?.receive(Buffer.from(msg.data));
    } else if ('durable' in msg) {
      this.synced(msg.durable);
      this.updateRef();
    } else if ('stats' in msg) {
      this.awaited--;
      this.updateRef();
      this.statsAnswers.shift()?.resolve(msg.stats);
    } else if ('ready' in msg) {
      this.state = 'open';
      this.updateRef();
      this.settleOpen();
    } else if ('failed' in msg) {
      this.state = 'failed';
      const cause = msg.failed.code ? `${msg.failed.message} (${msg.failed.code})` : msg.failed.message;
      this.settleOpen(new EmbeddedDatabaseError(`could not open the database in ${this.dataDir}: ${cause}`, '08001'));
    } else if ('closed' in msg) {
      this.closeOutcome = {};
    } else {
      this.closeOutcome = { error: msg.closeFailed };
    }
  }

  /** The worker's report that the WAL fsyncs up to `seq` are on the disk: who waited for them goes on. */
  private synced(seq: number): void {
    if (seq <= this.durableSeq) return;
    this.durableSeq = seq;
    while (this.syncWaiters.length && this.syncWaiters[0].seq <= seq) this.syncWaiters.shift()!.resolve();
  }

  private onExit(code: number): void {
    const expected = this.state === 'closing' || this.state === 'failed';
    if (this.state !== 'failed') this.state = this.state === 'closing' ? 'closed' : 'failed';
    this.updateRef();
    for (const answer of this.statsAnswers.splice(0)) answer.reject(this.unusable());
    // A close that succeeded synced everything (PGlite's close checkpoints); otherwise what was not reported is not known to be on the disk.
    const synced = this.state === 'closed' && this.closeOutcome && !this.closeOutcome.error;
    for (const waiter of this.syncWaiters.splice(0)) {
      if (synced) waiter.resolve();
      else waiter.reject(this.unusable());
    }
    if (expected) return;
    const why = this.workerError ? `: ${this.workerError.message}` : '';
    const err = new EmbeddedDatabaseError(`the embedded database stopped (worker exit code ${code}${why}); restart Passcode to reopen ${this.dataDir}`, '08006', {
      cause: this.workerError,
    });
    this.logger.error(err.message);
    this.settleOpen(err);
    this.failAll(err);
  }

  /** Why a connection cannot be served now. */
  private unusable(): EmbeddedDatabaseError {
    if (this.state === 'closing' || this.state === 'closed') return new EmbeddedDatabaseError(`the database in ${this.dataDir} is closed`, '08003');
    return new EmbeddedDatabaseError(`the embedded database in ${this.dataDir} has stopped; restart Passcode`, '08006');
  }

  private failAll(err: Error): void {
    const sockets = [...this.sockets.values()];
    this.sockets.clear();
    for (const s of sockets) s.destroy(err);
  }

  private async shutDown(): Promise<void> {
    await this.opened.catch(() => undefined);
    if (this.state !== 'open') {
      await this.worker.terminate();
      return;
    }
    this.flush();
    this.state = 'closing';
    this.updateRef();
    this.worker.postMessage({ close: true });
    const code = await this.exited;
    this.failAll(this.unusable());
    const failure = this.closeOutcome?.error;
    if (failure) throw new Error(`closing the database in ${this.dataDir} failed: ${failure.message}`);
    if (!this.closeOutcome && code !== 0) throw new Error(`the database in ${this.dataDir} stopped while closing (worker exit code ${code})`);
  }

  /** Keeps the process alive while the worker is opening, closing or owes an answer; not while it idles. */
  private updateRef(): void {
    const busy = this.state === 'opening' || this.state === 'closing' || this.awaited > 0 || this.syncWaiters.length > 0;
    if (busy === this.referenced) return;
    this.referenced = busy;
    if (busy) this.worker.ref();
    else this.worker.unref();
  }
}

/**
 * One pg connection to the worker, in the shape of the net.Socket pg expects:
 * `connect` (answered once the database is open), `write`/`end`, and the socket
 * options pg sets, which mean nothing here.
 */
class WorkerSocket extends Duplex {
  constructor(
    private readonly link: Link,
    private readonly conn: number,
  ) {
    super();
  }

  connect(): this {
    this.link.opened.then(
      () => {
        if (this.destroyed) return;
        this.link.attach(this.conn, this);
        if (!this.destroyed) this.emit('connect');
      },
      (err: Error) => this.destroy(err),
    );
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  receive(data: Buffer): void {
    if (!this.destroyed) this.push(data);
  }

  override _read(): void {
    // The worker's answers are pushed as they come; pg reads them at once.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.link.send(this.conn, chunk);
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.link.hangUp(this.conn);
    this.push(null);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.link.hangUp(this.conn);
    done(err);
  }
}
