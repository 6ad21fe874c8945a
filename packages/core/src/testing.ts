import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cell } from './cell.js';
import type { DatasetPlugin, LoadOptions } from './plugin.js';
import { SeededRandom } from './random.js';
import type { ModelSample } from './sample.js';

/**
 * Test support (subpath `@diffbatt/core/testing`): where the reference data lives. Integration tests read
 * `../shared` beside the repository (CI has it; a user's clone may not), or `DIFFBATT_SHARED`.
 */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function sharedDir(): string {
  return process.env['DIFFBATT_SHARED'] ?? join(repositoryRoot, '..', 'shared');
}

/** Absolute path of a file under ../shared; throws a clear error when the integration data is missing. */
export function sharedPath(...parts: string[]): string {
  const path = join(sharedDir(), ...parts);
  if (!existsSync(path)) {
    throw new Error(`integration data missing: ${path} (set DIFFBATT_SHARED to the shared/ folder)`);
  }
  return path;
}

/** A temporary directory for tests that write small input files. */
export interface ScratchDirectory {
  readonly path: string;
  /** Writes `content` to `relative` (creating parent folders) and returns the absolute path. */
  write(relative: string, content: string | Uint8Array): Promise<string>;
  remove(): Promise<void>;
}

export async function createScratchDirectory(prefix: string): Promise<ScratchDirectory> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return {
    path,
    async write(relative, content) {
      const file = join(path, relative);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** Concatenates byte arrays (for tests that build binary files). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

/** A protobuf base-128 varint (int64 semantics for negative values). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Uint8Array.from(bytes);
}

/** A little-endian uint32. */
export const uint32LE = (value: number) => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
};

/** Protobuf field encoders, for tests that build SYNTHETIC TensorFlow files byte by byte. */
export const pb = {
  varint: (field: number, value: number | bigint) =>
    concatBytes(encodeVarint(field * 8), encodeVarint(value)),
  bytes: (field: number, value: Uint8Array | string) => {
    const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    return concatBytes(encodeVarint(field * 8 + 2), encodeVarint(bytes.length), bytes);
  },
  message: (field: number, ...parts: Uint8Array[]) => pb.bytes(field, concatBytes(...parts)),
  fixed32: (field: number, value: number) => concatBytes(encodeVarint(field * 8 + 5), uint32LE(value)),
};

/** Every cell a dataset plugin yields for `path` (samples are skipped), for plugin tests. */
export async function collectCells(
  plugin: DatasetPlugin,
  path: string,
  options: LoadOptions = {},
): Promise<Cell[]> {
  const cells: Cell[] = [];
  for await (const record of plugin.load(path, options)) {
    if (record.kind === 'cell') cells.push(record.cell);
  }
  return cells;
}

/** What loading `path` with `plugin` throws; undefined when it loads (for bad-input tests). */
export async function loadFailure(plugin: DatasetPlugin, path: string): Promise<unknown> {
  try {
    await collectCells(plugin, path);
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * SYNTHETIC cells for tests (no real data is needed or implied): smooth, monotonically fading SOH
 * curves with a random knee, and small random capacity matrices.
 */
export function syntheticSamples(count: number, seed: number, rows: 20 | 100 = 20): ModelSample[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, cell) => {
    const life = 60 + Math.floor(random.uniform() * 150); // points until end of life
    const sohCurve = new Float32Array(256).fill(-1);
    for (let i = 0; i < Math.min(life, 256); i++) {
      const soh = 1 - 0.2 * (i / life) ** 2;
      sohCurve[i] = 2 * soh - 1;
    }
    const capacityMatrix = Float32Array.from({ length: rows * 100 }, () => 0.01 * random.normal());
    return {
      cellId: `synthetic-${cell + 1}`,
      source: 'synthetic-test',
      sohCurve,
      capacityMatrix,
      capacityMatrixRows: rows,
      synthetic: true,
    };
  });
}

export {
  type BadInputCase,
  type BadInputFormat,
  badInputCases,
  type WrittenBadInput,
  writeBadInput,
} from './testing/bad-input-corpus.js';
