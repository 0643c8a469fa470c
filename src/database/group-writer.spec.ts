import { GroupWriter } from './group-writer.js';

/** A write the test finishes by hand, to hold a group in flight. */
function heldWrites() {
  const groups: number[][] = [];
  const finish: Array<(err?: Error) => void> = [];
  const writer = new GroupWriter<number>(
    (items) =>
      new Promise<void>((resolve, reject) => {
        groups.push(items);
        finish.push((err) => (err ? reject(err) : resolve()));
      }),
    3,
  );
  return { writer, groups, finish };
}

const settled = (p: Promise<void>) => p.then(() => 'ok', (err: Error) => err.message);

describe('GroupWriter', () => {
  it('writes at once when idle, and groups what comes while a write is in flight', async () => {
    const { writer, groups, finish } = heldWrites();
    const first = writer.write(1);
    expect(groups).toEqual([[1]]);
    const rest = [writer.write(2), writer.write(3), writer.write(4), writer.write(5)];
    expect(groups).toEqual([[1]]);
    finish[0]();
    await first;
    await new Promise(setImmediate);
    // At most three a group, in arrival order.
    expect(groups).toEqual([[1], [2, 3, 4]]);
    finish[1]();
    await new Promise(setImmediate);
    expect(groups).toEqual([[1], [2, 3, 4], [5]]);
    finish[2]();
    expect(await Promise.all(rest.map(settled))).toEqual(['ok', 'ok', 'ok', 'ok']);
    // Idle again: the next write goes alone, at once.
    void writer.write(6);
    expect(groups[3]).toEqual([6]);
  });

  it("fails a group's writes with its error, and only those", async () => {
    const { writer, finish } = heldWrites();
    const first = settled(writer.write(1));
    const second = [settled(writer.write(2)), settled(writer.write(3))];
    finish[0](new Error('connection lost'));
    expect(await first).toBe('connection lost');
    await new Promise(setImmediate);
    finish[1]();
    expect(await Promise.all(second)).toEqual(['ok', 'ok']);
  });

  it('tries a failed group\'s writes again one by one: one write the database refuses fails only itself', async () => {
    const groups: number[][] = [];
    let hold!: () => void;
    const held = new Promise<void>((resolve) => (hold = resolve));
    const writer = new GroupWriter<number>(async (items) => {
      groups.push(items);
      if (items[0] === 1) await held;
      if (items.includes(3)) throw new Error('cannot store 3');
    });
    const first = settled(writer.write(1));
    const rest = [2, 3, 4].map((n) => settled(writer.write(n)));
    hold();
    expect(await first).toBe('ok');
    expect(await Promise.all(rest)).toEqual(['ok', 'cannot store 3', 'ok']);
    expect(groups).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });
});
