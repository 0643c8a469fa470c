// The bench's yardstick of the machine's speed: every 250 ms, one fixed piece of
// work (parse a request-sized JSON body and hash it, 300 times), timed in this
// process's CPU time and written as `<epoch ms> <CPU µs>`. The work never changes,
// so its CPU time moves only with the machine: a neighbour on the host, a clock
// that drops. bench/run.mjs reads it beside every figure. It costs about 1% of a core.
import { createHash } from 'node:crypto';

const body = JSON.stringify({
  appkey: 'a'.repeat(32), timestamp: '1764900000', sign: 'f'.repeat(32), mcode: '+86', mobile: '13900000001', scene: 'login', verify_code: '000000',
  list: Array.from({ length: 20 }, (_, i) => ({ i, s: `v${i}` })),
});

function work() {
  let n = 0;
  for (let i = 0; i < 300; i++) {
    n += JSON.parse(body).list.length;
    n += createHash('sha256').update(body).digest('hex').length;
  }
  return n;
}

setInterval(() => {
  const before = process.cpuUsage();
  work();
  const spent = process.cpuUsage(before);
  process.stdout.write(`${Date.now()} ${spent.user + spent.system}\n`);
}, 250);
