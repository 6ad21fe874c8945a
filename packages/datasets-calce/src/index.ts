export { type ArbinSession, readArbinSession } from './arbin-workbook.js';
export type { SessionCycle } from './cycles.js';
export { keepNonOutlierCycles, medianFilter } from './outliers.js';
export {
  type CleanCycle,
  type CleanedSessions,
  calceCell,
  calceDatasetPlugin,
  cleanSessions,
} from './plugin.js';
