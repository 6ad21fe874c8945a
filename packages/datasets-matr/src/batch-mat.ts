import { open } from 'node:fs/promises';
import { type Cell, type Cycle, DatasetError, type LoadOptions } from '@diffbatt/core';
import { matrCell, parseChargePolicy } from './matr-cell.js';
import { QDLIN_VOLTAGES } from './severson.js';

/** Cycles whose Qdlin is loaded (the capacity matrix needs the first ~100; all would be ~16 MB a cell). */
export const DEFAULT_CURVE_CYCLES = 120;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether the file is HDF5 (MATLAB v7.3 puts the signature after a 512-byte user block). */
export async function isHdf5File(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(520), 0, 520, 0);
      return [0, 512].some(
        (offset) => bytesRead >= offset + 8 && HDF5_SIGNATURE.every((byte, i) => buffer[offset + i] === byte),
      );
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

// The minimal h5wasm surface used here (its `get` returns a union that needs narrowing anyway).
interface H5Node {
  path: string;
  value?: unknown;
  shape?: number[] | null;
  keys?: () => string[];
  get?: (name: string) => H5Node | null;
}
interface H5File extends H5Node {
  dereference(reference: unknown): H5Node | null;
  close(): void;
}

/** A numeric dataset's values as numbers (MATLAB stores doubles; shapes are 1 x n or n x 1). */
function numbers(node: H5Node | null, file: string, field: string): Float64Array {
  const value = node?.value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array)) {
    return Float64Array.from(value as unknown as ArrayLike<number>);
  }
  if (typeof value === 'number') return Float64Array.of(value);
  throw new DatasetError('expected a numeric array', { file, field });
}

/** A MATLAB char array (uint16 codes) as a string. */
function matlabString(node: H5Node | null, file: string, field: string): string {
  return String.fromCharCode(...numbers(node, file, field));
}

/**
 * Reads an official MATR batch file (`*_batchdata_updated_struct_errorcorrect.mat`, MATLAB v7.3 = HDF5)
 * as BatteryML reads it: `batch/{summary,cycles,cycle_life,policy_readable,barcode}` are columns of object
 * references into `#refs#`; `summary` gives per-cycle QDischarge (full life), `cycles` per-cycle Qdlin
 * (1000 points, 3.6 -> 2.0 V), `cycle_life` the published life (NaN: none). Cycle j (0-based) is cycle
 * number j + 1, as in MATLAB and in Severson's Qdlin CSVs. Raw per-sample V/I/Qd/t are not loaded: the
 * capacity matrix uses Qdlin, as BatteryML's MATR configs (`use_precalculated_qdlin`).
 */
export async function* readMatrBatch(
  file: string,
  options: LoadOptions & { curveCycles?: number } = {},
): AsyncGenerator<Cell> {
  if (!(await isHdf5File(file))) {
    throw new DatasetError(
      'no HDF5 signature in its first 520 bytes: MATR batch files are MATLAB v7.3 (HDF5); this one is damaged, empty or of an older MATLAB version',
      { file },
    );
  }
  const h5wasm = await import('h5wasm/node');
  // HDF5 errors become exceptions instead of diagnostics printed on stderr (libraries never print).
  (await h5wasm.ready).activate_throwing_error_handler();
  const damaged = (error: unknown) =>
    error instanceof DatasetError
      ? error
      : new DatasetError(`cannot read as HDF5 (damaged or not MATLAB v7.3): ${firstLine(error)}`, { file });
  let h5: H5File;
  try {
    h5 = new h5wasm.File(file, 'r') as unknown as H5File;
  } catch (error) {
    throw damaged(error);
  }
  try {
    const batch = h5.get?.('batch') ?? null;
    if (!batch?.keys)
      throw new DatasetError('no "batch" struct: not a MATR batch file', { file, field: 'batch' });
    const fields = batch.keys();
    for (const required of ['summary', 'cycles', 'cycle_life']) {
      if (!fields.includes(required))
        throw new DatasetError('missing field in the batch struct', { file, field: `batch/${required}` });
    }
    const column = (name: string) =>
      fields.includes(name) ? (batch.get!(name)?.value as unknown[]) : undefined;
    const summaries = column('summary')!;
    const cyclesRefs = column('cycles')!;
    const lives = column('cycle_life')!;
    const policies = column('policy_readable');
    const barcodes = column('barcode');
    const deref = (reference: unknown, field: string): H5Node => {
      const node = h5.dereference(reference);
      if (!node) throw new DatasetError('dangling object reference', { file, field });
      return node;
    };
    const curveCycles = options.curveCycles ?? DEFAULT_CURVE_CYCLES;
    for (let cell = 0; cell < summaries.length; cell++) {
      options.signal?.throwIfAborted();
      const where = (field: string) => `batch/${field}[${cell}]`;
      const summary = deref(summaries[cell], where('summary'));
      const capacities = numbers(summary.get?.('QDischarge') ?? null, file, `${where('summary')}/QDischarge`);
      const cyclesGroup = deref(cyclesRefs[cell], where('cycles'));
      const qdlinRefs = (cyclesGroup.get?.('Qdlin')?.value as unknown[] | undefined) ?? [];
      const voltageInV = Array.from(QDLIN_VOLTAGES);
      const cycles: Cycle[] = Array.from(capacities, (capacity, j) => ({
        cycleNumber: j + 1,
        dischargeCapacityInAh: capacity,
      }));
      for (let j = 0; j < Math.min(qdlinRefs.length, curveCycles); j++) {
        const field = `${where('cycles')}/Qdlin[${j}]`;
        const qdlin = numbers(deref(qdlinRefs[j], field), file, field);
        if (qdlin.length !== QDLIN_VOLTAGES.length) {
          throw new DatasetError(`Qdlin has ${qdlin.length} points, expected ${QDLIN_VOLTAGES.length}`, {
            file,
            field,
          });
        }
        const dischargeCurve = { voltageInV, dischargeCapacityInAh: Array.from(qdlin) };
        if (cycles[j]) cycles[j]!.dischargeCurve = dischargeCurve;
        else cycles.push({ cycleNumber: j + 1, dischargeCurve });
      }
      const life = numbers(deref(lives[cell], where('cycle_life')), file, where('cycle_life'))[0];
      const policy = policies
        ? matlabString(deref(policies[cell], where('policy_readable')), file, where('policy_readable'))
        : undefined;
      const barcode = barcodes
        ? matlabString(deref(barcodes[cell], where('barcode')), file, where('barcode')).trim()
        : '';
      const chargeProtocol = policy ? parseChargePolicy(policy) : undefined;
      yield matrCell({
        cellId: barcode || `cell${cell}`,
        description: `MATR batch cell ${cell}` + (policy ? `, charging policy ${policy}` : ''),
        publishedCycleLife: life !== undefined && Number.isFinite(life) && life > 0 ? Math.round(life) : null,
        ...(chargeProtocol ? { chargeProtocol } : {}),
        cycles,
      });
      options.onProgress?.({ file, done: cell + 1, total: summaries.length, unit: 'cells' });
    }
  } catch (error) {
    throw damaged(error);
  } finally {
    h5.close();
  }
}

/** The first meaningful line of an HDF5 error stack (the rest is C call sites). */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return (
    lines.find((line) => /major|minor|unable|error/i.test(line) && !line.startsWith('HDF5-DIAG')) ??
    lines[0] ??
    'unknown error'
  );
}
