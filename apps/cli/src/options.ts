import { type } from 'arktype';

/** A command-line option with a bad value; printed as one line naming the option. */
export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Validates parsed options against an arktype schema. Error messages name the option as the user typed
 * it (`--steps must be ...`), not the internal property.
 */
export function parseOptions<T extends type.Any>(schema: T, raw: unknown): T['infer'] {
  const result = schema(raw);
  if (result instanceof type.errors) {
    const first = result[0];
    const key = first?.path[0];
    const message = first ? first.message.replace(/^[^ ]+ must/, 'must') : result.summary;
    throw new OptionError(key === undefined ? message : `option --${kebab(String(key))} ${message}`);
  }
  return result as T['infer'];
}

/**
 * An integer option (commander hands over strings) in `[min, max]`. Integers beyond 2^53 are refused:
 * JavaScript cannot hold them exactly (a seed of 1e20 would silently alias another).
 */
export const integerText = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  type('string')
    .pipe((s, ctx) => {
      if (!/^-?\d+$/.test(s.trim())) return ctx.error('an integer');
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : ctx.error(`an integer of at most ${Number.MAX_SAFE_INTEGER}`);
    })
    .pipe(type(`number >= ${min}`))
    .pipe(type(`number <= ${max}`));

/**
 * A directory option (a run or model directory): `-` means standard output for the file options, which
 * cannot hold a directory, so it is refused instead of creating a directory named `-`.
 */
export const directoryText = type('string > 0').narrow(
  (path, ctx) =>
    path !== '-' || ctx.mustBe('a directory path (- means standard output, which cannot hold a directory)'),
);

/** A finite number option. */
export const numberText = type('string').pipe((s, ctx) => {
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) ? n : ctx.error('a number');
});

/**
 * A comma-separated list of distinct numbers that each pass `valid` (`0,1,3` -> [0, 1, 3]); `expected`
 * describes a valid list, `noun` its items (for "a list without repeated <noun>").
 */
export const numberListText = (valid: (value: number) => boolean, expected: string, noun: string) =>
  type('string').pipe((text, ctx) => {
    const parts = text.split(',').map((part) => part.trim());
    const values = parts.map(Number);
    if (parts.some((part) => part === '') || !values.every(valid)) return ctx.error(expected);
    if (new Set(values).size !== values.length) return ctx.error(`a list without repeated ${noun}`);
    return values;
  });
