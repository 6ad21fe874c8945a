export { readCycleData, readTimeseries } from './cells.js';
export { batteryArchiveDatasetPlugin, readArchiveCell } from './plugin.js';
