#!/usr/bin/env node
// Fails when a test file reads the wall clock: a time bound in a test fails on a loaded machine (CI has
// 2 cores and runs packages in parallel). Speed is measured by the `pnpm bench:*` benchmarks instead.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repositoryFiles } from './repository-files.mjs';

const root = join(import.meta.dirname, '..');
const CLOCK = /\b(performance\.now|Date\.now|process\.hrtime)\s*\(/;

const found = [];
for (const dir of ['packages', 'apps']) {
  for (const file of repositoryFiles(join(root, dir), /\.test\.(ts|mts|js|mjs)$/)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (CLOCK.test(line)) found.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
  }
}
if (found.length > 0) {
  console.error('tests must not read the wall clock (measure speed in a pnpm bench:* benchmark):');
  for (const line of found) console.error(`  ${line}`);
  process.exit(1);
}
