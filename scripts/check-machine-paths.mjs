#!/usr/bin/env node
// Fails when a committed result, model card or document names a path of the machine it was made on
// (/tmp/..., /home/..., /work/...): results must name paths relative to the repository, so they mean the
// same on a user's clone. Benchmark scripts write relative paths; this keeps a stray absolute one out.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repositoryFiles } from './repository-files.mjs';

const root = join(import.meta.dirname, '..');
const MACHINE_PATH = /(?<![\w.])\/(?:tmp|home|root|work|Users)\/[\w.-]/;
const DOCUMENTS = /\.(json|md|csv|html|txt|ya?ml)$/;
/** The committed documents (git's list in a checkout; else every document outside ignored-by-design folders). */
function committedDocuments() {
  try {
    const listed = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    return listed
      .split('\0')
      .filter((file) => DOCUMENTS.test(file))
      .map((file) => join(root, file));
  } catch {
    return [...repositoryFiles(root, DOCUMENTS)];
  }
}

const found = [];
for (const file of committedDocuments()) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the working tree
  }
  text.split('\n').forEach((line, i) => {
    if (MACHINE_PATH.test(line)) found.push(`${relative(root, file)}:${i + 1}: ${line.trim().slice(0, 160)}`);
  });
}
if (found.length > 0) {
  console.error(
    "committed documents must not name this machine's paths (write them relative to the repository):",
  );
  for (const line of found) console.error(`  ${line}`);
  process.exit(1);
}
