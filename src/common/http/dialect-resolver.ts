import { type WireDialect } from './wire-dialect.js';

/** Picks the dialect that speaks for a request path; the last dialect is the fallback. */
export class DialectResolver {
  constructor(private readonly dialects: readonly WireDialect[]) {
    if (!dialects.length) throw new Error('at least one dialect is required');
  }

  forPath(path: string): WireDialect {
    return this.dialects.find((d) => d.matches(path)) ?? this.dialects[this.dialects.length - 1];
  }
}
