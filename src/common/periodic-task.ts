/**
 * A background task that every instance runs on a fixed period (a poller, a
 * sweeper), one run at a time, and that stops completely: once {@link stop}
 * resolves, no run is in flight and none will start.
 *
 * Its owner starts it in `onApplicationBootstrap` and stops it in
 * `onModuleDestroy`. Nest runs every module's `onModuleDestroy` before any
 * `onApplicationShutdown`, and TypeORM destroys the DataSource in its module's
 * `onApplicationShutdown`; so the task's last run ends before the database
 * closes, whatever the order of the modules. Stopped in `onApplicationShutdown`
 * instead, a task of a module whose hook comes after TypeORM's (SmsModule, global
 * as TypeORM's is) kept its timer past the close, and a run not waited for went
 * on after it: its queries failed on the closed pool (`08003`, or "Connection
 * terminated") and its work was lost.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  /** Aborted by {@link stop}: a long run (a round of provider queries) ends early at its next step. */
  private readonly stopping = new AbortController();

  /**
   * `run` every `everyMs`; what it throws goes to `failed` (a log line), and the next
   * period runs again. A run that takes long should stop between its steps once the
   * signal it is given is aborted.
   */
  constructor(
    private readonly everyMs: number,
    private readonly run: (stopping: AbortSignal) => Promise<unknown>,
    private readonly failed: (err: unknown) => void,
  ) {}

  /** Runs the task every period from now on. A period that ends while a run is in flight passes without one. */
  start(): void {
    if (this.stopped || this.timer) return;
    this.timer = setInterval(() => this.tick(), this.everyMs);
    // The timer alone does not keep the process alive.
    this.timer.unref();
  }

  /** Stops the timer for good, tells the run in flight to stop, and waits for it to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = (async () => this.run(this.stopping.signal))()
      .then(() => undefined, this.failed)
      .finally(() => (this.running = undefined));
  }
}
