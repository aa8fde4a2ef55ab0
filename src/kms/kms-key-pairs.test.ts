import { describe, expect, it } from 'vitest';
import { takingTurns } from './kms-key-pairs.js';

/** A piece of work that ends when told to, and says when it began. */
function gate() {
  let open = () => {};
  let began = false;
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    work: async () => {
      began = true;
      await done;
      return 'made';
    },
    open: () => open(),
    began: () => began,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('taking turns (how GenerateDataKeyPair makes key pairs)', () => {
  it('runs one at a time, lets a few wait in order, and refuses the rest at once', async () => {
    const inTurn = takingTurns(1, 2, () => new Error('throttled'));
    const [a, b, c] = [gate(), gate(), gate()];
    const answers = [inTurn(a.work), inTurn(b.work), inTurn(c.work)];
    await expect(inTurn(async () => 'late')).rejects.toThrow('throttled');
    await settle();
    expect([a.began(), b.began(), c.began()]).toEqual([true, false, false]);
    a.open();
    await settle();
    expect([b.began(), c.began()]).toEqual([true, false]);
    b.open();
    c.open();
    expect(await Promise.all(answers)).toEqual(['made', 'made', 'made']);
    // All turns given back: the next call runs at once.
    expect(await inTurn(async () => 'again')).toBe('again');
  });

  it('gives the turn on when a piece of work fails', async () => {
    const inTurn = takingTurns(1, 1, () => new Error('throttled'));
    const failing = inTurn(async () => {
      throw new Error('no pair');
    });
    const next = inTurn(async () => 'made');
    await expect(failing).rejects.toThrow('no pair');
    expect(await next).toBe('made');
    expect(await inTurn(async () => 'again')).toBe('again');
  });
});
