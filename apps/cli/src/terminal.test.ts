import { afterEach, describe, expect, it, vi } from 'vitest';
import { printableInline, terminal } from './terminal.js';

describe('progress bar in a log (not a terminal)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints every 10 s with a rate from this run only, and does not repeat an unchanged last line', () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const bar = terminal.progress('train', 200, 100);
    now = 5_000;
    bar.update(110, 'loss 0.5');
    now = 10_000;
    bar.update(120, 'loss 0.4');
    now = 20_000;
    bar.update(200, 'loss 0.3');
    bar.finish('loss 0.3');
    expect(lines).toEqual([
      'train 120/200 10s elapsed, ETA 40s loss 0.4\n',
      'train 200/200 20s elapsed, ETA 0s loss 0.3\n',
    ]);
  });
});

describe('printable terminal text', () => {
  afterEach(() => vi.restoreAllMocks());

  it('escapes NUL, escape sequences and other control characters from user files, keeping lines', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    terminal.out('cell evil\u0000\u001b[31mRED\u001b[0m\u0007\tok\nnext line');
    expect(written).toEqual(['cell evil\\x00\\x1b[31mRED\\x1b[0m\\x07\tok\nnext line\n']);
    expect(printableInline('a\nb\u009bc')).toBe('a\\x0ab\\x9bc');
  });
});
