import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Cell, DatasetError, type DatasetPlugin, readCsv } from '@diffbatt/core';
import { type } from 'arktype';

/**
 * PINN4SOH's per-cycle tables (Wang et al.; HUST and Tongji cells): one row per cycle, 16 charge-curve
 * features, then the discharge `capacity` in Ah. Checked whole with arktype before any row is read, so a
 * file with another column set (or capacity in mAh under another name) is refused, not misread.
 */
const FEATURE_HEADER = [
  'voltage mean',
  'voltage std',
  'voltage kurtosis',
  'voltage skewness',
  'CC Q',
  'CC charge time',
  'voltage slope',
  'voltage entropy',
  'current mean',
  'current std',
  'current kurtosis',
  'current skewness',
  'CV Q',
  'CV charge time',
  'current slope',
  'current entropy',
  'capacity',
] as const;
const featureHeader = type('string[]').narrow(
  (columns, ctx) =>
    (columns.length === FEATURE_HEADER.length && columns.every((name, i) => name === FEATURE_HEADER[i])) ||
    ctx.mustBe(`the ${FEATURE_HEADER.length} PINN4SOH columns ${FEATURE_HEADER.join(',')}`),
);

/** A plausible cell capacity in Ah: catches mAh files and corrupt values with a clear message. */
const MAX_CAPACITY_IN_AH = 100;

/** What differs between the sources that share the format: file names and cell metadata. */
interface FeatureSource {
  id: string;
  description: string;
  recognises: string;
  /** Matches a cell file path (file name and, for TJU, the chemistry folder). */
  cellFile: RegExp;
  /** Cell metadata from the match of `cellFile`. */
  cell(
    match: RegExpExecArray,
  ): Pick<Cell, 'cellId' | 'nominalCapacityInAh' | 'cathodeMaterial' | 'reference'> & Partial<Cell>;
}

const HUST: FeatureSource = {
  id: 'hust',
  description: 'HUST LFP cells (Ma et al. 2022) as PINN4SOH per-cycle feature CSVs: capacity per cycle only',
  recognises: 'PINN4SOH HUST files such as 1-1.csv with the 17-column feature header ending in "capacity"',
  cellFile: /(?:^|[\\/])(\d+-\d+)\.csv$/,
  cell: (match) => ({
    cellId: `HUST_${match[1]}`,
    nominalCapacityInAh: 1.1,
    cathodeMaterial: 'LFP',
    anodeMaterial: 'graphite',
    formFactor: 'cylindrical 18650',
    // BatteryML's HUST limits; they let the featuriser say what is missing (Q(V)), not the voltage range.
    maxVoltageLimitInV: 3.6,
    minVoltageLimitInV: 2.0,
    reference: 'Ma et al. 2022 (HUST, Mendeley nsc7hnsg4s), features by wang-fujin/PINN4SOH',
  }),
};

/** Tongji cells (Zhu et al. 2022): nominal 3.5 Ah NCA and NCM, 2.5 Ah NCM+NCA blend. */
const TJU: FeatureSource = {
  id: 'tju',
  description:
    'Tongji (TJU) NCA/NCM cells (Zhu et al. 2022) as PINN4SOH per-cycle feature CSVs: capacity only',
  recognises: 'PINN4SOH TJU files Dataset_<n>_<NCA|NCM|NCM+NCA>_battery/CY<T>-<charge>_<discharge>-#<n>.csv',
  cellFile: /Dataset_\d+_(NCA|NCM|NCM\+NCA)_battery[\\/](CY(\d+)-[^\\/]+)\.csv$/,
  cell: (match) => ({
    cellId: `TJU_${match[1]}_${match[2]}`,
    nominalCapacityInAh: match[1] === 'NCM+NCA' ? 2.5 : 3.5,
    cathodeMaterial: match[1]!,
    formFactor: 'cylindrical 18650',
    temperatureInC: Number(match[3]),
    reference: 'Zhu et al. 2022 (Tongji, Zenodo 6405084), features by wang-fujin/PINN4SOH',
  }),
};

/** The source's cell files under `path` (a file, or a folder searched two levels deep). */
async function cellFiles(source: FeatureSource, path: string): Promise<string[]> {
  if ((await stat(path)).isFile()) return source.cellFile.test(path) ? [path] : [];
  const found: string[] = [];
  const walk = async (folder: string, depth: number) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isFile() && source.cellFile.test(full)) found.push(full);
      else if (entry.isDirectory() && depth > 0) await walk(full, depth - 1);
    }
  };
  await walk(path, 2);
  return found.sort();
}

/** Reads one file into a cell: row r (1-based after the header) is cycle r; only `capacity` is kept. */
async function readFeatureCell(source: FeatureSource, file: string): Promise<Cell> {
  const table = await readCsv(file);
  const header = featureHeader(table.columns);
  if (header instanceof type.errors) {
    throw new DatasetError(`not a PINN4SOH feature header: ${header.summary}`, { file, line: 1 });
  }
  const capacities = table.numberColumn('capacity');
  const bad = capacities.findIndex((q) => !(q > 0 && q < MAX_CAPACITY_IN_AH));
  if (bad >= 0) {
    throw new DatasetError(`capacity ${capacities[bad]} is outside 0 .. ${MAX_CAPACITY_IN_AH} Ah`, {
      file,
      line: table.lineOf(bad),
      field: 'capacity',
    });
  }
  const metadata = source.cell(source.cellFile.exec(file)!);
  return {
    schemaVersion: 1,
    source: source.id,
    ...metadata,
    description:
      `${basename(dirname(file))}/${basename(file)}: per-cycle discharge capacity only (no voltage curves, ` +
      'so no capacity matrix can be built: SOH curve only); cycle number = row number, as PINN4SOH gives ' +
      'no cycle column (dropped cycles, if any, are not visible)',
    cycles: Array.from(capacities, (dischargeCapacityInAh, row) => ({
      cycleNumber: row + 1,
      dischargeCapacityInAh,
    })),
  };
}

function featureCsvPlugin(source: FeatureSource): DatasetPlugin {
  return {
    specificationVersion: 1,
    id: source.id,
    description: source.description,
    recognises: source.recognises,
    async detect(path) {
      try {
        const [first] = await cellFiles(source, path);
        if (!first) return false;
        const table = await readCsv(first);
        return !(featureHeader(table.columns) instanceof type.errors);
      } catch {
        return false;
      }
    },
    async claims(path) {
      // Files named as this source names them, whatever their content: loading one names what is wrong.
      return (await cellFiles(source, path).catch(() => [])).length > 0;
    },
    async *load(path, options = {}) {
      const files = await cellFiles(source, path);
      if (files.length === 0)
        throw new DatasetError(`no ${source.id.toUpperCase()} cell files here`, { file: path });
      for (const [index, file] of files.entries()) {
        options.signal?.throwIfAborted();
        yield { kind: 'cell', cell: await readFeatureCell(source, file) };
        options.onProgress?.({ file, done: index + 1, total: files.length, unit: 'files' });
      }
    },
  };
}

export const hustDatasetPlugin = featureCsvPlugin(HUST);
export const tjuDatasetPlugin = featureCsvPlugin(TJU);
