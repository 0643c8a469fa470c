import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tryLock, unlock } from 'fs-native-extensions';
import { OperatorError } from '../common/errors/operator-error.js';

/** The data directory is held by another opener (another process, or this one), or cannot be locked or written at all. */
export class DataDirLockedError extends OperatorError {}

const LOCK_FILE = 'passcode.lock';

/** The lock files this process holds, by device and inode: they only word a refusal, never decide one. */
const heldHere = new Set<string>();

/**
 * An exclusive lock on a PGlite data directory, held while the database is open.
 * Two processes on one PGlite directory each acknowledge writes that the other's
 * next checkpoint throws away, so the second opener is refused.
 *
 * The kernel holds the lock, not the file's text: an open-file-description lock
 * (`fcntl(F_OFD_SETLK)` on Linux; `flock` on macOS, `LockFileEx` on Windows) on
 * `DATA_DIR/passcode.lock`. It conflicts with every other open of the file: a
 * process in another PID namespace (a second container on the same volume), and a
 * second open in this process too; and it dies with its holder, so a crash never
 * blocks the restart, whatever PID the restart gets. Being per open file
 * description, closing some other descriptor of the file (a refused second open)
 * does not drop it, as it would a classic POSIX record lock.
 *
 * The file is never deleted: deleting it at release would let an opener that had
 * already opened it lock the orphaned inode while a later one creates and locks a
 * new file. Its text, the holder's PID and host, is for people reading the directory.
 */
export class DataDirLock {
  private constructor(
    private fd: number | undefined,
    private readonly inode: string,
  ) {}

  static acquire(dataDir: string): DataDirLock {
    const file = join(dataDir, LOCK_FILE);
    let fd: number;
    try {
      mkdirSync(dataDir, { recursive: true });
      fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
    } catch (err) {
      // A read-only file system, a directory this user may not write, a path through a file: said plainly, not retried.
      throw new DataDirLockedError(
        `the data directory ${dataDir} cannot be written (${(err as Error).message}); give DATA_DIR a directory this process may write, or set DATABASE_URL to use Postgres`,
        { cause: err },
      );
    }
    try {
      const { dev, ino } = fstatSync(fd);
      const inode = `${dev}:${ino}`;
      if (!lockExclusively(fd, dataDir)) {
        if (heldHere.has(inode)) throw new DataDirLockedError(`the database in ${dataDir} is already open in this process`);
        throw new DataDirLockedError(
          `the database in ${dataDir} is in use by ${describeHolder(file)}; stop it first (one process per data directory), or set DATABASE_URL to use Postgres`,
        );
      }
      ftruncateSync(fd, 0);
      writeSync(fd, `${process.pid} ${hostname()}\n`, 0);
      heldHere.add(inode);
      return new DataDirLock(fd, inode);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Gives the directory up: the next opener, in this process or another, gets it. */
  release(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    heldHere.delete(this.inode);
    try {
      ftruncateSync(fd, 0);
      unlock(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** True when the lock is granted; false when another open file description holds it. */
function lockExclusively(fd: number, dataDir: string): boolean {
  try {
    return tryLock(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') return false; // POSIX allows it for a held lock; Linux says EAGAIN, which tryLock answers with false
    throw new DataDirLockedError(
      `could not lock the database in ${dataDir} (${code ?? (err as Error).message}): keep DATA_DIR on a local file system, or set DATABASE_URL to use Postgres`,
    );
  }
}

/** "process 42 on host abc" as the holder wrote it, for the message only. */
function describeHolder(file: string): string {
  try {
    const [pid, host] = readFileSync(file, 'utf8').trim().split(/\s+/);
    if (/^\d+$/.test(pid ?? '')) return host ? `process ${pid} on host ${host}` : `process ${pid}`;
  } catch {
    // unreadable: say less
  }
  return 'another process';
}
