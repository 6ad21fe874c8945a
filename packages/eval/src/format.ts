import type { SampleIntervals } from './probabilistic.js';
import type { ScoreResults } from './score.js';

/** A plain-text table: first column left-aligned, the rest right-aligned, two spaces apart. */
export function formatTextTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const fixed = (digits: number) => (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : '-');
const cycles = fixed(1);
const sohPoints = fixed(3);

/** Human-readable summary and per-cell table of a score, for a terminal. */
export function formatScoreTable(results: ScoreResults): string {
  const { protocol, rulSamples, synthesis, medianOfSamples: median } = results;
  const calibrated = results.rulSamplesCalibrated;
  const counts = new Set(results.samplesPerCell);
  const perCell = counts.size === 1 ? `${[...counts][0]}` : `${Math.min(...counts)}-${Math.max(...counts)}`;
  const lines = [
    `${results.cells} cells, ${perCell} generated curve(s) per cell` +
      (results.nonFiniteSamples > 0 ? ` (${results.nonFiniteSamples} non-finite curves left out)` : '') +
      `; EOL at ${protocol.eolSoh} % SOH; curves resized to ${protocol.evaluationCycles} cycles in ${protocol.arithmetic}`,
    '',
    ...formatTextTable(
      ['metric', 'best of reps*', 'median of samples'],
      [
        ['cycle life RMSE (cycles)', cycles(results.rulRmse), cycles(median.rulRmse)],
        ['cycle life MAE (cycles)', cycles(results.rulMae), cycles(median.rulMae)],
        ['cycle life MAPE', percent(results.rulMape), percent(median.rulMape)],
        ['10 % accuracy', percent(results.rulAccuracy10), percent(median.rulAccuracy10)],
        ['15 % accuracy', percent(results.rulAccuracy15), percent(median.rulAccuracy15)],
        ['SOH RMSE (% points)', sohPoints(results.sohRmse), sohPoints(median.sohRmse)],
      ],
    ),
    `* ${results.rule}`,
    '',
    Math.max(...results.samplesPerCell) === 1
      ? 'one sample per cell: intervals would be single points and CRPS equals the life MAE'
      : `cycle life from samples (${rulSamples.cellsScored} cells): CRPS ${cycles(rulSamples.crps)} cycles; coverage ` +
        rulSamples.intervals
          .map(({ level, coverage }) => `${Math.round(level * 100)} %: ${percent(coverage)}`)
          .join(', '),
    ...(calibrated === undefined
      ? []
      : [
          `calibrated life intervals (conformal, fitted on ${calibrated.calibrationCells} other cells): coverage ` +
            calibrated.intervals
              .map(
                ({ level, coverage, uncalibratedCoverage }) =>
                  `${Math.round(level * 100)} %: ${percent(coverage)} (uncalibrated ${percent(uncalibratedCoverage)})`,
              )
              .join(', '),
        ]),
    synthesis === null
      ? 'synthesis metrics: not computed (too few curves for k-NN)'
      : `synthesis (${synthesis.featureMap}, ${synthesis.referenceCurves} reference vs ${synthesis.generatedCurves} generated): ` +
        `Frechet distance ${synthesis.frechetDistance.toPrecision(4)}, precision ${percent(synthesis.precision)}, ` +
        `recall ${percent(synthesis.recall)} (k = ${synthesis.k})`,
    '',
  ];
  // The per-cell table shows the widest interval, usually the 95 % one.
  const widest = rulSamples.intervals.reduce<SampleIntervals | undefined>(
    (a, b) => (a === undefined || b.level > a.level ? b : a),
    undefined,
  );
  const header = ['cell', 'life', 'best of reps', 'median'];
  if (widest) header.push(`${Math.round(widest.level * 100)} % interval`);
  header.push('SOH RMSE');
  const rows = results.cellIds.map((cellId, cell) => {
    const row = [
      cellId,
      `${results.rulReference[cell]}`,
      `${results.rulPredicted[cell]}`,
      fixed(0)(median.rulPredicted[cell]!),
    ];
    if (widest) row.push(`${fixed(0)(widest.lower[cell]!)}-${fixed(0)(widest.upper[cell]!)}`);
    row.push(sohPoints(results.sohRmsePerCell[cell]!));
    return row;
  });
  lines.push(...formatTextTable(header, rows));
  return lines.join('\n');
}

/** Results as JSON (NaN becomes null, as JSON has no NaN). */
export function scoreResultsToJson(results: ScoreResults): string {
  return JSON.stringify(results, null, 2);
}
