import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type Cell,
  type CsvTable,
  type Cycle,
  DatasetError,
  type LoadOptions,
  readCsv,
} from '@diffbatt/core';
import { matrCell, parseChargePolicy } from './matr-cell.js';

/** Severson's Qdlin grid: 1000 voltages from 3.6 V down to 2.0 V (not stored in the files). */
export const QDLIN_POINTS = 1000;
export const QDLIN_VOLTAGES = Float64Array.from(
  { length: QDLIN_POINTS },
  (_, i) => 3.6 - (1.6 * i) / (QDLIN_POINTS - 1),
);
/** Column j of a Qdlin file is cycle j + 2 (cycle 1 is excluded). */
const FIRST_QDLIN_CYCLE = 2;
const QDLIN_CYCLES = 99;

const SPLIT_DATASET: Record<string, string> = { train: 'Train', test1: 'Prim. Test', test2: 'Sec. test' };
const TABLE9 = 'severson_et_al_SI_table9.csv';

/** Whether `path` is a Severson split directory (holds cellN.csv files). */
export async function isSeversonSplit(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).some((name) => /^cell\d+\.csv$/.test(name));
  } catch {
    return false;
  }
}

/** The cellN.csv files of a split directory, in N order. */
async function cellFiles(directory: string): Promise<{ file: string; index: number }[]> {
  return (await readdir(directory))
    .map((name) => ({ name, match: /^cell(\d+)\.csv$/.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ name, match }) => ({ file: join(directory, name), index: Number(match[1]) }))
    .sort((a, b) => a.index - b.index);
}

/** Whether `path` exists (file or folder). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** `<split>_cycle_lives.csv`: one positive integer per line, line N = cellN. */
async function readCycleLives(file: string): Promise<number[]> {
  const table = await readCsv(file, { header: 'none' });
  if (table.columns.length !== 1) {
    throw new DatasetError(`expected one cycle life per line, found ${table.columns.length} columns`, {
      file,
      line: 1,
    });
  }
  const lives = Array.from(table.numberColumn(0));
  lives.forEach((life, row) => {
    if (!Number.isInteger(life) || life <= 0) {
      throw new DatasetError(`cycle life ${life} is not a positive integer`, {
        file,
        line: table.lineOf(row),
      });
    }
  });
  return lives;
}

interface Table9Row {
  barcode: string;
  batchDate: string;
  cycleLife: number;
  policy: string;
  line: number;
}

/** Rows of SI table 9 for one split, in file order (which is the cellN order). */
async function readTable9(file: string, split: string): Promise<Table9Row[]> {
  const table = await readCsv(file, {
    requiredColumns: ['Cell barcode', 'Dataset', 'Batch date', 'Cycle life', 'Charging policy'],
  });
  const rows: Table9Row[] = [];
  for (let row = 0; row < table.rowCount; row++) {
    if (table.text(row, 'Dataset') !== SPLIT_DATASET[split]) continue;
    rows.push({
      barcode: table.text(row, 'Cell barcode').trim(),
      batchDate: table.text(row, 'Batch date').trim(),
      cycleLife: table.number(row, 'Cycle life'),
      policy: table.text(row, 'Charging policy').trim(),
      line: table.lineOf(row),
    });
  }
  return rows;
}

/** Checks a Qdlin table is 1000 x 99 and turns its columns into cycles 2..100. */
function qdlinCycles(table: CsvTable): Cycle[] {
  const { values, rows, columns } = table.numberMatrix();
  if (rows !== QDLIN_POINTS || columns !== QDLIN_CYCLES) {
    throw new DatasetError(
      `Qdlin table is ${rows} x ${columns}, expected ${QDLIN_POINTS} x ${QDLIN_CYCLES} (voltage points x cycles 2..100)` +
        (rows < QDLIN_POINTS ? ' (truncated file?)' : ''),
      { file: table.file },
    );
  }
  const voltageInV = Array.from(QDLIN_VOLTAGES);
  return Array.from({ length: columns }, (_, column) => {
    const capacity = Array.from({ length: rows }, (_, row) => values[row * columns + column]!);
    return {
      cycleNumber: column + FIRST_QDLIN_CYCLE,
      // Capacity discharged down to 2.0 V: the last grid point.
      dischargeCapacityInAh: capacity[rows - 1]!,
      dischargeCurve: { voltageInV, dischargeCapacityInAh: capacity },
    };
  });
}

/**
 * Reads a Severson split directory (`data/test1` with cell1.csv..): each cell's Qdlin (cycles 2..100),
 * its published cycle life from `../cycle_lives/<split>_cycle_lives.csv` and, when present (next to
 * `data/` or above it), its barcode, batch and charging policy from SI table 9. Lives in both files must
 * agree. Cells have no full-life capacity, so their life is the published one.
 */
export async function* readSeversonSplit(directory: string, options: LoadOptions = {}): AsyncGenerator<Cell> {
  const split = basename(directory);
  const files = await cellFiles(directory);
  const livesFile = join(dirname(directory), 'cycle_lives', `${split}_cycle_lives.csv`);
  if (!(await exists(livesFile))) {
    throw new DatasetError(`missing cycle lives for split "${split}" (expected beside the split directory)`, {
      file: livesFile,
    });
  }
  const lives = await readCycleLives(livesFile);
  const table9File = [join(dirname(directory), TABLE9), join(dirname(dirname(directory)), TABLE9)];
  const table9Path = (await exists(table9File[0]!))
    ? table9File[0]!
    : (await exists(table9File[1]!))
      ? table9File[1]!
      : null;
  const table9 = table9Path && SPLIT_DATASET[split] ? await readTable9(table9Path, split) : [];
  for (const [done, { file, index }] of files.entries()) {
    options.signal?.throwIfAborted();
    const life = lives[index - 1];
    if (life === undefined) {
      throw new DatasetError(`no cycle life for cell${index} (the file has ${lives.length} lines)`, {
        file: livesFile,
      });
    }
    const info = table9[index - 1];
    if (info && info.cycleLife !== life) {
      throw new DatasetError(
        `cycle life ${info.cycleLife} of ${info.barcode} disagrees with ${life} on line ${index} of ${livesFile}`,
        { file: table9Path!, line: info.line },
      );
    }
    const cycles = qdlinCycles(await readCsv(file, { header: 'none' }));
    const chargeProtocol = info ? parseChargePolicy(info.policy) : undefined;
    yield matrCell({
      cellId: info?.barcode ?? `${split}-cell${index}`,
      description:
        `Severson ${split}/cell${index}` +
        (info ? `, batch ${info.batchDate}, charging policy ${info.policy}` : '') +
        ' (Qdlin of cycles 2..100 only)',
      publishedCycleLife: life,
      ...(chargeProtocol ? { chargeProtocol } : {}),
      cycles,
    });
    options.onProgress?.({ file, done: done + 1, total: files.length, unit: 'cells' });
  }
}
