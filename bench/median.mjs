// The median both bench/run.mjs and bench/machine.mjs take of their rounds.

/** The middle value of `xs` (not changed), or the mean of the two middle ones when their number is even. */
export function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
