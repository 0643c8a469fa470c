/**
 * Group commit for a write many requests make alike (one row each): a write
 * goes to the database at once when none is in flight, and the writes that
 * arrive while one is in flight go together in the next, as one statement and
 * one commit. An idle service therefore waits for nothing extra, and a busy one
 * makes one round trip for many requests instead of one each (on the embedded
 * database, whose one connection is held for every round trip, that is what
 * bounds the sends per second).
 *
 * Each caller's promise settles with its own group's statement: resolved when it
 * committed, rejected with its error. At most `maxGroup` writes go in one statement.
 */
export class GroupWriter<T> {
  private queue: Array<{ item: T; resolve(): void; reject(err: unknown): void }> = [];
  private writing = false;

  constructor(
    private readonly writeGroup: (items: T[]) => Promise<void>,
    private readonly maxGroup = 200,
  ) {}

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length) {
      const group = this.queue.splice(0, this.maxGroup);
      try {
        await this.writeGroup(group.map((w) => w.item));
        for (const w of group) w.resolve();
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    this.writing = false;
  }
}
