import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Cell, DatasetError, type DatasetPlugin } from '@diffbatt/core';
import { type MatFile, readMatFile, sniffMatFile } from '@diffbatt/matfile';
import { nasaCellFromFile } from './battery.js';
import { capacitySeriesCell, capacitySeriesVariable } from './capacity-series.js';

/** NASA's own files (B0005.mat ... B0056.mat) and derived capacity files named like Battery5.mat. */
const NASA_FILE_NAME = /^(B\d{4}|Battery\d+)\.mat$/i;

/**
 * The NASA .mat files at `path`: those named like NASA's directly inside a folder, sorted by name, or the
 * file itself (when loading, a file of any name: the user chose this plugin for it).
 */
async function nasaFiles(path: string, anyFileName = false): Promise<string[]> {
  const info = await stat(path);
  if (info.isFile()) return anyFileName || NASA_FILE_NAME.test(basename(path)) ? [path] : [];
  const names = await readdir(path);
  return names
    .filter((name) => NASA_FILE_NAME.test(name))
    .sort()
    .map((name) => join(path, name));
}

function cellFromFile(file: MatFile, fileName: string): Cell {
  const hasBattery = [...file.variables.values()].some(
    (value) => value.kind === 'struct' && value.fieldNames.includes('cycle'),
  );
  return !hasBattery && capacitySeriesVariable(file)
    ? capacitySeriesCell(file, fileName)
    : nasaCellFromFile(file, fileName);
}

export const nasaDatasetPlugin: DatasetPlugin = {
  specificationVersion: 1,
  id: 'nasa',
  description: 'NASA PCoE Li-ion battery ageing data (MATLAB .mat files B0005 ... B0056)',
  recognises:
    'a NASA PCoE .mat file such as B0025.mat (struct B0025.cycle of charge/discharge/impedance records), ' +
    'a derived capacity file such as Battery5.mat (C5), or a folder holding them',
  async detect(path) {
    try {
      const files = await nasaFiles(path);
      for (const file of files) {
        // A v7.3 file is claimed too, so that loading it explains what to do instead.
        if ((await sniffMatFile(file)) !== 'other') return true;
      }
      return false;
    } catch {
      return false;
    }
  },
  async claims(path) {
    return (await nasaFiles(path).catch(() => [])).length > 0;
  },
  async *load(path, options = {}) {
    const files = await nasaFiles(path, true).catch((error: NodeJS.ErrnoException) => {
      throw new DatasetError(`cannot read: ${error.message}`, { file: path });
    });
    if (files.length === 0) {
      throw new DatasetError('no NASA .mat files here (names like B0025.mat or Battery5.mat)', {
        file: path,
      });
    }
    for (const [index, fileName] of files.entries()) {
      options.signal?.throwIfAborted();
      options.onProgress?.({ file: fileName, done: index, total: files.length, unit: 'files' });
      const file = await readMatFile(fileName, {
        onProgress: (done, total) => options.onProgress?.({ file: fileName, done, total, unit: 'bytes' }),
      });
      yield { kind: 'cell', cell: cellFromFile(file, fileName) };
    }
    options.onProgress?.({ file: path, done: files.length, total: files.length, unit: 'files' });
  },
};
