export { hustDatasetPlugin, tjuDatasetPlugin } from './plugin.js';
