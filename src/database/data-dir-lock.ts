import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {}

/**
 * An exclusive lock on a PGlite data directory. Two processes opening one PGlite
 * directory corrupt it silently, so the second opener is refused. A lock left by a
 * process that no longer runs is taken over.
 */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'passcode.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number(readFileSync(file, 'utf8').trim());
        if (holder === process.pid) {
          throw new DataDirLockedError(`the database in ${dataDir} is already open in this process`);
        }
        if (isAlive(holder)) {
          throw new DataDirLockedError(
            `the database in ${dataDir} is in use by process ${holder}; stop it first (one process per data directory), or set DATABASE_URL to use Postgres`,
          );
        }
        rmSync(file, { force: true });
      }
    }
    throw new DataDirLockedError(`could not lock ${dataDir}`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
