import { defineConfig } from 'vitest/config';

/** Shared vitest settings: tests sit next to the code and run against the TypeScript sources. */
export function diffbattVitestConfig(options: { integration?: boolean } = {}) {
  return defineConfig({
    resolve: { conditions: ['@diffbatt/source'] },
    ssr: { resolve: { conditions: ['@diffbatt/source'] } },
    test: {
      include: options.integration ? ['src/**/*.integration.test.ts'] : ['src/**/*.test.ts'],
      exclude: options.integration ? [] : ['src/**/*.integration.test.ts', '**/node_modules/**'],
      testTimeout: options.integration ? 600_000 : 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
    },
  });
}
