/**
 * Seeded randomness for the synthetic generators: the same seed gives byte-identical files on every machine,
 * so a benchmark or a demo can be reproduced and a test can compare two runs.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  chance(p: number): boolean;
}

/** sfc32 seeded through splitmix32: fast in plain JS (32-bit integer ops only) and good enough for test data. */
export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs of a freshly seeded sfc32 are correlated with the seed; the reference discards them.
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
  };
}

/** A lookup table of values with relative weights, as counted in the real samples. */
export type Weighted<T = string> = ReadonlyArray<readonly [T, number]>;

/** Picks values in proportion to their weights in O(1) (Vose's alias method), from one uniform draw. */
export interface Picker<T> {
  pick(random: Random): T;
  readonly values: readonly T[];
}

export function createPicker<T>(table: Weighted<T>): Picker<T> {
  const n = table.length;
  if (n === 0) throw new Error('a weighted table needs at least one entry');
  const values = table.map(([value]) => value);
  const total = table.reduce((sum, [, weight]) => sum + weight, 0);
  const scaled = table.map(([, weight]) => (weight * n) / total);
  const probability = new Float64Array(n).fill(1);
  const alias = new Uint32Array(n).map((_, i) => i);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => {
    (p < 1 ? small : large).push(i);
  });
  while (small.length > 0 && large.length > 0) {
    const less = small.pop() as number;
    const more = large.pop() as number;
    probability[less] = scaled[less] as number;
    alias[less] = more;
    scaled[more] = (scaled[more] as number) + (scaled[less] as number) - 1;
    if ((scaled[more] as number) < 1) small.push(more);
    else large.push(more);
  }
  return {
    values,
    pick(random) {
      const x = random.next() * n;
      const i = Math.floor(x);
      const chosen = x - i < (probability[i] as number) ? i : (alias[i] as number);
      return values[chosen] as T;
    },
  };
}
