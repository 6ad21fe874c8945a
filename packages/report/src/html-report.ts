/**
 * Self-contained HTML reports (inline SVG, no scripts, no network). For `diffbatt test` and
 * `diffbatt predict`: reference vs predicted SOH curves with uncertainty bands per cell, and predicted vs
 * true cycle life with intervals. For `diffbatt synth-report`: bands of synthetic curves over those of
 * measured test cells. Synthetic cells are labelled as such wherever they appear.
 */
import { syntheticBanner } from './synthetic.js';

export interface ReportCurveCell {
  cellId: string;
  /** Cycle numbers of the curve points (e.g. 10, 20, ... for 256 points). */
  cycles: readonly number[];
  /** Measured SOH in percent (NaN after the end of data), or null when there is no reference. */
  referenceSoh: readonly number[] | null;
  /** Per-point median and interval of the predicted SOH in percent. */
  predictedMedian: readonly number[];
  predictedLow: readonly number[];
  predictedHigh: readonly number[];
  /** Cycle life: true (null if unknown), predicted point estimate and interval. */
  lifeTrue: number | null;
  lifePredicted: number;
  lifeLow: number;
  lifeHigh: number;
  synthetic?: boolean;
}

export interface ReportInput {
  title: string;
  /** Key facts shown under the title (model, data, sampler, seed, time). */
  facts: readonly [string, string][];
  /** Metric tables: each has a caption, column headers and rows. */
  tables: readonly { caption: string; header: readonly string[]; rows: readonly (readonly string[])[] }[];
  cells: readonly ReportCurveCell[];
  /** Label of the interval shown as the band, e.g. "5-95 % of 16 samples". */
  intervalLabel: string;
  endOfLifeSoh: number;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'NaN');

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

const xOf = (f: Frame, x: number) =>
  f.left + ((x - f.xMin) / (f.xMax - f.xMin)) * (f.width - f.left - f.right);
const yOf = (f: Frame, y: number) =>
  f.height -
  f.bottom -
  ((Math.min(Math.max(y, f.yMin), f.yMax) - f.yMin) / (f.yMax - f.yMin)) * (f.height - f.top - f.bottom);

/** Polyline path through the finite points, broken where values are NaN. */
function linePath(f: Frame, xs: readonly number[], ys: readonly number[]): string {
  let path = '';
  let pen = false;
  xs.forEach((x, i) => {
    const y = ys[i] as number;
    if (!Number.isFinite(y)) {
      pen = false;
      return;
    }
    path += `${pen ? 'L' : 'M'}${fmt(xOf(f, x))},${fmt(yOf(f, y))}`;
    pen = true;
  });
  return path;
}

function bandPath(f: Frame, xs: readonly number[], low: readonly number[], high: readonly number[]): string {
  const upper = xs.map((x, i) => `${fmt(xOf(f, x))},${fmt(yOf(f, high[i] as number))}`);
  const lower = xs.map((x, i) => `${fmt(xOf(f, x))},${fmt(yOf(f, low[i] as number))}`).reverse();
  return `M${upper.join('L')}L${lower.join('L')}Z`;
}

function axes(
  f: Frame,
  xTicks: readonly number[],
  yTicks: readonly number[],
  xLabel: string,
  yLabel: string,
): string {
  const parts = [
    `<rect x="${f.left}" y="${f.top}" width="${f.width - f.left - f.right}" height="${f.height - f.top - f.bottom}" class="frame"/>`,
  ];
  for (const x of xTicks) {
    const px = fmt(xOf(f, x));
    parts.push(`<line x1="${px}" x2="${px}" y1="${f.top}" y2="${f.height - f.bottom}" class="grid"/>`);
    parts.push(
      `<text x="${px}" y="${f.height - f.bottom + 12}" class="tick" text-anchor="middle">${x}</text>`,
    );
  }
  for (const y of yTicks) {
    const py = fmt(yOf(f, y));
    parts.push(`<line x1="${f.left}" x2="${f.width - f.right}" y1="${py}" y2="${py}" class="grid"/>`);
    parts.push(
      `<text x="${f.left - 4}" y="${py}" class="tick" text-anchor="end" dominant-baseline="middle">${y}</text>`,
    );
  }
  parts.push(
    `<text x="${(f.left + f.width - f.right) / 2}" y="${f.height - 2}" class="label" text-anchor="middle">${xLabel}</text>`,
  );
  parts.push(
    `<text transform="translate(10,${(f.top + f.height - f.bottom) / 2}) rotate(-90)" class="label" text-anchor="middle">${yLabel}</text>`,
  );
  return parts.join('');
}

/** An SOH-vs-cycle panel: frame, title, axes and the end-of-life line, ready for curves and bands. */
function sohPanel(
  cycles: readonly number[],
  title: string,
  endOfLifeSoh: number,
): { f: Frame; head: string } {
  const xMax = cycles[cycles.length - 1] ?? 2560;
  const f: Frame = {
    width: 300,
    height: 190,
    left: 36,
    right: 8,
    top: 20,
    bottom: 30,
    xMin: 0,
    xMax,
    yMin: 60,
    yMax: 105,
  };
  const ticks = [0, 500, 1000, 1500, 2000, 2500].filter((t) => t <= xMax);
  const eol = fmt(yOf(f, endOfLifeSoh));
  const head = [
    `<svg viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="SOH curves: ${escapeHtml(title)}">`,
    `<text x="${f.left}" y="13" class="title">${escapeHtml(title)}</text>`,
    axes(f, ticks, [60, 70, 80, 90, 100], 'cycle', 'SOH %'),
    `<line x1="${f.left}" x2="${f.width - f.right}" y1="${eol}" y2="${eol}" class="eol"/>`,
  ].join('');
  return { f, head };
}

function curvePlot(cell: ReportCurveCell, endOfLifeSoh: number): string {
  const { f, head } = sohPanel(
    cell.cycles,
    `${cell.cellId}${cell.synthetic ? ' (synthetic)' : ''}`,
    endOfLifeSoh,
  );
  return [
    head,
    `<path d="${bandPath(f, cell.cycles, cell.predictedLow, cell.predictedHigh)}" class="band"/>`,
    `<path d="${linePath(f, cell.cycles, cell.predictedMedian)}" class="predicted"/>`,
    cell.referenceSoh ? `<path d="${linePath(f, cell.cycles, cell.referenceSoh)}" class="reference"/>` : '',
    '</svg>',
  ].join('');
}

function lifeScatter(cells: readonly ReportCurveCell[]): string {
  const known = cells.filter((c) => c.lifeTrue !== null);
  if (known.length === 0)
    return '<p>No cell has a known cycle life, so there is no scatter of predicted vs true life.</p>';
  const max = Math.max(...known.flatMap((c) => [c.lifeTrue as number, c.lifeHigh])) * 1.05;
  const f: Frame = {
    width: 420,
    height: 400,
    left: 50,
    right: 12,
    top: 14,
    bottom: 36,
    xMin: 0,
    xMax: max,
    yMin: 0,
    yMax: max,
  };
  const step = max > 2000 ? 500 : max > 800 ? 200 : 100;
  const ticks = Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
  const points = known.map((c) => {
    const x = fmt(xOf(f, c.lifeTrue as number));
    return (
      `<g><title>${escapeHtml(c.cellId)}${c.synthetic ? ' (synthetic)' : ''}: true ${c.lifeTrue}, predicted ${Math.round(c.lifePredicted)} [${Math.round(c.lifeLow)}, ${Math.round(c.lifeHigh)}]</title>` +
      `<line x1="${x}" x2="${x}" y1="${fmt(yOf(f, c.lifeLow))}" y2="${fmt(yOf(f, c.lifeHigh))}" class="interval"/>` +
      `<circle cx="${x}" cy="${fmt(yOf(f, c.lifePredicted))}" r="3" class="${c.synthetic ? 'point synthetic' : 'point'}"/></g>`
    );
  });
  return [
    `<svg viewBox="0 0 ${f.width} ${f.height}" class="scatter" role="img" aria-label="predicted vs true cycle life">`,
    axes(f, ticks, ticks, 'true cycle life', 'predicted cycle life'),
    `<line x1="${fmt(xOf(f, 0))}" y1="${fmt(yOf(f, 0))}" x2="${fmt(xOf(f, max))}" y2="${fmt(yOf(f, max))}" class="diagonal"/>`,
    ...points,
    '</svg>',
  ].join('');
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px} dt{color:#666}
table{border-collapse:collapse;font-size:13px;margin:8px 0} td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3} td:first-child,th:first-child{text-align:left} caption{text-align:left;font-weight:600;padding:4px 0}
.grid-cells{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:8px}
svg{width:100%;height:auto;background:#fff} svg.scatter{max-width:520px}
.frame{fill:none;stroke:#999} .grid{stroke:#eee} .tick{font-size:9px;fill:#555} .label{font-size:10px;fill:#333}
.title{font-size:11px;font-weight:600} .band{fill:#4c8bf5;fill-opacity:.25;stroke:none}
.predicted{fill:none;stroke:#1a56c4;stroke-width:1.4} .reference{fill:none;stroke:#111;stroke-width:1.4}
.eol{stroke:#d33;stroke-dasharray:4 3} .diagonal{stroke:#999;stroke-dasharray:4 3}
.interval{stroke:#4c8bf5;stroke-width:1.5} .point{fill:#1a56c4} .point.synthetic{fill:#fff;stroke:#c55a11;stroke-width:1.5}
.synthetic-banner{background:#fff1e0;border:2px solid #c55a11;padding:8px 12px;font-weight:600;color:#7a3300}
.note{font-size:13px;max-width:900px}
.reference-band{fill:#999;fill-opacity:.3;stroke:none} .band-synthetic{fill:#f39c4a;fill-opacity:.35;stroke:none}
.median-synthetic{fill:none;stroke:#c55a11;stroke-width:1.4;stroke-dasharray:5 2}
.band-other{fill:#2a8a4a;fill-opacity:.25;stroke:none} .median-other{fill:none;stroke:#2a8a4a;stroke-width:1.4}
.legend span{display:inline-block;margin-right:16px;font-size:13px}
.swatch{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:4px}
`;

/** Title, facts, metric tables, an optional synthetic-data banner, then `body`. */
function renderPage(
  input: Pick<ReportInput, 'title' | 'facts' | 'tables'>,
  banner: string | null,
  body: string,
): string {
  const facts = input.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  const tables = input.tables
    .map(
      (t) =>
        `<table><caption>${escapeHtml(t.caption)}</caption><tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>` +
        t.rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('') +
        '</table>',
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(input.title)}</h1>
${banner === null ? '' : `<p class="synthetic-banner">${escapeHtml(banner)}</p>\n`}<dl>${facts}</dl>
${tables}
${body}
</body></html>
`;
}

const swatch = (label: string, style: string) =>
  `<span><i class="swatch" style="${style}"></i>${escapeHtml(label)}</span>`;

export function renderReport(input: ReportInput): string {
  const banner = syntheticBanner(input.cells.map((c) => c.synthetic === true));
  const legend =
    '<p class="legend">' +
    swatch(
      banner === null ? 'measured' : 'reference (measured, or synthetic where marked)',
      'background:#111',
    ) +
    swatch('predicted median', 'background:#1a56c4') +
    swatch(input.intervalLabel, 'background:#4c8bf5;opacity:.4;height:10px') +
    swatch(`end of life (${input.endOfLifeSoh} % SOH)`, 'background:#d33') +
    '</p>';
  return renderPage(
    input,
    banner,
    `<h2>Predicted vs true cycle life</h2>
${lifeScatter(input.cells)}
<h2>SOH curves per cell</h2>
${legend}
<div class="grid-cells">${input.cells.map((c) => curvePlot(c, input.endOfLifeSoh)).join('\n')}</div>`,
  );
}

/** Pointwise median and central band of a set of SOH curves, in percent. */
export interface SohBand {
  median: readonly number[];
  low: readonly number[];
  high: readonly number[];
}

/** One panel of the synthesis figure: a set of curves drawn over the measured reference set. */
export interface SynthesisPanel {
  title: string;
  /** Synthetic sets are drawn in their own colour and labelled synthetic. */
  synthetic: boolean;
  band: SohBand;
}

export interface SynthesisReportInput extends Pick<ReportInput, 'title' | 'facts' | 'tables'> {
  cycles: readonly number[];
  /** The measured cells every panel is compared with (e.g. the held-out test split). */
  reference: { label: string; band: SohBand };
  panels: readonly SynthesisPanel[];
  /** e.g. "10-90 % of curves per cycle". */
  bandLabel: string;
  endOfLifeSoh: number;
  /** Paragraphs under the tables (how to read the numbers). */
  notes: readonly string[];
}

/** Synthetic (or other) curve bands overlaid on the measured reference bands, one panel per set. */
export function renderSynthesisReport(input: SynthesisReportInput): string {
  const { cycles, reference } = input;
  const plots = input.panels.map((panel) => {
    const { f, head } = sohPanel(cycles, panel.title, input.endOfLifeSoh);
    const kind = panel.synthetic ? 'synthetic' : 'other';
    return [
      head,
      `<path d="${bandPath(f, cycles, reference.band.low, reference.band.high)}" class="reference-band"/>`,
      `<path d="${bandPath(f, cycles, panel.band.low, panel.band.high)}" class="band-${kind}"/>`,
      `<path d="${linePath(f, cycles, reference.band.median)}" class="reference"/>`,
      `<path d="${linePath(f, cycles, panel.band.median)}" class="median-${kind}"/>`,
      '</svg>',
    ].join('');
  });
  const legend =
    '<p class="legend">' +
    swatch(`${reference.label}: median`, 'background:#111') +
    swatch(`${reference.label}: ${input.bandLabel}`, 'background:#999;opacity:.5;height:10px') +
    swatch('SYNTHETIC curves: median', 'background:#c55a11') +
    swatch(`SYNTHETIC curves: ${input.bandLabel}`, 'background:#f39c4a;opacity:.5;height:10px') +
    (input.panels.some((panel) => !panel.synthetic)
      ? swatch('measured comparison set: median and band', 'background:#2a8a4a')
      : '') +
    swatch(`end of life (${input.endOfLifeSoh} % SOH)`, 'background:#d33') +
    '</p>';
  const synthetic = input.panels.filter((panel) => panel.synthetic).length;
  return renderPage(
    input,
    synthetic === 0
      ? null
      : `SYNTHETIC DATA: ${synthetic} of the ${input.panels.length} curve sets below were generated by a model, not measured (titles say which)`,
    `${input.notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`).join('\n')}
<h2>SOH curve bands: each set over the ${escapeHtml(reference.label)}</h2>
${legend}
<div class="grid-cells">${plots.join('\n')}</div>`,
  );
}
