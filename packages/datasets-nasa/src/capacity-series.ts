import { CELL_SCHEMA_VERSION, type Cell, DatasetError } from '@diffbatt/core';
import { type MatFile, readVariable } from '@diffbatt/matfile';
import { type } from 'arktype';
import { NASA_NOMINAL_CAPACITY_IN_AH, NASA_REFERENCE } from './battery.js';

const capacitySeriesSchema = type('number[] > 1');

/** The `C<n>` variable of a derived capacity-series file (Battery5.mat holds C5), if there is one. */
export function capacitySeriesVariable(file: MatFile): { name: string; battery: number } | undefined {
  for (const name of file.variables.keys()) {
    const match = /^C(\d+)$/.exec(name);
    if (match) return { name, battery: Number(match[1]) };
  }
  return undefined;
}

/**
 * A capacity-only cell from a derived file such as `Battery5.mat` (variables C5, Q5, Temperature5, Time5,
 * written by a third party from NASA's B0005.mat): `C<n>` is the discharge capacity (Ah) of each discharge
 * in order, so cycle k is the k-th discharge. There is no voltage data, hence no Q(V).
 */
export function capacitySeriesCell(file: MatFile, fileName: string): Cell {
  const series = capacitySeriesVariable(file);
  if (!series) throw new DatasetError('has no C<n> capacity series', { file: fileName });
  const capacities = readVariable(file, fileName, series.name, capacitySeriesSchema);
  const bad = capacities.findIndex((capacity) => !(Number.isFinite(capacity) && capacity > 0));
  if (bad !== -1) {
    throw new DatasetError(
      `discharge ${bad + 1} has capacity ${capacities[bad]}; expected a positive number of Ah`,
      {
        file: fileName,
        field: series.name,
      },
    );
  }
  const source = `B${String(series.battery).padStart(4, '0')}`;
  return {
    schemaVersion: CELL_SCHEMA_VERSION,
    cellId: `${source}-derived`,
    source: 'nasa',
    nominalCapacityInAh: NASA_NOMINAL_CAPACITY_IN_AH,
    formFactor: 'cylindrical_18650',
    reference: NASA_REFERENCE,
    description:
      `Discharge capacities of NASA ${source} as derived by a third party (variable ${series.name} of ` +
      `${fileName.replace(/^.*[\\/]/, '')}), one per discharge; capacity only, no voltage data.`,
    cycles: capacities.map((capacity, index) => ({
      cycleNumber: index + 1,
      dischargeCapacityInAh: capacity,
    })),
  };
}
