import { diffbattVitestConfig } from '../../vitest.shared.js';

export default diffbattVitestConfig();
