import { randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The secrets generated outside production, by their environment names. */
export type StoredKeys = Record<string, string>;

const FILE = 'keys.json';

/** What `DATA_DIR/keys.json` holds; null when there is no such file. */
export function readKeysFile(dataDir: string): StoredKeys | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as StoredKeys;
  } catch (err) {
    // No such file, or a path through a file: there is none to read (a start that needs to write one says why it cannot).
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/**
 * Creates `DATA_DIR/keys.json` holding `keys` unless it exists, and answers what it
 * holds then: ours, or those of a process that created it first. Two processes
 * starting together on an empty directory thus use the same keys (the one then
 * refused by the data-directory lock no longer overwrites the other's). The keys
 * are written whole to a temporary file that is then hard-linked as keys.json:
 * the link fails if the name exists, and a reader never sees a partial file.
 */
export function createKeysFile(dataDir: string, keys: StoredKeys): StoredKeys {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, FILE);
  const tmp = writeTemporary(dataDir, keys);
  try {
    linkSync(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // A file system without hard links: an exclusive copy still creates the file only once.
      copyOnce(tmp, file);
    } else if (code !== 'EEXIST') {
      throw err;
    }
  } finally {
    unlinkSync(tmp);
  }
  return readKeysFile(dataDir) ?? keys;
}

/**
 * Replaces keys.json with `keys` whole (by rename, so no reader sees a partial
 * file). For a file that lacks a key the environment no longer gives; two
 * processes completing one file at the same instant can still each keep their own.
 */
export function replaceKeysFile(dataDir: string, keys: StoredKeys): void {
  renameSync(writeTemporary(dataDir, keys), join(dataDir, FILE));
}

function copyOnce(from: string, to: string): void {
  try {
    copyFileSync(from, to, constants.COPYFILE_EXCL);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Writes the keys to a new file of the directory, readable by the owner alone, flushed to disk. */
function writeTemporary(dataDir: string, keys: StoredKeys): string {
  const tmp = join(dataDir, `.${FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(keys, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}
