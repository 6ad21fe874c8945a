/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32). Every package draws from one of
 * these instead of Math.random, so runs are reproducible and a checkpoint can store the exact state.
 */
export interface RandomState {
  readonly algorithm: 'xoshiro128**';
  readonly words: readonly [number, number, number, number];
  /** A second normal deviate left over from the last Box-Muller pair, if any. */
  readonly spareNormal: number | null;
}

export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    let x = Math.trunc(seed) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  static fromState(state: RandomState): SeededRandom {
    const random = new SeededRandom(0);
    random.setState(state);
    return random;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits of resolution. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Standard normal deviate (Box-Muller, both values of each pair used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Integer uniform in [0, n). */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`integer(n) needs a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** A new 32-bit seed for a derived stream (e.g. one per sampling call). */
  seed(): number {
    return this.nextUint32();
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const copy = items.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }

  getState(): RandomState {
    return {
      algorithm: 'xoshiro128**',
      words: [this.s0, this.s1, this.s2, this.s3],
      spareNormal: this.spareNormal,
    };
  }

  setState(state: RandomState): void {
    if (state.algorithm !== 'xoshiro128**' || state.words.length !== 4) {
      throw new RangeError('random state is not a xoshiro128** state');
    }
    [this.s0, this.s1, this.s2, this.s3] = state.words.map((w) => w >>> 0) as [
      number,
      number,
      number,
      number,
    ];
    this.spareNormal = state.spareNormal;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
