// The part of fs-native-extensions (which ships no types) that DataDirLock uses.
declare module 'fs-native-extensions' {
  /** An exclusive lock on the whole file: true when granted, false when another open file description holds one. */
  export function tryLock(fd: number): boolean;
  /** Releases the lock `fd` holds. */
  export function unlock(fd: number): void;
}
