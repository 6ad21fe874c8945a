import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Cell, DatasetError, type DatasetPlugin, type LoadOptions } from '@diffbatt/core';
import { type ArbinSession, readArbinSession } from './arbin-workbook.js';
import { type SessionCycle, sessionCycles } from './cycles.js';
import { keepNonOutlierCycles, OUTLIER_MAD_MULTIPLE, OUTLIER_WINDOW } from './outliers.js';

/** `CS2_35_1_10_11.xlsx`: cell `CS2_35`, then the (unreliable) date the export was named after. */
const SESSION_FILE = /^(C[SX]2_\d+)_\d+_\d+_\d+\.xlsx$/i;

/** CALCE's nominal capacities: CS2 cells 1.1 Ah, CX2 cells 1.35 Ah (as in BatteryML). */
function nominalCapacityInAh(cellId: string): number {
  return cellId.toUpperCase().startsWith('CS2') ? 1.1 : 1.35;
}

/** The session files under `path` (a cell folder, a folder of cell folders, or one file), by cell id. */
async function sessionFilesByCell(path: string): Promise<Map<string, string[]>> {
  const byCell = new Map<string, string[]>();
  const add = (file: string) => {
    const match = SESSION_FILE.exec(basename(file));
    if (!match) return;
    const cellId = match[1]!.toUpperCase();
    byCell.set(cellId, [...(byCell.get(cellId) ?? []), file]);
  };
  const info = await stat(path);
  if (info.isFile()) {
    add(path);
    return byCell;
  }
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isFile()) add(full);
    else if (entry.isDirectory()) {
      for (const inner of await readdir(full, { withFileTypes: true })) {
        if (inner.isFile()) add(join(full, inner.name));
      }
    }
  }
  return byCell;
}

/** A kept cycle with its new consecutive number and the session it came from. */
export interface CleanCycle extends SessionCycle {
  cycleNumber: number;
}

/** The cycles of one cell after ordering, de-duplication and outlier removal, with what was dropped. */
export interface CleanedSessions {
  cycles: CleanCycle[];
  removed: SessionCycle[];
  /** Sessions skipped because an earlier one has the same start date: [skipped file, kept file]. */
  duplicates: [string, string][];
  /** All cycles before cleaning. */
  rawCycleCount: number;
}

/**
 * Orders sessions by the start date in `Info!B5` (file names do not sort in time), skips a session with
 * the same start as an earlier one (a duplicate export), splits cycles per session, then applies
 * BatteryML's outlier cleaning and renumbers the kept cycles consecutively from 1, as BatteryML does.
 */
export function cleanSessions(sessions: readonly ArbinSession[]): CleanedSessions {
  const unique: ArbinSession[] = [];
  const duplicates: [string, string][] = [];
  for (const session of [...sessions].sort((a, b) => a.startDate - b.startDate)) {
    const twin = unique.find((kept) => kept.startDate === session.startDate);
    if (twin) duplicates.push([session.file, twin.file]);
    else unique.push(session);
  }
  const raw = unique.flatMap(sessionCycles);
  const keep = keepNonOutlierCycles(raw.map(({ cycle }) => cycle.dischargeCapacityInAh!));
  return {
    cycles: raw.filter((_, i) => keep[i]).map((cycle, i) => ({ ...cycle, cycleNumber: i + 1 })),
    removed: raw.filter((_, i) => !keep[i]),
    duplicates,
    rawCycleCount: raw.length,
  };
}

/** One CALCE cell from all its sessions; what cleaning did is written into `description`. */
export function calceCell(cellId: string, sessions: readonly ArbinSession[]): Cell {
  const { cycles, removed, duplicates, rawCycleCount } = cleanSessions(sessions);
  if (cycles.length === 0) {
    throw new DatasetError('no cycle left after outlier removal', { file: sessions[0]?.file ?? cellId });
  }
  const notes = [
    "per-cycle capacity from Arbin's cumulative counters (difference of per-cycle maxima)",
    ...duplicates.map(
      ([skipped, kept]) =>
        `skipped ${basename(skipped)}: same start date as ${basename(kept)} (duplicate export)`,
    ),
    `removed ${removed.length} of ${rawCycleCount} cycles as BatteryML does (median filter ${OUTLIER_WINDOW}, ` +
      `|Qd - median| >= ${OUTLIER_MAD_MULTIPLE}x MAD, or Qd <= 0.1 Ah)` +
      (removed.length > 0 ? `: ${removed.map((r) => `${basename(r.file)}#${r.cycleIndex}`).join(', ')}` : ''),
  ];
  return {
    schemaVersion: 1,
    cellId,
    source: calceDatasetPlugin.id,
    nominalCapacityInAh: nominalCapacityInAh(cellId),
    formFactor: 'prismatic',
    cathodeMaterial: 'LCO',
    anodeMaterial: 'graphite',
    maxVoltageLimitInV: 4.2,
    minVoltageLimitInV: 2.7,
    reference: 'CALCE battery data, University of Maryland (https://calce.umd.edu/battery-data); cite CALCE',
    description: notes.join('; '),
    cycles: cycles.map(({ cycleNumber, cycle }) => ({ cycleNumber, ...cycle })),
  };
}

export const calceDatasetPlugin: DatasetPlugin = {
  specificationVersion: 1,
  id: 'calce',
  description: 'CALCE CS2/CX2 cells: Arbin Excel exports, one .xlsx per test session',
  recognises: 'a folder of CS2_<n>_<m>_<d>_<yy>.xlsx / CX2_... files (or a folder of such cell folders)',
  async detect(path) {
    try {
      return (await sessionFilesByCell(path)).size > 0;
    } catch {
      return false;
    }
  },
  async *load(path, options: LoadOptions = {}) {
    const byCell = await sessionFilesByCell(path);
    if (byCell.size === 0) {
      throw new DatasetError('no CALCE session files (CS2_*/CX2_*_M_D_YY.xlsx) here', { file: path });
    }
    const total = [...byCell.values()].reduce((sum, files) => sum + files.length, 0);
    let done = 0;
    for (const cellId of [...byCell.keys()].sort()) {
      const sessions: ArbinSession[] = [];
      for (const file of byCell.get(cellId)!.sort()) {
        options.signal?.throwIfAborted();
        sessions.push(await readArbinSession(file, { onProgress: options.onProgress }));
        options.onProgress?.({ file, done: ++done, total, unit: 'files' });
      }
      yield { kind: 'cell', cell: calceCell(cellId, sessions) };
    }
  },
};
