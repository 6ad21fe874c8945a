export { type RwthTest, readTest, rwthCellFromTests, testFolders } from './cell.js';
export { type RwthCellMetadata, readRwthMetadata } from './metadata.js';
export { rwthDatasetPlugin } from './plugin.js';
