import { CELL_SCHEMA_VERSION, type Cell, type CyclingProtocol } from '@diffbatt/core';

/** Plugin id, also each cell's `source`. */
export const MATR_SOURCE = 'matr';

/** What every MATR/CLO cell shares: A123 APR18650M1A LFP/graphite, 1.1 Ah, 30 °C, 4C discharge to 2.0 V. */
export function matrCell(fields: Pick<Cell, 'cellId' | 'cycles'> & Partial<Cell>): Cell {
  return {
    schemaVersion: CELL_SCHEMA_VERSION,
    source: MATR_SOURCE,
    nominalCapacityInAh: 1.1,
    formFactor: 'cylindrical_18650',
    anodeMaterial: 'graphite',
    cathodeMaterial: 'LFP',
    // Severson's Qdlin grid runs 3.6 -> 2.0 V (BatteryML states 3.5 V as the upper limit; the grid decides).
    maxVoltageLimitInV: 3.6,
    minVoltageLimitInV: 2.0,
    temperatureInC: 30,
    dischargeProtocol: [{ rateInC: 4, startSoc: 1, endSoc: 0 }],
    reference: 'Severson et al., Nature Energy 4, 383-391 (2019); data.matr.io, CC BY 4.0',
    ...fields,
  };
}

/**
 * A Severson charging policy such as "3.6C(80%)-3.6C" (two steps: rate to an SOC, then rate to full) or
 * a four-step CLO policy "4.8-5.2-5.2-4.16" (20 % SOC each), as BatteryML parses them. Undefined when the
 * text has another form, so an odd policy is kept as text rather than guessed.
 */
export function parseChargePolicy(policy: string): CyclingProtocol[] | undefined {
  const stages = policy.split('-').filter((stage) => !stage.includes('new'));
  const rate = (text: string) => {
    const value = Number(text.replace(/C$/, ''));
    return text.trim() !== '' && Number.isFinite(value) ? value : undefined;
  };
  if (stages.length === 2) {
    const first = /^([\d.]+)C\(([\d.]+)%\)$/.exec(stages[0]!);
    const second = rate(stages[1]!);
    if (!first || second === undefined) return undefined;
    const switchSoc = Number(first[2]) / 100;
    return [
      { rateInC: Number(first[1]), startSoc: 0, endSoc: switchSoc },
      { rateInC: second, startSoc: switchSoc, endSoc: 1 },
    ];
  }
  const rates = stages.map(rate);
  if (stages.length !== 4 || rates.some((r) => r === undefined)) return undefined;
  return rates.map((rateInC, i) => ({ rateInC: rateInC!, startSoc: i * 0.2, endSoc: (i + 1) * 0.2 }));
}
