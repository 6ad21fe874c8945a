export {
  CAPACITY_CUTOFF_IN_V,
  coulombCount,
  LOAD_CURRENT_IN_A,
  loadedDischargeCurve,
  NASA_NOMINAL_CAPACITY_IN_AH,
  nasaCellFromFile,
} from './battery.js';
export { capacitySeriesCell } from './capacity-series.js';
export { nasaDatasetPlugin } from './plugin.js';
