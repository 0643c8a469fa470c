/**
 * Upper bounds, in seconds, of the buckets that approval times (from a code's
 * creation to its approval) are counted in; one more bucket holds the rest. The
 * median is read from them, so it is exact to a bucket and interpolated inside it.
 */
export const APPROVAL_BOUNDS_S = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800, 3600] as const;

/** The counts of one app, UTC day and destination country (`''` when unknown). */
export interface DayStats {
  appId: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  country: string;
  /** SMS the provider accepted, or may have (`unknown`), for codes (admin test sends are not codes). */
  sent: number;
  /** Of those, the ones the carrier reported delivered (delivery receipts). */
  delivered: number;
  /** Send attempts refused, and how many by error name. */
  failed: number;
  failures: Record<string, number>;
  /** Codes created that day and approved (at any time since). */
  approved: number;
  /** Approvals per {@link APPROVAL_BOUNDS_S} bucket, the last one past the last bound. */
  approvalBuckets: number[];
}

/** Sums counts of the same shape (a range's days, several countries). */
export function addStats(into: Omit<DayStats, 'appId' | 'day' | 'country'>, more: Omit<DayStats, 'appId' | 'day' | 'country'>): void {
  into.sent += more.sent;
  into.delivered += more.delivered;
  into.failed += more.failed;
  into.approved += more.approved;
  for (const [error, n] of Object.entries(more.failures)) into.failures[error] = (into.failures[error] ?? 0) + n;
  more.approvalBuckets.forEach((n, i) => (into.approvalBuckets[i] = (into.approvalBuckets[i] ?? 0) + n));
}

export function emptyCounts(): Omit<DayStats, 'appId' | 'day' | 'country'> {
  return { sent: 0, delivered: 0, failed: 0, failures: {}, approved: 0, approvalBuckets: Array(APPROVAL_BOUNDS_S.length + 1).fill(0) };
}

/**
 * The median approval time in seconds from bucket counts: the bucket holding the
 * middle approval, linearly interpolated inside it; null without approvals. Past
 * the last bound it answers that bound (a floor: "an hour or more").
 */
export function medianApprovalS(buckets: number[]): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (!total) return null;
  const half = total / 2;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (below + buckets[i] >= half) {
      if (i >= APPROVAL_BOUNDS_S.length) return APPROVAL_BOUNDS_S[APPROVAL_BOUNDS_S.length - 1];
      const lower = i === 0 ? 0 : APPROVAL_BOUNDS_S[i - 1];
      const upper = APPROVAL_BOUNDS_S[i];
      return Math.round((lower + ((half - below) / buckets[i]) * (upper - lower)) * 10) / 10;
    }
    below += buckets[i];
  }
  return null;
}
