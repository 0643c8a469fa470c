import { PeriodicTask } from './periodic-task.js';

const PERIOD_MS = 1000;

/** A task whose runs end when the test says: each run waits for `finish` (or `fail`). */
function controlledTask() {
  const runs: Array<{ finish: () => void; fail: (err: Error) => void; stopping: AbortSignal }> = [];
  const failures: unknown[] = [];
  const task = new PeriodicTask(
    PERIOD_MS,
    (stopping) => new Promise<void>((finish, fail) => runs.push({ finish, fail, stopping })),
    (err) => failures.push(err),
  );
  return { task, runs, failures };
}

/** Whether `promise` has settled once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true), () => (done = true));
  await jest.advanceTimersByTimeAsync(0);
  return done;
}

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs once a period, never two runs at once', async () => {
    const { task, runs } = controlledTask();
    task.start();
    await jest.advanceTimersByTimeAsync(PERIOD_MS - 1);
    expect(runs).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(1);
    // Periods that end while the run is in flight pass without a run.
    await jest.advanceTimersByTimeAsync(3 * PERIOD_MS);
    expect(runs).toHaveLength(1);
    runs[0].finish();
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    expect(runs).toHaveLength(2);
    runs[1].finish();
    await task.stop();
  });

  it('stop tells the run in flight to stop, and waits for it to end', async () => {
    const { task, runs } = controlledTask();
    task.start();
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    expect(runs[0].stopping.aborted).toBe(false);
    const stopped = task.stop();
    expect(runs[0].stopping.aborted).toBe(true);
    expect(await settled(stopped)).toBe(false);
    runs[0].finish();
    expect(await settled(stopped)).toBe(true);
  });

  it('starts no run once stopped, neither when its periods pass nor when the run in flight at the stop ends', async () => {
    const { task, runs } = controlledTask();
    task.start();
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    const stopped = task.stop();
    await jest.advanceTimersByTimeAsync(5 * PERIOD_MS);
    runs[0].finish();
    await stopped;
    await jest.advanceTimersByTimeAsync(5 * PERIOD_MS);
    expect(runs).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reports a failed run and runs again the next period; a stop waits for a failing run and resolves', async () => {
    const { task, runs, failures } = controlledTask();
    task.start();
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    runs[0].fail(new Error('database away'));
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    expect(failures).toEqual([new Error('database away')]);
    expect(runs).toHaveLength(2);
    const stopped = task.stop();
    runs[1].fail(new Error('closed'));
    await expect(stopped).resolves.toBeUndefined();
    expect(failures).toEqual([new Error('database away'), new Error('closed')]);
  });

  it('stays stopped: a start after the stop arms no timer', async () => {
    const { task, runs } = controlledTask();
    await task.stop();
    task.start();
    await jest.advanceTimersByTimeAsync(5 * PERIOD_MS);
    expect(runs).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
