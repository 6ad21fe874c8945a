export { readCellFile } from './cell-file.js';
export { readFig4Cells } from './fig4.js';
export { chargePolicy } from './metadata.js';
export { cloDatasetPlugin } from './plugin.js';
