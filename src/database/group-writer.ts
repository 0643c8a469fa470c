/**
 * Group commit for a write many requests make alike (one row each): a write
 * goes to the database at once when none is in flight, and the writes that
 * arrive while one is in flight go together in the next, as one statement and
 * one commit. An idle service therefore waits for nothing extra, and a busy one
 * makes one round trip for many requests instead of one each (on the embedded
 * database, whose one backend serves one statement at a time, that is what
 * bounds the sends per second).
 *
 * Each caller's promise settles with its own write: resolved when it committed,
 * rejected with its error (a failed group's writes are tried again one by one, so
 * one write's error is its own). At most `maxGroup` writes go in one statement.
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
        if (group.length === 1) group[0].reject(err);
        else await this.eachAlone(group);
      }
    }
    this.writing = false;
  }

  /**
   * A failed group's writes, each in a statement of its own: one the database
   * refuses (a value it cannot store) failed every other write of its group, other
   * tenants' sends among them. A database that is gone fails each at once.
   */
  private async eachAlone(group: Array<{ item: T; resolve(): void; reject(err: unknown): void }>): Promise<void> {
    for (const w of group) {
      try {
        await this.writeGroup([w.item]);
        w.resolve();
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
