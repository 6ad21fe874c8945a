import type { Cell, CyclingProtocol } from '@diffbatt/core';

/** What every CLO cell shares: the A123 APR18650M1A LFP cell of Severson et al., cycled at 30 °C, 4C discharge. */
export const CLO_CELL: Omit<Cell, 'cellId' | 'cycles'> = {
  schemaVersion: 1,
  source: 'clo',
  nominalCapacityInAh: 1.1,
  formFactor: 'cylindrical 18650',
  cathodeMaterial: 'LFP',
  anodeMaterial: 'graphite',
  maxVoltageLimitInV: 3.6,
  minVoltageLimitInV: 2.0,
  temperatureInC: 30,
  dischargeProtocol: [{ rateInC: 4, endVoltageInV: 2.0 }],
  reference:
    'Attia et al. 2020, Nature 578:397 (chueh-ermon/battery-fast-charging-optimization); data CC BY 4.0',
};

/** Charge time of every CLO policy from 0 to 80 % SOC, in hours (10 minutes). */
const CHARGE_TIME_IN_H = 10 / 60;

/**
 * The four-step fast-charge policy: C1..C4 each charge 20 % of capacity (0-20, 20-40, 40-60, 60-80 % SOC).
 * `final_results.csv` gives C1..C3; C4 follows from the 10-minute total, as in Attia et al.
 */
export function chargePolicy(c1: number, c2: number, c3: number): CyclingProtocol[] {
  const c4 = 0.2 / (CHARGE_TIME_IN_H - 0.2 / c1 - 0.2 / c2 - 0.2 / c3);
  return [c1, c2, c3, c4].map((rateInC, step) => ({
    rateInC,
    startSoc: step / 5,
    endSoc: (step + 1) / 5,
  }));
}

/** Severson's `Qdlin` voltage grid (`np.linspace(3.6, 2.0, 1000)`), which the CLO Q(V) columns use. */
export function qdlinVoltageGrid(points = 1000): number[] {
  return Array.from({ length: points }, (_, i) => 3.6 - (1.6 * i) / (points - 1));
}
