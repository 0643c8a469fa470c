// node bench/validation.mjs (after npm run build): µs per validation of the v1
// send and check bodies, Nest's ValidationPipe with class-transformer and
// class-validator (the reference) against the compiled rules, each through
// PasscodeValidationPipe as Nest calls it (awaited). Old and new take turns, and
// each figure is the median of the rounds.
import 'reflect-metadata';
import { V1SmsCheckDto, V1SmsSendDto } from '../dist/src/api/v1/v1.dto.js';
import { PasscodeValidationPipe } from '../dist/src/common/http/validation.pipe.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);

// Bodies as a client signs them (seed 001: appkey, timestamp, sign beside the fields),
// built as literals: an object spread with more keys after it costs microseconds here.
const cases = [
  {
    name: 'POST /v1/sms/verify_code (V1SmsSendDto)',
    metatype: V1SmsSendDto,
    body: () => ({ appkey: 'app_7Qx2mZ', timestamp: '1744773894', sign: '0cc175b9c0f1b6a831c399e269772661', mcode: '+86', mobile: '18518768888', scene: 'login' }),
  },
  {
    name: 'POST /v1/sms/check_code (V1SmsCheckDto)',
    metatype: V1SmsCheckDto,
    body: () => ({ appkey: 'app_7Qx2mZ', timestamp: '1744773894', sign: '0cc175b9c0f1b6a831c399e269772661', mcode: '+86', mobile: '18518768888', scene: 'login', verify_code: '347823' }),
  },
  {
    name: 'check_code, verify_code missing (refused)',
    metatype: V1SmsCheckDto,
    body: () => ({ appkey: 'app_7Qx2mZ', timestamp: '1744773894', sign: '0cc175b9c0f1b6a831c399e269772661', mcode: '+86', mobile: '18518768888', scene: 'login' }),
  },
];

const pipes = { old: PasscodeValidationPipe.reference(), compiled: new PasscodeValidationPipe() };

/** µs per awaited transform of a fresh body (the pipe mutates what it is given, as Nest's does). */
async function measure(pipe, metadata, body, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    try {
      await pipe.transform(body(), metadata);
    } catch (err) {
      if (err?.name_ !== 'VALIDATION_FAILED') throw err;
    }
  }
  return Number(process.hrtime.bigint() - start) / iterations / 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const bodyCost = [];
for (let round = 0; round < ROUNDS + 1; round++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) cases[1].body();
  if (round > 0) bodyCost.push(Number(process.hrtime.bigint() - start) / ITERATIONS / 1000); // the first warms up
}

console.log(`node ${process.version}, ${ROUNDS} rounds of ${ITERATIONS} validations each; building a body costs ${median(bodyCost).toFixed(3)} µs (included)\n`);
console.log('case'.padEnd(44), 'old µs'.padStart(9), 'compiled µs'.padStart(12), 'speed-up'.padStart(9));
for (const { name, metatype, body } of cases) {
  const metadata = { type: 'body', metatype, data: undefined };
  const times = { old: [], compiled: [] };
  for (const pipe of Object.values(pipes)) await measure(pipe, metadata, body, ITERATIONS); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? ['compiled', 'old'] : ['old', 'compiled'];
    for (const which of order) times[which].push(await measure(pipes[which], metadata, body, ITERATIONS));
  }
  const [old, compiled] = [median(times.old), median(times.compiled)];
  console.log(name.padEnd(44), old.toFixed(2).padStart(9), compiled.toFixed(2).padStart(12), `${(old / compiled).toFixed(1)}×`.padStart(9));
}
