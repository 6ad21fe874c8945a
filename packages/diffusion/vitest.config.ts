import { mergeConfig } from 'vitest/config';
import { diffbattVitestConfig } from '../../vitest.shared.js';

export default mergeConfig(diffbattVitestConfig(), { test: { setupFiles: ['./vitest.setup.ts'] } });
