import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Cell, DatasetError, type DatasetPlugin, readCsv } from '@diffbatt/core';
import { type } from 'arktype';
import { CELL_FILE, cellFileHeader, readCellFile } from './cell-file.js';
import { readFig4Cells } from './fig4.js';

interface CloFiles {
  /** Folders holding `Qn.csv` (with `final_results.csv` beside it). */
  fig4: string[];
  /** `EL<barcode>.csv` per-cell files. */
  cells: string[];
}

/** Folders below the CLO root the files sit in (`figures/SI/ML_methods_illustration`). */
const SEARCH_DEPTH = 3;

async function findFiles(path: string): Promise<CloFiles> {
  const found: CloFiles = { fig4: [], cells: [] };
  const add = (file: string) => {
    if (basename(file) === 'Qn.csv') found.fig4.push(dirname(file));
    else if (CELL_FILE.test(basename(file))) found.cells.push(file);
  };
  if ((await stat(path)).isFile()) {
    add(path);
    return found;
  }
  const walk = async (folder: string, depth: number) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isFile()) add(full);
      else if (entry.isDirectory() && depth > 0) await walk(full, depth - 1);
    }
  };
  await walk(path, SEARCH_DEPTH);
  found.fig4.sort();
  found.cells.sort();
  return found;
}

export const cloDatasetPlugin: DatasetPlugin = {
  specificationVersion: 1,
  id: 'clo',
  description: 'CLO closed-loop fast-charging cells (Attia et al. 2020): Qn.csv + final_results.csv, EL*.csv',
  recognises:
    'a folder with Qn.csv and final_results.csv (fig4), or EL<barcode>.csv files with header Qvsn,Q(V)_100,Q(V)_10',
  async detect(path) {
    try {
      const { fig4, cells } = await findFiles(path);
      if (fig4.length > 0) return true;
      const [first] = cells;
      return first !== undefined && !(cellFileHeader((await readCsv(first)).columns) instanceof type.errors);
    } catch {
      return false;
    }
  },
  async claims(path) {
    const found = await findFiles(path).catch(() => ({ fig4: [], cells: [] }));
    return found.fig4.length + found.cells.length > 0;
  },
  async *load(path, options = {}) {
    const { fig4, cells } = await findFiles(path);
    if (fig4.length + cells.length === 0) {
      throw new DatasetError('no CLO files (Qn.csv with final_results.csv, or EL<barcode>.csv) here', {
        file: path,
      });
    }
    const reads: { file: string; read: () => Promise<Cell[]> }[] = [
      ...fig4.map((folder) => ({ file: join(folder, 'Qn.csv'), read: () => readFig4Cells(folder) })),
      ...cells.map((file) => ({ file, read: async () => [await readCellFile(file)] })),
    ];
    for (const [index, { file, read }] of reads.entries()) {
      options.signal?.throwIfAborted();
      for (const cell of await read()) yield { kind: 'cell', cell };
      options.onProgress?.({ file, done: index + 1, total: reads.length, unit: 'files' });
    }
  },
};
