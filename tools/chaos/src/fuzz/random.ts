/**
 * A seeded pseudo-random source (sfc32, seeded through splitmix32), so that a fuzz
 * run is reproduced by its seed: the same seed draws the same requests.
 */
export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, max). */
  int(max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Uint8Array;
  /** An unsigned 64-bit integer, uniformly drawn. */
  uint64(): bigint;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const splitmix = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let warm = 0; warm < 12; warm++) next32();
  const random: Random = {
    seed,
    next: () => next32() / 2 ** 32,
    int: (max) => Math.floor(random.next() * max),
    chance: (p) => random.next() < p,
    pick: (items) => items[random.int(items.length)]!,
    bytes(length) {
      const out = new Uint8Array(length);
      for (let index = 0; index < length; index++) out[index] = next32() & 0xff;
      return out;
    },
    uint64: () => (BigInt(next32()) << 32n) | BigInt(next32()),
  };
  return random;
}

/** The seed of a run: `ANNALS_FUZZ_SEED` when set (to reproduce a run), else a fresh one. */
export function fuzzSeed(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const given = env["ANNALS_FUZZ_SEED"];
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`ANNALS_FUZZ_SEED must be an integer in 0..2^32-1, not "${given}"`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 32);
}
