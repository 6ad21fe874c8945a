import { DatasetError, type ErrorLocation } from '@diffbatt/core';
import { type Type, type } from 'arktype';
import { toPlain } from './plain.js';
import type { MatFile } from './types.js';

/**
 * Checks plain MAT values against an arktype schema before a loader reads them, so a file with missing or
 * mistyped fields fails with every problem listed (with paths such as `cycle[3].data.Capacity`) instead of
 * producing wrong numbers.
 */
export function validatePlain<S extends Type>(
  schema: S,
  value: unknown,
  location: ErrorLocation,
): S['infer'] {
  const result = schema(value);
  if (result instanceof type.errors) {
    throw new DatasetError(`unexpected structure: ${result.summary.split('\n').join('; ')}`, location);
  }
  return result as S['infer'];
}

/** The variable `name` of `file` as plain values checked against `schema`; names file and variable on error. */
export function readVariable<S extends Type>(
  file: MatFile,
  fileName: string,
  name: string,
  schema: S,
): S['infer'] {
  const value = file.variables.get(name);
  if (value === undefined) {
    const present = [...file.variables.keys()].join(', ') || '(none)';
    throw new DatasetError(`has no variable "${name}" (variables: ${present})`, {
      file: fileName,
      field: name,
    });
  }
  return validatePlain(schema, toPlain(value), { file: fileName, field: name });
}
