export {
  CELL_SCHEMA_VERSION,
  type Cell,
  type Cycle,
  type CycleTimeSeries,
  type CyclingProtocol,
  cellSchema,
  cycleSchema,
  cycleTimeSeriesSchema,
  cyclingProtocolSchema,
  type DischargeCurve,
  dischargeCurveSchema,
} from './cell.js';
export { crc32c, maskCrc } from './crc32c.js';
export { type BlankCells, type CsvOptions, CsvTable, parseCsv, readCsv } from './csv.js';
export { CsvColumns, parseCsvNumber } from './csv-columns.js';
export { type CsvRowHandler, type CsvStreamOptions, type CsvStreamSummary, streamCsv } from './csv-stream.js';
export { CycleSamples } from './cycle-samples.js';
export {
  DATASET_FILE_EXTENSION,
  DATASET_FILE_VERSION,
  type DatasetFileMeta,
  decodeDatasetFile,
  encodeDatasetFile,
  readDatasetFile,
  writeDatasetFile,
} from './dataset-file.js';
export { DatasetError, DiffBattError, type ErrorLocation, isDiffBattError } from './errors.js';
export {
  type CapacityFade,
  type CapacityFadeOptions,
  type CapacityMatrixOptions,
  type CapacityMatrixResult,
  type CellInspection,
  capacityFade,
  capacityMatrix,
  cycleDischargeCapacity,
  DISCHARGE_CURRENT_THRESHOLD_IN_A,
  END_OF_LIFE_FRACTION,
  encodeSohCurve,
  type FeaturiseOptions,
  featuriseCell,
  inspectCell,
  inspectSample,
  MIN_DISCHARGE_CURVE_SAMPLES,
  PLAUSIBLE_VOLTAGE_RANGE_IN_V,
  plausibleSample,
  sohCurveSummary,
} from './featurise.js';
export { atomicWriteTarget, makeDirectory, writeFileAtomic } from './fs.js';
export { inputFileSize } from './input-file.js';
export { type CapacityPoint, endOfLifeCycle } from './life.js';
export { encodeNpyFloat32, type NpyArray, parseNpy } from './npy.js';
export type { DatasetPlugin, DatasetRecord, LoadOptions, LoadProgress } from './plugin.js';
export {
  decodeFields,
  expectVarint,
  type ProtoField,
  ProtoMessage,
  type ProtoSource,
  readVarint,
} from './protobuf.js';
export { type RandomState, SeededRandom } from './random.js';
export { createDatasetRegistry, type DatasetRegistry } from './registry.js';
export {
  assertValidSample,
  CAPACITY_MATRIX_ROWS,
  CAPACITY_MATRIX_VOLTAGE_POINTS,
  type CapacityMatrixRows,
  CYCLES_PER_SOH_POINT,
  type ModelSample,
  SAMPLE_VALUE_LIMITS,
  SOH_CURVE_LENGTH,
  SOH_CURVE_PADDING,
} from './sample.js';
