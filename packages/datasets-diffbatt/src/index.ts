export { diffbattDatasetPlugin } from './plugin.js';
