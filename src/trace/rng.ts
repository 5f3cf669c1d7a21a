// Deterministic pseudo-random numbers for synthetic workloads: sfc32 (Chris Doty-Humphrey's Small
// Fast Counting generator, 128-bit state in four 32-bit words) seeded through splitmix32. Same
// seed ⇒ same stream on every platform, so synthetic runs are reproducible bit for bit.

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** One step of splitmix32 over `state`; returns [output, nextState]. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [(z ^ (z >>> 16)) >>> 0, next];
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * `seed` is a non-negative integer (values up to 2^53 are used exactly: both the low and the
   * high 32-bit halves feed the state).
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed) || seed < 0 || !Number.isInteger(seed)) {
      throw new RangeError(`rng seed must be a non-negative integer, got ${seed}`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let s = lo;
    let t = (hi ^ 0x5bd1e995) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [x, s2] = splitmix32(s);
      const [y, t2] = splitmix32(t);
      s = s2;
      t = t2;
      words.push((x ^ Math.imul(y, 0x27d4eb2f)) >>> 0);
    }
    this.a = words[0];
    this.b = words[1];
    this.c = words[2];
    this.d = 1;
    // Let the counter-based mixing spread the seed through the whole state.
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform integer in [0, n) without modulo bias; 1 ≤ n ≤ 2^32. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`rng range must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Exponentially distributed sample with the given rate (mean 1/rate); rate must be > 0. */
  exponential(rate: number): number {
    // 1 - uniform() is in (0, 1], so the logarithm is finite.
    return -Math.log(1 - this.uniform()) / rate;
  }
}
