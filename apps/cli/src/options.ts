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

/** An integer option (commander hands over strings) of at least `min`. */
export const integerText = (min: number) =>
  type('string')
    .pipe((s, ctx) => (/^-?\d+$/.test(s.trim()) ? Number(s) : ctx.error('an integer')))
    .pipe(type(`number >= ${min}`));

/** A finite number option. */
export const numberText = type('string').pipe((s, ctx) => {
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) ? n : ctx.error('a number');
});
