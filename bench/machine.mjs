// node bench/machine.mjs [result.json …]: how much of the bench's spread the
// machine's own speed explains. Each round of a run pairs a Passcode figure with
// a bare one, each measured beside the yardstick (bench/yardstick.mjs); when one
// side's figure ran on a slower machine than the other's, its ratio moves with it.
// Over the rounds of the given results (every file in bench/results/ by default),
// this fits log(Passcode / bare) against log(Passcode's yardstick / bare's), for
// req/s and for server CPU per request, and prints the fitted ratio where the two
// sides' yardsticks are equal, with a 95% interval. It reads the figures as they
// were measured and changes none: the targets are the run's own medians.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './median.mjs';

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
const files = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(resultsDir).filter((f) => f.endsWith('.json')).sort().map((f) => join(resultsDir, f));

/** The rounds of `kind` in one result: [log req/s ratio, log CPU ratio, log yardstick ratio] per round with both yardsticks. */
function roundsOf(result, kind) {
  const ours = result.figures?.find((f) => f.name === `postgres ${kind}`);
  const theirs = result.figures?.find((f) => f.name === `bare ${kind}`);
  if (!ours?.rounds || !theirs?.rounds) return [];
  return ours.rounds.flatMap((r, i) => {
    const t = theirs.rounds[i];
    if (!r.machine_us || !t?.machine_us) return [];
    return [[Math.log(r.req_per_s / t.req_per_s), Math.log(r.cpu_ms_per_request.server / t.cpu_ms_per_request.server), Math.log(r.machine_us / t.machine_us)]];
  });
}

/** Least squares of y on x: the value at x = 0, its standard error, and the correlation. */
function fit(points) {
  const n = points.length;
  const mean = (f) => points.reduce((s, p) => s + f(p), 0) / n;
  const mx = mean((p) => p.x);
  const my = mean((p) => p.y);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const syy = points.reduce((s, p) => s + (p.y - my) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const slope = sxx ? sxy / sxx : 0;
  const at0 = my - slope * mx;
  const residual = points.reduce((s, p) => s + (p.y - at0 - slope * p.x) ** 2, 0) / Math.max(1, n - 2);
  const se = Math.sqrt(residual * (1 / n + (sxx ? mx ** 2 / sxx : 0)));
  return { at0, se, r: sxx && syy ? sxy / Math.sqrt(sxx * syy) : 0 };
}

const ratio = (log) => Math.exp(log).toFixed(2);

console.log(`${files.length} result file(s)`);
for (const kind of ['send', 'check']) {
  const rounds = files.flatMap((file) => roundsOf(JSON.parse(readFileSync(file, 'utf8')), kind));
  if (rounds.length < 3) {
    console.log(`${kind}: ${rounds.length} round(s) with yardsticks, too few to fit`);
    continue;
  }
  for (const [label, at] of [['req/s', 0], ['server CPU per request', 1]]) {
    const f = fit(rounds.map((r) => ({ y: r[at], x: r[2] })));
    console.log(
      `${kind} ${label}, Passcode / bare over ${rounds.length} rounds: median ${ratio(median(rounds.map((r) => r[at])))}; ` +
        `at equal yardsticks ${ratio(f.at0)} (95%: ${ratio(f.at0 - 2 * f.se)}-${ratio(f.at0 + 2 * f.se)}); correlation with the yardstick ratio ${f.r.toFixed(2)}`,
    );
  }
}
