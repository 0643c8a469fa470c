/**
 * @nestjs/throttler's metadata keys, each followed by the throttler's name
 * (`THROTTLER:SKIPdefault`). The package sets them with its decorators but does
 * not export them.
 */
export const THROTTLER_METADATA = {
  skip: 'THROTTLER:SKIP',
  limit: 'THROTTLER:LIMIT',
  ttl: 'THROTTLER:TTL',
  blockDuration: 'THROTTLER:BLOCK_DURATION',
  tracker: 'THROTTLER:TRACKER',
  keyGenerator: 'THROTTLER:KEY_GENERATOR',
} as const;
