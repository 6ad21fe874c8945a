import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import {
  DATASET_FILE_EXTENSION,
  DatasetError,
  parseNpy,
  readDatasetFile,
  SOH_CURVE_LENGTH,
} from '@diffbatt/core';
import { formatScoreTable, scoreResultsToJson, scoreSohCurves } from '@diffbatt/eval';
import { formatMarkedScoreTable, syntheticJsonFields } from '@diffbatt/report';
import { type } from 'arktype';
import type { Command } from 'commander';
import { parseOptions } from '../options.js';
import { assertWritable, STANDARD_OUTPUT, writeOutput } from '../output.js';
import { terminal } from '../terminal.js';

const scoreOptions = type({
  reference: 'string > 0',
  generated: 'string > 0',
  'json?': 'boolean | string > 0',
  eol: type('string.numeric.parse').to('0 < number < 100'),
  arithmetic: "'float64' | 'float32'",
});

/** Curves read from one file; dataset files also name each curve's cell. */
interface CurveSet {
  file: string;
  curves: ArrayLike<number>[];
  /** Per curve, its cell id (dataset files only). */
  cellIds: string[] | null;
  /** Per curve, the reference cell it was generated for: `provenance.sourceCellId`, else its cell id. */
  sourceCellIds: string[] | null;
  /** Per curve, whether a model generated it (dataset files only; .npy files carry no flag). */
  synthetic: boolean[] | null;
}

async function readCurveSet(file: string): Promise<CurveSet> {
  const extension = extname(file).toLowerCase();
  if (extension === DATASET_FILE_EXTENSION) {
    const { samples } = await readDatasetFile(file);
    if (samples.length === 0) throw new DatasetError('the dataset file holds no samples', { file });
    return {
      file,
      curves: samples.map((sample) => sample.sohCurve),
      cellIds: samples.map((sample) => sample.cellId),
      sourceCellIds: samples.map(({ cellId, provenance }) => {
        const source = provenance?.['sourceCellId'];
        return typeof source === 'string' ? source : cellId;
      }),
      synthetic: samples.map((sample) => sample.synthetic),
    };
  }
  if (extension === '.npy') {
    return { file, curves: readNpyCurves(file), cellIds: null, sourceCellIds: null, synthetic: null };
  }
  throw new DatasetError(
    `unsupported file type: expected a NumPy .npy array or a DiffBatt dataset file (${DATASET_FILE_EXTENSION})`,
    { file },
  );
}

/** Encoded SOH curves (`2 * SOH - 1`, 256 points each) from a NumPy `[N, 256]` or `[N, 256, 1]` array. */
function readNpyCurves(file: string): ArrayLike<number>[] {
  let bytes: Uint8Array;
  try {
    // A copy: parseNpy needs the bytes at the start of their own buffer.
    bytes = new Uint8Array(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`, { file });
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

/**
 * Each reference cell's generated curves. By cell id when both files are dataset files and every generated
 * curve names a reference cell; otherwise by position: N curves, or k * N with each cell's k samples
 * together (the order of `np.repeat`).
 */
function groupByCell(reference: CurveSet, generated: CurveSet): ArrayLike<number>[][] {
  const cells = reference.curves.length;
  const cellOf = new Map(reference.cellIds?.map((id, cell) => [id, cell]));
  if (generated.sourceCellIds && cellOf.size === cells) {
    const unmatched = generated.sourceCellIds.findIndex((id) => !cellOf.has(id));
    if (unmatched < 0) {
      const groups = reference.curves.map((): ArrayLike<number>[] => []);
      generated.sourceCellIds.forEach((id, index) => {
        groups[cellOf.get(id)!]!.push(generated.curves[index]!);
      });
      const empty = groups.findIndex((group) => group.length === 0);
      if (empty >= 0) {
        throw new DatasetError(`no generated curve for reference cell ${reference.cellIds![empty]}`, {
          file: generated.file,
        });
      }
      return groups;
    }
    if (generated.sourceCellIds.some((id) => cellOf.has(id))) {
      throw new DatasetError(
        `sample ${unmatched + 1} (${generated.sourceCellIds[unmatched]}) matches no reference cell while others do`,
        { file: generated.file },
      );
    }
  }
  const samples = generated.curves.length / cells;
  if (!Number.isInteger(samples)) {
    throw new DatasetError(
      `${generated.curves.length} generated curves do not match ${cells} reference cells: give N curves, or k * N with each cell's k samples together`,
      { file: generated.file },
    );
  }
  return Array.from({ length: cells }, (_, cell) =>
    generated.curves.slice(cell * samples, (cell + 1) * samples),
  );
}

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('score generated SOH curves against reference curves (DiffBatt protocol and beyond)')
    .requiredOption(
      '--reference <file>',
      'measured curves: .npy [N,256] or [N,256,1] (values 2*SOH-1), or a .dbds dataset file',
    )
    .requiredOption(
      '--generated <file>',
      'generated curves: N, or k*N with the k samples of each cell together; .dbds files pair by cell id',
    )
    .option('--eol <soh>', 'end-of-life SOH in percent', '80')
    .option(
      '--arithmetic <kind>',
      'float64 (reproduces the reference numbers) or float32 (TensorFlow kernel)',
      'float64',
    )
    .option('--json [file]', 'write the results as JSON to a file, or to standard output (alone or -)')
    .action(async (raw: unknown) => {
      const options = parseOptions(scoreOptions, raw);
      if (typeof options.json === 'string') await assertWritable(options.json, '--json');
      const reference = await readCurveSet(options.reference);
      const generated = await readCurveSet(options.generated);
      const results = scoreSohCurves(
        {
          reference: reference.curves,
          generated: groupByCell(reference, generated),
          ...(reference.cellIds ? { cellIds: reference.cellIds } : {}),
        },
        { eolSoh: options.eol, arithmetic: options.arithmetic },
      );
      // Synthetic reference cells would make these scores synthetic-vs-synthetic: mark them wherever the
      // file says so (.npy files carry no flag).
      const synthetic = reference.synthetic;
      if (options.json !== undefined) {
        const json =
          synthetic === null
            ? scoreResultsToJson(results)
            : JSON.stringify(
                { ...JSON.parse(scoreResultsToJson(results)), ...syntheticJsonFields(synthetic) },
                null,
                2,
              );
        await writeOutput(
          typeof options.json === 'string' ? options.json : STANDARD_OUTPUT,
          `${json}\n`,
          'scores',
        );
      } else {
        terminal.out(
          synthetic === null ? formatScoreTable(results) : formatMarkedScoreTable(results, synthetic),
        );
      }
    });
}
