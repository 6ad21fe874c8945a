/**
 * How every output marks synthetic (model-generated) cells, so that one is never mistaken for a measured
 * cell: the same banner, id marker and provenance summary in the terminal, JSON and HTML.
 */
import type { ModelSample } from '@diffbatt/core';
import { formatScoreTable, type ScoreResults } from '@diffbatt/eval';

/** `provenance.sourceCellId` of a curve drawn without a condition (written by `diffbatt synthesize`). */
export const UNCONDITIONAL_SOURCE = 'unconditional';

/** A cell id as shown in tables: synthetic ones carry a visible marker. */
export function markedCellId(cellId: string, synthetic: boolean): string {
  return synthetic ? `${cellId} [synthetic]` : cellId;
}

/** One line for the top of a table or report, or null when every cell is measured. */
export function syntheticBanner(synthetic: readonly boolean[], what = 'cells'): string | null {
  const count = synthetic.filter(Boolean).length;
  if (count === 0) return null;
  return `SYNTHETIC DATA: ${count} of ${synthetic.length} ${what} are synthetic (generated or made up), not measured`;
}

/** `formatScoreTable` under the banner, with synthetic reference cells marked in the per-cell table. */
export function formatMarkedScoreTable(results: ScoreResults, synthetic: readonly boolean[]): string {
  const banner = syntheticBanner(synthetic, 'reference cells');
  const table = formatScoreTable({
    ...results,
    cellIds: results.cellIds.map((cellId, cell) => markedCellId(cellId, synthetic[cell] === true)),
  });
  return banner === null ? table : `${banner}\n${table}`;
}

/** What a score's JSON adds: a flag per cell (aligned with `cellIds`) and the banner when any is synthetic. */
export function syntheticJsonFields(synthetic: readonly boolean[]): {
  cellSynthetic: boolean[];
  syntheticWarning?: string;
} {
  const banner = syntheticBanner(synthetic, 'reference cells');
  return { cellSynthetic: [...synthetic], ...(banner === null ? {} : { syntheticWarning: banner }) };
}

/** What the provenance of a set of synthetic samples says, field by field. */
export interface ProvenanceSummary {
  /** Synthetic samples summarised. */
  samples: number;
  /** Distinct values of each provenance field other than the source cell, in first-seen order. */
  fields: Record<string, (string | number | boolean)[]>;
  /** Distinct real cells the curves were conditioned on, and how many curves that is. */
  conditionCells: number;
  conditionedCurves: number;
  unconditionalCurves: number;
  /** Synthetic samples without any provenance. */
  withoutProvenance: number;
}

export function summariseProvenance(samples: readonly ModelSample[]): ProvenanceSummary {
  const synthetic = samples.filter((sample) => sample.synthetic);
  const fields: ProvenanceSummary['fields'] = {};
  const conditionCells = new Set<string>();
  let conditionedCurves = 0;
  let unconditionalCurves = 0;
  for (const { provenance } of synthetic) {
    for (const [key, value] of Object.entries(provenance ?? {})) {
      if (key === 'sourceCellId') continue;
      const values = fields[key] ?? [];
      if (!values.includes(value)) fields[key] = [...values, value];
    }
    const source = provenance?.['sourceCellId'];
    if (source === UNCONDITIONAL_SOURCE) unconditionalCurves++;
    else if (typeof source === 'string') {
      conditionCells.add(source);
      conditionedCurves++;
    }
  }
  return {
    samples: synthetic.length,
    fields,
    conditionCells: conditionCells.size,
    conditionedCurves,
    unconditionalCurves,
    withoutProvenance: synthetic.filter((sample) => sample.provenance === undefined).length,
  };
}

/** The summary as one line: `model m; sampler dpm-solver++; ...; 164 conditioned on 41 cell(s); 20 unconditional`. */
export function formatProvenanceSummary(summary: ProvenanceSummary): string {
  const parts = Object.entries(summary.fields).map(([key, values]) => `${key} ${values.join(', ')}`);
  if (summary.conditionedCurves > 0) {
    parts.push(`${summary.conditionedCurves} conditioned on ${summary.conditionCells} cell(s)`);
  }
  if (summary.unconditionalCurves > 0) parts.push(`${summary.unconditionalCurves} unconditional`);
  if (summary.withoutProvenance > 0) parts.push(`${summary.withoutProvenance} without provenance`);
  return parts.join('; ');
}
