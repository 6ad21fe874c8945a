import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { DatasetError, parseNpy, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { formatScoreTable, scoreResultsToJson, scoreSohCurves } from '@diffbatt/eval';
import { type } from 'arktype';
import type { Command } from 'commander';
import { parseOptions } from '../options.js';
import { terminal } from '../terminal.js';

const scoreOptions = type({
  reference: 'string > 0',
  generated: 'string > 0',
  'json?': 'boolean',
  eol: type('string.numeric.parse').to('0 < number < 100'),
  arithmetic: "'float64' | 'float32'",
});

/** Encoded SOH curves (`2 * SOH - 1`, 256 points each) from a NumPy `[N, 256]` or `[N, 256, 1]` array. */
function readCurves(file: string): ArrayLike<number>[] {
  if (extname(file).toLowerCase() !== '.npy') {
    throw new DatasetError('unsupported file type: expected a NumPy .npy array of SOH curves', { file });
  }
  let bytes: Uint8Array;
  try {
    // A copy: parseNpy needs the bytes at the start of their own buffer.
    bytes = new Uint8Array(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(
      code === 'ENOENT' ? 'file not found' : `cannot read: ${(error as Error).message}`,
      {
        file,
      },
    );
  }
  const array = parseNpy(bytes, file);
  const [cells, length, channels = 1, ...rest] = array.shape;
  if (cells === undefined || cells < 1 || length !== SOH_CURVE_LENGTH || channels !== 1 || rest.length > 0) {
    throw new DatasetError(
      `expected an array of shape [N, ${SOH_CURVE_LENGTH}] or [N, ${SOH_CURVE_LENGTH}, 1] with N >= 1, got [${array.shape.join(', ')}]`,
      { file },
    );
  }
  if (array.dtype !== 'float32' && array.dtype !== 'float64') {
    throw new DatasetError(`expected float32 or float64 curves, got ${array.dtype}`, { file });
  }
  const bad = array.data.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    throw new DatasetError(
      `non-finite value ${array.data[bad]} in curve ${Math.floor(bad / length) + 1}, point ${(bad % length) + 1}`,
      { file },
    );
  }
  return Array.from({ length: cells }, (_, cell) => array.data.subarray(cell * length, (cell + 1) * length));
}

/** Groups N * k generated curves into k samples per reference cell, cell by cell (as `np.repeat`). */
function samplesPerCell(generated: ArrayLike<number>[], cells: number, file: string): ArrayLike<number>[][] {
  const samples = generated.length / cells;
  if (!Number.isInteger(samples)) {
    throw new DatasetError(
      `${generated.length} generated curves do not match ${cells} reference cells: give N curves, or k * N with each cell's k samples together`,
      { file },
    );
  }
  return Array.from({ length: cells }, (_, cell) => generated.slice(cell * samples, (cell + 1) * samples));
}

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('score generated SOH curves against reference curves (DiffBatt protocol and beyond)')
    .requiredOption('--reference <file>', 'measured curves: .npy [N,256] or [N,256,1], values 2*SOH-1')
    .requiredOption(
      '--generated <file>',
      'generated curves: N, or k*N with the k samples of each cell together',
    )
    .option('--eol <soh>', 'end-of-life SOH in percent', '80')
    .option(
      '--arithmetic <kind>',
      'float64 (reproduces the reference numbers) or float32 (TensorFlow kernel)',
      'float64',
    )
    .option('--json', 'print the results as JSON')
    .action((raw: unknown) => {
      const options = parseOptions(scoreOptions, raw);
      const reference = readCurves(options.reference);
      const generated = samplesPerCell(readCurves(options.generated), reference.length, options.generated);
      const results = scoreSohCurves(
        { reference, generated },
        { eolSoh: options.eol, arithmetic: options.arithmetic },
      );
      terminal.out(options.json ? scoreResultsToJson(results) : formatScoreTable(results));
    });
}
