import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type Cell,
  type Cycle,
  type CycleTimeSeries,
  DatasetError,
  type DatasetPlugin,
} from '@diffbatt/core';
import { readCycleData, readTimeseries, seriesCapacity } from './cells.js';

/** `SNL_18650_LFP_25C_0-100_0.5-1C_a_cycle_data.csv` -> cell `SNL_18650_LFP_25C_0-100_0.5-1C_a`. */
const ARCHIVE_FILE = /^(.+)_(cycle_data|timeseries)\.csv$/;

interface CellFiles {
  cycleData?: string;
  timeseries?: string;
}

async function cellFiles(path: string): Promise<Map<string, CellFiles>> {
  const byCell = new Map<string, CellFiles>();
  const info = await stat(path);
  const files = info.isFile() ? [path] : (await readdir(path)).map((name) => join(path, name));
  for (const file of files) {
    const match = ARCHIVE_FILE.exec(basename(file));
    if (!match) continue;
    const entry = byCell.get(match[1]!) ?? {};
    if (match[2] === 'cycle_data') entry.cycleData = file;
    else entry.timeseries = file;
    byCell.set(match[1]!, entry);
  }
  return byCell;
}

/**
 * Nominal capacities BatteryArchive's downloads do not carry, by cell-id prefix (BatteryML's values;
 * SNL by chemistry). Other cells fall back to their first cycle's discharge capacity, stated in the cell.
 */
const NOMINAL_CAPACITY_IN_AH: [RegExp, number][] = [
  [/^SNL_18650_LFP/, 1.1],
  [/^SNL_18650_NCA/, 3.2],
  [/^SNL_18650_NMC/, 3.0],
  [/^HNEI/, 2.8],
  [/^MATR/, 1.1],
  [/^CALCE_CS2/, 1.1],
  [/^CALCE_CX2/, 1.35],
];

function nominalCapacity(cellId: string, cycles: readonly Cycle[]): { value: number; note?: string } {
  const known = NOMINAL_CAPACITY_IN_AH.find(([prefix]) => prefix.test(cellId));
  if (known) return { value: known[1] };
  const first = cycles.find((cycle) => (cycle.dischargeCapacityInAh ?? 0) > 0);
  if (!first) throw new DatasetError('no cycle with a positive discharge capacity', { file: cellId });
  return {
    value: first.dischargeCapacityInAh!,
    note: `nominal capacity unknown for this source: taken as cycle ${first.cycleNumber}'s discharge capacity (${first.dischargeCapacityInAh!.toFixed(4)} Ah)`,
  };
}

/**
 * One cell from its cycle_data and/or timeseries file: capacities from cycle_data when present (the
 * archive's own per-cycle numbers), else from the timeseries; samples attached per cycle when present.
 */
export async function readArchiveCell(
  cellId: string,
  files: CellFiles,
  onProgress?: Parameters<typeof readTimeseries>[1],
): Promise<Cell> {
  const summary = files.cycleData ? await readCycleData(files.cycleData) : new Map<number, Cycle>();
  const samples = files.timeseries
    ? await readTimeseries(files.timeseries, onProgress)
    : new Map<number, CycleTimeSeries>();
  const numbers = [...new Set([...summary.keys(), ...samples.keys()])].sort((a, b) => a - b);
  const cycles = numbers.map((cycleNumber): Cycle => {
    const timeSeries = samples.get(cycleNumber);
    const stated = summary.get(cycleNumber);
    return {
      cycleNumber,
      chargeCapacityInAh: stated?.chargeCapacityInAh ?? seriesCapacity(timeSeries!.chargeCapacityInAh!),
      dischargeCapacityInAh:
        stated?.dischargeCapacityInAh ?? seriesCapacity(timeSeries!.dischargeCapacityInAh!),
      ...(timeSeries ? { timeSeries } : {}),
    };
  });
  const nominal = nominalCapacity(cellId, cycles);
  const read = [files.cycleData, files.timeseries].filter((f) => f !== undefined).map((f) => basename(f));
  return {
    schemaVersion: 1,
    cellId,
    source: batteryArchiveDatasetPlugin.id,
    nominalCapacityInAh: nominal.value,
    reference: 'BatteryArchive (batteryarchive.org) download; cite the original source of the cell',
    description: [`read ${read.join(' + ')}`, ...(nominal.note ? [nominal.note] : [])].join('; '),
    cycles,
  };
}

export const batteryArchiveDatasetPlugin: DatasetPlugin = {
  specificationVersion: 1,
  id: 'batteryarchive',
  description:
    'BatteryArchive downloads (SNL, HNEI, UL-PUR, OX, CALCE, MATR, ...): cycle data and time series',
  recognises: '<cell_id>_cycle_data.csv and/or <cell_id>_timeseries.csv files (a folder or one file)',
  async detect(path) {
    try {
      return (await cellFiles(path)).size > 0;
    } catch {
      return false;
    }
  },
  async *load(path, options = {}) {
    const byCell = await cellFiles(path);
    if (byCell.size === 0) {
      throw new DatasetError('no BatteryArchive files (<cell>_cycle_data.csv, <cell>_timeseries.csv) here', {
        file: path,
      });
    }
    const ids = [...byCell.keys()].sort();
    for (const [index, cellId] of ids.entries()) {
      options.signal?.throwIfAborted();
      yield { kind: 'cell', cell: await readArchiveCell(cellId, byCell.get(cellId)!, options.onProgress) };
      options.onProgress?.({ file: cellId, done: index + 1, total: ids.length, unit: 'cells' });
    }
  },
};
