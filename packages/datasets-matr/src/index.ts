export {
  ARBIN_COLUMNS,
  ARBIN_MAX_HELD_SAMPLES,
  ARBIN_TIME_SERIES_CYCLES,
  type ArbinReadOptions,
  readArbinCell,
  readArbinCycles,
} from './arbin.js';
export { DEFAULT_CURVE_CYCLES, readMatrBatch } from './batch-mat.js';
export { MATR_SOURCE, matrCell, parseChargePolicy } from './matr-cell.js';
export { loadMatrCells, matrDatasetPlugin } from './plugin.js';
export { QDLIN_VOLTAGES, readSeversonSplit } from './severson.js';
