/**
 * The embedded database's worker thread, as the JavaScript text it runs
 * (`new Worker(source, { eval: true })`). It is a string, not a module file,
 * because one text then serves every way Passcode runs: compiled to `dist/` and
 * as TypeScript under Jest alike, from any working directory, with no build step
 * copying a file and no loader; a worker cannot load the `.ts` file Jest sees.
 * PGlite is required through `createRequire(workerData.resolveFrom)`, anchored at
 * the module that starts the worker, so it is the same package either way.
 *
 * The worker owns the PGlite instance and serves Postgres's frontend/backend
 * protocol over its parent port, as a server serves it over a socket:
 *
 * - in: `{ conn, data }` (bytes a connection wrote), `{ conn, end: true }` (the
 *   connection is gone), `{ close: true }` (close PGlite, which checkpoints the
 *   directory; the worker then exits), `{ stats: true }` (its heap in use, how
 *   many files it has synced, how many WAL fsyncs await their round), `{ holdSyncs }`
 *   (true: start no round until told false; for tests);
 * - out: `{ ready: true }` or `{ failed }` once, `{ conn, data, seq }` exactly once per
 *   `data` received, in each connection's order (empty when there is nothing to say,
 *   so the parent can count what it awaits), `{ durable: seq }` when the WAL fsyncs up to seq are on the
 *   disk, `{ stats: { heapUsed, fileSyncs, unsyncedWal } }` per `stats`, `{ closed: true }`
 *   or `{ closeFailed }`.
 *
 * Bytes are framed into whole messages (a startup packet, or a type byte and an
 * int32 length); the run of whole messages received so far goes to PGlite in one
 * call, as a backend reads what one socket read gave it; an unfinished message
 * waits for its rest. Each call runs to its end before the next message is read,
 * so connections' messages never interleave inside PGlite.
 *
 * The call is `execProtocolRawStream` without PGlite's sync to the file system
 * (NodeFS writes to the files as Postgres writes, so that sync has nothing to
 * copy; syncs to the disk are Postgres's own, see SyncingNodeFS): it runs
 * synchronously and hands over the raw answer. `execProtocolRawSync` would also
 * parse every answer in JavaScript and keep the parsed messages, which nothing
 * ever clears: a worker serving through it grew by the size of every answer.
 *
 * PGlite has one backend, and several connections share it in turns (see pump):
 * a connection keeps it from its first message until an answer leaves it idle
 * (ReadyForQuery, outside a transaction) with nothing of the connection pending,
 * and what others send meanwhile waits, in order. So a transaction is one
 * connection's from BEGIN to COMMIT, as on Postgres, and the pool under the app
 * can hand the worker its next statements while one runs. What a session keeps is
 * made each connection's own: its prepared statements' names get its prefix (see
 * renamed). Settings are the backend's, so no connection may rely on a SET of its
 * own beyond its transaction (Passcode sets none: its settings are SET LOCAL or
 * set_config(…, true)). A connection's end rolls back what it left open, resets
 * the settings and deallocates its statements; the last one's end also discards
 * everything else (DISCARD ALL), as a new backend would start clean.
 *
 * A commit's WAL is synced to the disk off the worker's thread: Postgres's fsync of
 * a WAL segment only marks it (see SyncingNodeFS), the answer goes out at once
 * with the count of such fsyncs so far (`seq`), and the segments marked are synced
 * by libuv's threads, one round at a time; a round's end is reported as
 * `{ durable: seq }`. The parent hands no answer to the app before the fsyncs it
 * follows are reported (EmbeddedDatabase.durable), so nothing is acknowledged
 * before it is on the disk, as before; but the backend no longer waits for the
 * disk between statements, and the commits made while a round runs share the
 * next one. Before Postgres changes any other file (a data page, pg_control, a
 * truncation, a rename), the marked segments are synced there and then, so no
 * change reaches the disk ahead of the WAL that describes it.
 *
 * The worker is also the WAL writer PGlite lacks. A commit made with
 * synchronous_commit off (the provider's outcome, the fraud guard's counts) leaves
 * its WAL in PGlite's memory, where a crash loses it; Postgres's WAL writer would
 * write it out within three times wal_writer_delay. Here, FLUSH_DELAY_MS after
 * serving a connection, once the backend is idle (its last answer ended in
 * ReadyForQuery, outside a transaction), the worker runs FLUSH_WAL between that
 * connection's statements. It writes a one-record flush only when some WAL is
 * unflushed, and takes a retry while a transaction is open.
 */
export const PGLITE_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const { fdatasync, fdatasyncSync, fsyncSync } = require('node:fs');
const requirePglite = createRequire(workerData.resolveFrom);
const { PGlite } = requirePglite('@electric-sql/pglite');
const { NodeFS } = requirePglite('@electric-sql/pglite/nodefs');

/** Files synced to the disk since the worker started. */
let fileSyncs = 0;

/** WAL fsyncs Postgres asked for (each a commit's, or a flush's), and how many of them are on the disk. */
let walSeq = 0;
let durableSeq = 0;
/** WAL segments written and not synced since (their descriptors), and those a round is syncing. */
const unsynced = new Set();
const syncing = new Set();
let roundRunning = false;
let syncsHeld = false;

/** Whether a file is a WAL segment (pg_wal/ and 24 hex digits): asked once per open file. */
function isWal(mod, stream) {
  if (stream.passcodeWal === undefined) stream.passcodeWal = /\/pg_wal\/[0-9A-F]{24}$/.test(mod.NODEFS.realPath(stream.node));
  return stream.passcodeWal;
}

/** The last durable seq the parent has been told of; a report goes with the next answer, or alone after this turn. */
let reportedSeq = 0;
let reportQueued = false;

function reportDurable(seq) {
  if (seq <= durableSeq) return;
  durableSeq = seq;
  if (reportQueued) return;
  reportQueued = true;
  setImmediate(() => {
    reportQueued = false;
    if (durableSeq > reportedSeq) {
      reportedSeq = durableSeq;
      parentPort.postMessage({ durable: durableSeq });
    }
  });
}

/** Syncs one file to the disk now, on this thread (a directory with fsync(2)). */
function syncFile(fd, sync = fdatasyncSync) {
  sync(fd);
  fileSyncs++;
}

/** Syncs every marked segment now, on this thread: before another file changes, and before a segment is closed. */
function syncWalNow() {
  if (!unsynced.size && !syncing.size) return;
  for (const fd of new Set([...unsynced, ...syncing])) syncFile(fd);
  unsynced.clear();
  reportDurable(walSeq);
}

/** Starts a round for the segments marked, unless one runs (it starts the next when it ends) or syncs are held. */
function startRound() {
  if (roundRunning || syncsHeld || !unsynced.size) return;
  roundRunning = true;
  const upTo = walSeq;
  const fds = [...unsynced];
  unsynced.clear();
  let left = fds.length;
  for (const fd of fds) {
    syncing.add(fd);
    fdatasync(fd, (err) => {
      // A segment closed meanwhile was synced before its close (its descriptor may since name another file).
      const closed = !syncing.has(fd);
      syncing.delete(fd);
      if (err && !closed) {
        // The disk refused: nothing after this can be answered as durable. The worker dies; the parent fails every connection.
        process.nextTick(() => {
          throw err;
        });
        return;
      }
      if (!closed) fileSyncs++;
      if (--left) return;
      roundRunning = false;
      reportDurable(upTo);
      startRound();
    });
  }
}

/**
 * PGlite's NodeFS, whose files also reach the disk when Postgres syncs them.
 * Emscripten's NODEFS has no fsync (a file's fsync() did nothing), and PGlite
 * starts Postgres with fsync off (-F): a crash of the machine could lose committed
 * transactions, and a checkpoint's order (data files, then pg_control) was not
 * kept on the disk. Here Postgres runs with fsync on and wal_sync_method=fsync (its
 * default, fdatasync, is a no-op in Emscripten, with no hook). A WAL segment's
 * fsync() marks it for the next round; any other file's is fdatasync(2) (a
 * directory's, fsync(2)), after the marked segments'. So is any other change to
 * the files: a write, a truncation, a new, renamed or removed file or directory.
 * A marked segment being closed is synced first.
 */
class SyncingNodeFS extends NodeFS {
  async init(pg, opts) {
    const out = await super.init(pg, opts);
    out.emscriptenOpts.preRun.push((mod) => {
      const streams = mod.NODEFS.stream_ops;
      const nodes = mod.NODEFS.node_ops;
      streams.fsync = (stream) => {
        if (isWal(mod, stream)) {
          unsynced.add(stream.nfd);
          walSeq++;
          return 0;
        }
        syncWalNow();
        syncFile(stream.nfd, mod.FS.isDir(stream.node.mode) ? fsyncSync : fdatasyncSync);
        return 0;
      };
      for (const op of ['write', 'setattr']) {
        const original = streams[op];
        streams[op] = function (stream, ...rest) {
          if (!isWal(mod, stream)) syncWalNow();
          return original.call(this, stream, ...rest);
        };
      }
      const close = streams.close;
      streams.close = function (stream) {
        const fd = stream.nfd;
        if (fd && stream.shared.refcount === 1 && (unsynced.has(fd) || syncing.has(fd))) {
          syncFile(fd);
          unsynced.delete(fd);
          syncing.delete(fd);
        }
        return close.call(this, stream);
      };
      for (const op of ['setattr', 'mknod', 'rename', 'unlink', 'rmdir', 'symlink']) {
        const original = nodes[op];
        nodes[op] = function (...args) {
          syncWalNow();
          return original.apply(this, args);
        };
      }
    });
    return out;
  }
}
const START_PARAMS = [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'fsync=on', '-c', 'wal_sync_method=fsync'];

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const EMPTY = Buffer.alloc(0);

let db;
/** Connections, by id: { conn, pending (bytes not yet a whole message), started, statements (their names in the backend) }. */
const conns = new Map();
/** The connection the backend is given to: until its answer leaves the backend idle with nothing of it pending. */
let session;
/** What connections sent while another held the backend, in arrival order: { conn, bytes } or { conn, end: true }. */
const waiting = [];
/** Whether the backend's last answer left it outside any statement and transaction. */
let backendIdle = true;
let flushTimer;

/** A simple Query message; latin1 keeps a prepared statement's name byte for byte, as it came. */
function simpleQuery(sql, encoding = 'utf8') {
  const text = Buffer.from(sql + '\0', encoding);
  const msg = Buffer.alloc(5 + text.length);
  msg[0] = 0x51; // 'Q'
  msg.writeInt32BE(4 + text.length, 1);
  text.copy(msg, 5);
  return msg;
}
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);
/** What a connection's end undoes of what it may have left: a half-sent exchange, an open transaction, settings. */
const END_OF_CONNECTION = [SYNC, simpleQuery('ROLLBACK'), simpleQuery('RESET ALL')];
/** Postgres's default wal_writer_delay. */
const FLUSH_DELAY_MS = 200;
/** pg_logical_emit_message's last argument flushes the WAL up to its record (at any wal_level). */
const FLUSH_WAL = simpleQuery(
  "SELECT pg_logical_emit_message(false, 'passcode', '', true) WHERE pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn()",
);
/** ReadyForQuery, transaction status idle: the last six bytes of an answer that leaves the backend free. */
const READY_IDLE = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

/** A FATAL ErrorResponse, the way a server refuses a connection. */
function fatal(code, message) {
  const body = Buffer.from('SFATAL\0VFATAL\0C' + code + '\0M' + message + '\0\0');
  const msg = Buffer.alloc(5 + body.length);
  msg[0] = 0x45; // 'E'
  msg.writeInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return msg;
}

/**
 * Runs whole messages through PGlite and adds its answer to out. The answer
 * arrives in views of PGlite's memory, copied at once (each copy owns its buffer,
 * so a one-piece answer is handed to the parent as it is). PGlite fails only when its
 * own state is broken (a trap): the worker then dies, and the parent fails every
 * connection.
 */
function run(messages, out) {
  db.execProtocolRawStream(messages, { syncToFs: false, onRawData: (chunk) => out.push(new Uint8Array(chunk)) }).catch((err) => {
    process.nextTick(() => {
      throw err;
    });
  });
}

/** A connection the worker no longer serves: gone from conns, the backend freed if it held it, its half-sent bytes dropped. */
function forget(c) {
  conns.delete(c.conn);
  if (session === c) session = undefined;
  c.pending = EMPTY;
}

/**
 * The end of a connection: its exchange and transaction, if it held the backend,
 * are ended, its settings reset and its prepared statements deallocated (each its
 * own statement, so one that never was prepared fails alone); the last one to end
 * also discards whatever else a session keeps (DISCARD ALL).
 */
function endConnection(c) {
  forget(c);
  if (!c.started) return;
  const discarded = [];
  for (const msg of END_OF_CONNECTION) run(msg, discarded);
  for (const name of c.statements) run(simpleQuery('DEALLOCATE "' + name.replace(/"/g, '""') + '"', 'latin1'), discarded);
  if (!conns.size) run(simpleQuery('DISCARD ALL'), discarded);
  backendIdle = true;
}

/** Whether an answer's chunks end in ReadyForQuery with the backend idle; undefined for an empty answer (nothing changed). */
function endsIdle(chunks) {
  const tail = [];
  for (let i = chunks.length - 1; i >= 0 && tail.length < READY_IDLE.length; i--) {
    for (let j = chunks[i].length - 1; j >= 0 && tail.length < READY_IDLE.length; j--) tail.unshift(chunks[i][j]);
  }
  if (!tail.length) return undefined;
  return tail.length === READY_IDLE.length && READY_IDLE.equals(Buffer.from(tail));
}

function scheduleFlush() {
  if (flushTimer) return;
  flushTimer = setTimeout(flushWal, FLUSH_DELAY_MS);
  flushTimer.unref();
}

function flushWal() {
  flushTimer = undefined;
  if (!backendIdle) return scheduleFlush();
  run(FLUSH_WAL, []);
  startRound();
}

const P = 0x50, B = 0x42, D = 0x44, C = 0x43, S = 0x53;

/**
 * A message of the extended protocol that names a prepared statement (Parse,
 * Bind, Describe or Close of one), with the name given the connection's prefix;
 * undefined for any other message, and for the unnamed statement. Connections
 * share the one backend, and so its prepared statements: each one's names are
 * its own this way, as on a backend of its own. The unnamed statement lives only
 * until the next Sync's exchange is over, within which the backend stays with the
 * connection.
 */
function renamed(c, msg) {
  const type = msg[0];
  let at;
  if (type === P) at = 5;
  else if (type === B) at = msg.indexOf(0, 5) + 1;
  else if ((type === D || type === C) && msg[5] === S) at = 6;
  else return undefined;
  const end = msg.indexOf(0, at);
  if (end <= at) return undefined;
  const name = c.prefix + msg.toString('latin1', at, end);
  const nameBytes = Buffer.from(name, 'latin1');
  const out = Buffer.allocUnsafe(msg.length - (end - at) + nameBytes.length);
  msg.copy(out, 0, 0, at);
  nameBytes.copy(out, at);
  msg.copy(out, at + nameBytes.length, end);
  out.writeInt32BE(out.length - 1, 1);
  if (type === P) c.statements.add(name);
  else if (type === C) c.statements.delete(name);
  return out;
}

/** Runs what the connection sent that is complete; returns what PGlite answered. */
function serve(c, out) {
  let buf = c.pending;
  let at = 0;
  /** The messages to run: runs of the connection's bytes as they came, and renamed messages. */
  let parts = [];
  let runStart = 0;
  const keep = (end) => {
    if (end > runStart) parts.push(buf.subarray(runStart, end));
  };
  const flushRun = () => {
    if (parts.length) run(parts.length === 1 ? parts[0] : Buffer.concat(parts), out);
    parts = [];
  };
  while (true) {
    if (!c.started) {
      if (buf.length - at < 8) break;
      const length = buf.readInt32BE(at);
      const code = buf.readInt32BE(at + 4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        out.push(Buffer.from('N'));
        at += 8;
      } else if (code === CANCEL_REQUEST) {
        // Nothing to cancel: one statement runs at a time, to its end. The connection says no more.
        forget(c);
        return;
      } else if (code === PROTOCOL_3 && length >= 8) {
        if (buf.length - at < length) break;
        run(buf.subarray(at, at + length), out);
        at += length;
        c.started = true;
      } else {
        out.push(fatal('08P01', 'unsupported frontend protocol'));
        forget(c);
        return;
      }
      runStart = at;
      continue;
    }
    if (buf.length - at < 5) break;
    const end = at + 1 + buf.readInt32BE(at + 1);
    if (buf.length < end) break;
    if (buf[at] === 0x58) { // 'X', Terminate
      keep(at);
      flushRun();
      endConnection(c);
      return;
    }
    const swapped = renamed(c, buf.subarray(at, end));
    if (swapped) {
      keep(at);
      parts.push(swapped);
      runStart = end;
    }
    at = end;
  }
  keep(at);
  flushRun();
  c.pending = at === buf.length ? EMPTY : Buffer.from(buf.subarray(at));
}

function reply(conn, chunks) {
  let data = chunks[0];
  if (chunks.length > 1 || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) {
    data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.length;
    }
  }
  reportedSeq = durableSeq;
  parentPort.postMessage({ conn, data: data.buffer, seq: walSeq, durable: durableSeq }, [data.buffer]);
}

/** Serves bytes a connection sent, which now holds the backend; it gives the backend up once it leaves it idle, whole. */
function serveData(conn, bytes) {
  const out = [];
  let c = conns.get(conn);
  if (!c) {
    c = { conn, pending: EMPTY, started: false, prefix: 'c' + conn + ':', statements: new Set() };
    conns.set(conn, c);
  }
  session = c;
  c.pending = c.pending.length ? Buffer.concat([c.pending, Buffer.from(bytes)]) : Buffer.from(bytes);
  serve(c, out);
  // Before its startup a connection has had answers from the worker alone (the 'N' to an SSL request): the backend is as it was.
  const idle = c.started ? endsIdle(out) : undefined;
  if (idle !== undefined && conns.has(conn)) backendIdle = idle;
  if (session === c && backendIdle && !c.pending.length) session = undefined;
  reply(conn, out.length ? out : [new Uint8Array(0)]);
}

/**
 * Serves what waits, in order, as long as the backend is free, or what waits of
 * the connection it is given to. The backend stays with a connection while its
 * answer leaves a transaction open or an exchange unfinished (its last answer did
 * not end in ReadyForQuery, idle), or while part of a message of it is still to
 * come: other connections' statements wait, so transactions never mix, and none
 * sees another's unnamed statement or portal. Between one connection's exchanges
 * the backend serves whichever connection asked first, so the parent can keep
 * several statements under way and the backend need not wait for its next one.
 */
function pump() {
  while (waiting.length) {
    const i = session ? waiting.findIndex((item) => item.conn === session.conn) : 0;
    if (i < 0) break;
    const [item] = waiting.splice(i, 1);
    if (item.end) {
      const c = conns.get(item.conn);
      if (c) endConnection(c);
    } else {
      serveData(item.conn, item.bytes);
    }
  }
  startRound();
  scheduleFlush();
}

/** What the parent can show of an error; Emscripten's file errors carry only a name and an errno. */
function describe(err) {
  const message = err && typeof err.message === 'string' ? err.message : (err && err.name) || String(err);
  const code = err && (err.code || (err.errno !== undefined ? 'errno ' + err.errno : undefined));
  return { message, code, stack: err && err.stack };
}

async function main() {
  try {
    db = new PGlite({ fs: new SyncingNodeFS(workerData.dataDir), startParams: START_PARAMS });
    await db.waitReady;
  } catch (err) {
    parentPort.postMessage({ failed: describe(err) });
    process.exit(1);
  }
  parentPort.on('message', (msg) => {
    if (msg.data || msg.end) {
      waiting.push(msg.data ? { conn: msg.conn, bytes: msg.data } : { conn: msg.conn, end: true });
      return pump();
    }
    if (msg.stats) return parentPort.postMessage({ stats: { heapUsed: process.memoryUsage().heapUsed, fileSyncs, unsyncedWal: walSeq - durableSeq } });
    if (msg.holdSyncs !== undefined) {
      syncsHeld = msg.holdSyncs;
      return startRound();
    }
    if (msg.close) {
      clearTimeout(flushTimer);
      syncWalNow();
      db.close().then(
        () => parentPort.postMessage({ closed: true }),
        (err) => parentPort.postMessage({ closeFailed: describe(err) }),
      ).finally(() => parentPort.close());
    }
  });
  parentPort.postMessage({ ready: true });
}

main();
`;
