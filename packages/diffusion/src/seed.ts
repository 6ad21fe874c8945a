/**
 * Explicit, stateless seeding. Every random draw in this package is keyed by a caller's seed plus a path
 * (e.g. the step index), so a run is reproducible, steps are independent of each other, and resuming at
 * step k needs nothing but the seed.
 */

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function mix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeed(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
}

/**
 * A 32-bit seed derived from `seed` and a path of integers, e.g. `deriveSeed(runSeed, epoch)` or
 * `deriveSeed(seed, step)`. Different paths give unrelated seeds; the same path always the same seed.
 */
export function deriveSeed(seed: number, ...path: number[]): number {
  checkSeed('seed', seed);
  // Both 32-bit halves of the seed count, so seeds that differ only above bit 31 still differ.
  let h = mix32(mix32(seed >>> 0) ^ Math.floor(seed / 2 ** 32));
  for (const part of path) {
    checkSeed('seed path element', part);
    h = mix32((h + 0x9e3779b9 + mix32((part >>> 0) ^ mix32(Math.floor(part / 2 ** 32)))) >>> 0);
  }
  return h;
}

/** Uniform numbers in [0, 1) from a 32-bit seed (mulberry32: small, fast, enough for index draws). */
export function uniformSource(seed: number): () => number {
  let state = deriveSeed(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normal noise drawn row by row: row i of the result (shape `[rows.length, ...rowShape]`) comes
 * from `deriveSeed(rowSeeds[i], ...path)` alone (Box-Muller over `uniformSource`), so a row's noise does not
 * depend on which other rows share its batch.
 */
export function rowNormals(rowSeeds: readonly number[], rowSize: number, ...path: number[]): Float32Array {
  const out = new Float32Array(rowSeeds.length * rowSize);
  for (const [row, rowSeed] of rowSeeds.entries()) {
    const uniform = uniformSource(deriveSeed(rowSeed, ...path));
    for (let i = 0; i < rowSize; i += 2) {
      // 1 - u lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
      const angle = 2 * Math.PI * uniform();
      out[row * rowSize + i] = radius * Math.cos(angle);
      if (i + 1 < rowSize) out[row * rowSize + i + 1] = radius * Math.sin(angle);
    }
  }
  return out;
}
