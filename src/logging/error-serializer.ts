import { stdSerializers } from 'pino';

/**
 * pino's error serializer without the values a failed statement was given
 * (TypeORM's QueryFailedError keeps them as `parameters`): full phone numbers,
 * codes' hashes and a provider's text reached the log that way, where numbers
 * are otherwise masked.
 */
export function errorWithoutValues(err: Error): Record<string, unknown> {
  return withoutParameters(stdSerializers.err(err) as unknown as Record<string, unknown>, 0);
}

/** A copy of a serialized error (and of the objects in it, three deep) without `parameters`; the error's own objects are left as they are. */
function withoutParameters(serialized: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(serialized)) {
    if (key === 'parameters') continue;
    out[key] = depth < 3 && value && typeof value === 'object' && !Array.isArray(value) ? withoutParameters(value as Record<string, unknown>, depth + 1) : value;
  }
  return out;
}
