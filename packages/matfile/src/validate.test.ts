import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { encodeMatFile, matChar, matDouble, matStruct } from './encode.js';
import { parseMatFile, sniffMatFile } from './reader.js';
import type { MatValue } from './types.js';
import { readVariable } from './validate.js';

const schema = type({ cycle: type({ type: 'string', Capacity: 'number' }).array() });

/** A synthetic two-cycle battery struct; the second cycle's capacity is replaced by `capacity`. */
function battery(capacity: MatValue = matDouble(1.7)) {
  return parseMatFile(
    encodeMatFile({
      B0099: matStruct({
        cycle: matStruct([
          { type: matChar('discharge'), Capacity: matDouble(1.8) },
          { type: matChar('discharge'), Capacity: capacity },
        ]),
      }),
    }),
  );
}

describe('readVariable', () => {
  it('returns the checked plain value', () => {
    expect(
      readVariable(battery(), 'B0099.mat', 'B0099', schema).cycle.map((cycle) => cycle.Capacity),
    ).toEqual([1.8, 1.7]);
  });

  it('names file, variable and the path inside it when a field has the wrong type or is NaN', () => {
    expect(() => readVariable(battery(matChar('n/a')), 'B0099.mat', 'B0099', schema)).toThrow(
      'B0099.mat, field "B0099": unexpected structure: cycle[1].Capacity must be a number (was a string)',
    );
    expect(() => readVariable(battery(matDouble(Number.NaN)), 'B0099.mat', 'B0099', schema)).toThrow(
      'cycle[1].Capacity must be a number (was NaN)',
    );
  });

  it('lists the variables present when the one asked for is missing', () => {
    expect(() => readVariable(battery(), 'B0099.mat', 'B0005', schema)).toThrow(
      'B0099.mat, field "B0005": has no variable "B0005" (variables: B0099)',
    );
  });
});

describe('sniffMatFile', () => {
  it('tells level-5 files from v7.3, other files and missing paths', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'matfile-sniff-'));
    const level5 = join(directory, 'a.mat');
    const v73 = join(directory, 'b.mat');
    const text = join(directory, 'c.mat');
    await writeFile(level5, encodeMatFile({ x: matDouble(1) }));
    const hdf5 = new Uint8Array(600);
    hdf5.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
    await writeFile(v73, hdf5);
    await writeFile(text, 'not a mat file');
    expect(await sniffMatFile(level5)).toBe('level-5');
    expect(await sniffMatFile(v73)).toBe('v7.3');
    expect(await sniffMatFile(text)).toBe('other');
    expect(await sniffMatFile(join(directory, 'missing.mat'))).toBe('other');
  });
});
