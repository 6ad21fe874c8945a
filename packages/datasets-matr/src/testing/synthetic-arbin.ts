import { open } from 'node:fs/promises';

/**
 * SYNTHETIC MATR-style Arbin exports of any size, for the reader's memory test and `pnpm bench:io` (not
 * exported from the package; made-up numbers, no real cell). Each cycle is a 3C charge then a 4C
 * discharge from 3.45 V to 2.0 V whose capacity fades with the cycle number, so the featuriser gives a
 * SOH curve and a capacity matrix. Written in ~1 MB pieces: making a file of GB holds none of it.
 */
export const SYNTHETIC_ARBIN_HEADER =
  'Data_Point,Test_Time,DateTime,Step_Time,Step_Index,Cycle_Index,Current,Voltage,Charge_Capacity,' +
  'Discharge_Capacity,Charge_Energy,Discharge_Energy,dV/dt,Internal_Resistance,Temperature';

export interface SyntheticArbinOptions {
  /** Stop after this many data rows. */
  rows?: number;
  /** Or stop at the first whole cycle that brings the file to this size. */
  bytes?: number;
  /** Rows per cycle, half charge and half discharge (default 1000). */
  samplesPerCycle?: number;
}

export interface SyntheticArbinFile {
  rows: number;
  bytes: number;
  cycles: number;
}

const PIECE_BYTES = 2 ** 20;

/** Writes a SYNTHETIC Arbin export to `path`; one of `rows` or `bytes` must be given. */
export async function writeSyntheticArbin(
  path: string,
  options: SyntheticArbinOptions,
): Promise<SyntheticArbinFile> {
  const perCycle = options.samplesPerCycle ?? 1000;
  const half = perCycle >> 1;
  const rowLimit = options.rows ?? Number.POSITIVE_INFINITY;
  const byteLimit = options.bytes ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(rowLimit) && !Number.isFinite(byteLimit)) throw new Error('rows or bytes needed');
  const handle = await open(path, 'w');
  let bytes = 0;
  let rows = 0;
  let cycle = 0;
  try {
    let piece = `${SYNTHETIC_ARBIN_HEADER}\n`;
    const flush = async () => {
      await handle.write(piece);
      bytes += Buffer.byteLength(piece);
      piece = '';
    };
    while (rows < rowLimit && bytes + piece.length < byteLimit) {
      cycle++;
      // 1.07 Ah fading to 0.88 Ah (end of life) at cycle 1500 and towards 0.5 Ah after it.
      const capacity = 0.5 + 0.57 / (1 + (cycle / 2121) ** 2);
      for (let step = 0; step < perCycle && rows < rowLimit; step++, rows++) {
        const charging = step < half;
        const f = charging ? step / (half - 1) : (step - half) / (perCycle - half - 1);
        const voltage = charging ? 2.0 + 1.6 * f ** 0.25 : 3.45 - 0.35 * f - 1.1 * f ** 8;
        const time = rows * 2.0013;
        piece +=
          `${rows},${time.toFixed(4)},${(1494645243.4715 + time).toFixed(4)},${(step * 2.0013).toFixed(4)},` +
          `${charging ? 2 : 7},${cycle},${charging ? 3.3 : -4.4},${voltage.toFixed(7)},` +
          `${(capacity * (charging ? f : 1)).toFixed(7)},${charging ? 0 : (capacity * f).toFixed(7)},` +
          `${(3.3 * capacity * (charging ? f : 1)).toFixed(7)},${charging ? 0 : (3.2 * capacity * f).toFixed(7)},` +
          `-1.1444092e-05,0.0151${step % 10},${(30 + (step % 7) * 0.01).toFixed(6)}\n`;
        if (piece.length >= PIECE_BYTES) await flush();
      }
    }
    await flush();
  } finally {
    await handle.close();
  }
  return { rows, bytes, cycles: cycle };
}
