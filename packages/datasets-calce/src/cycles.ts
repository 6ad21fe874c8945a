import type { Cycle } from '@diffbatt/core';
import type { ArbinSession } from './arbin-workbook.js';

/** One cycle of one session, before cleaning and renumbering. */
export interface SessionCycle {
  file: string;
  /** Arbin `Cycle_Index` within the session (restarts at 1 in each file). */
  cycleIndex: number;
  cycle: Omit<Cycle, 'cycleNumber'>;
}

/**
 * Splits a session into cycles. Arbin's `Charge/Discharge_Capacity` counters are cumulative within a
 * file, so a cycle's capacity is its maximum minus the maximum reached before it, and its time series is
 * rebased to start at 0 Ah (that rebased `dischargeCapacityInAh` against `voltageInV` is the cycle's Q(V)).
 */
export function sessionCycles(session: ArbinSession): SessionCycle[] {
  const { cycleIndex } = session.columns;
  const cycles: SessionCycle[] = [];
  let chargeBefore = 0;
  let dischargeBefore = 0;
  let start = 0;
  while (start < cycleIndex.length) {
    let end = start;
    while (end < cycleIndex.length && cycleIndex[end] === cycleIndex[start]) end++;
    const slice = (values: Float64Array) => Array.from(values.subarray(start, end));
    const charge = slice(session.columns.chargeCapacityInAh);
    const discharge = slice(session.columns.dischargeCapacityInAh);
    const chargeMax = Math.max(chargeBefore, ...charge);
    const dischargeMax = Math.max(dischargeBefore, ...discharge);
    cycles.push({
      file: session.file,
      cycleIndex: cycleIndex[start]!,
      cycle: {
        dischargeCapacityInAh: dischargeMax - dischargeBefore,
        chargeCapacityInAh: chargeMax - chargeBefore,
        timeSeries: {
          timeInS: slice(session.columns.testTimeInS),
          voltageInV: slice(session.columns.voltageInV),
          currentInA: slice(session.columns.currentInA),
          chargeCapacityInAh: charge.map((q) => q - chargeBefore),
          dischargeCapacityInAh: discharge.map((q) => q - dischargeBefore),
        },
      },
    });
    chargeBefore = chargeMax;
    dischargeBefore = dischargeMax;
    start = end;
  }
  return cycles;
}
