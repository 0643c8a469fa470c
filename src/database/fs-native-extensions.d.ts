// The part of fs-native-extensions (which ships no types) that DataDirLock and the test databases use.
declare module 'fs-native-extensions' {
  /** An exclusive lock on the whole file: true when granted, false when another open file description holds one. */
  export function tryLock(fd: number): boolean;
  /** An exclusive lock on the whole file, once no other open file description holds one. */
  export function waitForLock(fd: number): Promise<void>;
  /** Releases the lock `fd` holds. */
  export function unlock(fd: number): void;
}
