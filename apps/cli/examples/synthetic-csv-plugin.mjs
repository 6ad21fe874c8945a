// A diffbatt dataset plugin in one dependency-free file. Its format is made up: one SYNTHETIC cell per
// *.synthetic.csv of `cycle,capacity_ah` rows (1.1 Ah nominal, Q(V) taken as linear from 3.6 to 2.0 V).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const cycle = (row) => {
  const [cycleNumber, capacity] = row.split(',').map(Number);
  const dischargeCurve = { voltageInV: [3.6, 2.0], dischargeCapacityInAh: [0, capacity] };
  return { cycleNumber, dischargeCapacityInAh: capacity, dischargeCurve };
};

export default {
  specificationVersion: 1,
  id: 'synthetic-csv',
  description: 'SYNTHETIC example cells (made up, not measured)',
  recognises: '*.synthetic.csv: cycle,capacity_ah rows of one cell',
  detect: async (path) => path.endsWith('.synthetic.csv'),
  async *load(path) {
    const rows = (await readFile(path, 'utf8')).trim().split('\n').slice(1);
    const cell = { schemaVersion: 1, cellId: basename(path, '.synthetic.csv'), source: 'synthetic-csv' };
    const ratings = { nominalCapacityInAh: 1.1, maxVoltageLimitInV: 3.6, minVoltageLimitInV: 2.0 };
    yield { kind: 'cell', cell: { ...cell, ...ratings, synthetic: true, cycles: rows.map(cycle) } };
  },
};
