export {
  type ReportCurveCell,
  type ReportInput,
  renderReport,
  renderSynthesisReport,
  type SohBand,
  type SynthesisPanel,
  type SynthesisReportInput,
} from './html-report.js';
export { reportCell } from './report-cell.js';
export {
  formatMarkedScoreTable,
  formatProvenanceSummary,
  markedCellId,
  type ProvenanceSummary,
  summariseProvenance,
  syntheticBanner,
  syntheticJsonFields,
  UNCONDITIONAL_SOURCE,
} from './synthetic.js';
