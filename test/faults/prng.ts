import { createHash } from 'node:crypto';

/** A seeded pseudo-random source (sfc32): the same seed gives the same choices, so a failure can be replayed. */
export interface Prng {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `size` bytes of noise. */
  bytes(size: number): Buffer;
}

/** A 32-bit seed from KILL_SEED, or a fresh one. */
export function seedFrom(env: string | undefined): number {
  if (env !== undefined && env !== '') {
    const seed = Number(env);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new Error(`KILL_SEED must be an integer in [0, 2^32): ${env}`);
    return seed;
  }
  return Math.floor(Math.random() * 0x100000000);
}

/** A generator of its own for each (seed, ...labels): one loop's choices do not depend on another's pace. */
export function prng(seed: number, ...labels: (string | number)[]): Prng {
  const digest = createHash('sha256')
    .update(JSON.stringify([seed, ...labels]))
    .digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const word = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) word();
  const next = () => word() / 0x100000000;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
    bytes(size) {
      const out = Buffer.alloc(size);
      let i = 0;
      for (; i + 4 <= size; i += 4) out.writeUInt32LE(word(), i);
      for (; i < size; i++) out[i] = word() & 0xff;
      return out;
    },
  };
}
