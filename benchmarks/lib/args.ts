/** Command-line handling shared by the benchmark scripts: one-line usage errors, checked number lists. */

/** A benchmark's usage error: one line, no stack trace. */
export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** `--name a,b,c` as numbers, each passing `isValid` (described as `what` in the error). */
export function numberList(
  name: string,
  text: string,
  isValid: (value: number) => boolean,
  what: string,
): number[] {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (text.trim() === '' || !values.every(isValid)) {
    fail(`--${name} must be a comma-separated list of ${what}, got "${text}"`);
  }
  return values;
}

export const isCount = (value: number) => Number.isInteger(value) && value >= 0;
