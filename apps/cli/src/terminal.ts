/** Everything the CLI writes goes through here: results to stdout, messages and progress to stderr. */

const isTty = () => Boolean(process.stderr.isTTY);

export interface ProgressBar {
  /** May be raised once the real amount of work is known. */
  total: number;
  update(done: number, detail?: string): void;
  finish(detail?: string): void;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** C0 and C1 control characters (DEL too) other than tab and newline. */
const CONTROL = /(?![\t\n])\p{Cc}/gu;
const escapeControl = (char: string) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * Text as the terminal may receive it: cell ids, file names and messages come from the user's files and
 * may hold anything (NUL, escape sequences that recolour or clear the terminal); control characters other
 * than tab and newline are written as `\xNN`.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeControl);
}

/** One table cell or list item: a newline is escaped too, so that it cannot break the row. */
export function printableInline(text: string): string {
  return printable(text).replace(/\n/g, escapeControl);
}

/** Set when a result file goes to stdout (`--json -`): the human-readable results then go to stderr. */
let stdoutReserved = false;

export const terminal = {
  /** Human-readable results (on stderr while a machine-readable result holds stdout). */
  out(text: string): void {
    const line = printable(text);
    (stdoutReserved ? process.stderr : process.stdout).write(line.endsWith('\n') ? line : `${line}\n`);
  },
  reserveStdout(): void {
    stdoutReserved = true;
  },
  info(text: string): void {
    process.stderr.write(`${printable(text)}\n`);
  },
  error(text: string): void {
    process.stderr.write(`diffbatt: error: ${printable(text)}\n`);
  },
  /**
   * A progress bar with rate and ETA on a terminal; occasional plain lines when output is a file. `start`
   * is work already done before this process (a resumed run).
   */
  progress(rawLabel: string, total: number, start = 0): ProgressBar {
    const label = printableInline(rawLabel);
    const started = performance.now();
    let lastPlain = 0;
    let lastPlainLine = '';
    const bar: ProgressBar = {
      total,
      update: (done, detail) => render(done, detail, false),
      finish: (detail) => render(bar.total, detail, true),
    };
    function render(done: number, detail: string | undefined, final: boolean) {
      const total = bar.total;
      const elapsed = (performance.now() - started) / 1000;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      // Rate from the work done in this process, so a resumed run's ETA is right.
      const eta = done > start ? (elapsed / (done - start)) * (total - done) : Number.NaN;
      const tail = `${done}/${total} ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}${detail ? ` ${detail}` : ''}`;
      if (isTty()) {
        const width = 24;
        const filled = Math.round(fraction * width);
        process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${tail}\x1b[K`);
        if (final) process.stderr.write('\n');
      } else if (final || elapsed - lastPlain >= 10) {
        // In a log, the final line repeats the last periodic one only when something changed.
        const line = `${label} ${done}/${total}${detail ? ` ${detail}` : ''}`;
        if (final && line === lastPlainLine) return;
        lastPlain = elapsed;
        lastPlainLine = line;
        process.stderr.write(`${label} ${tail}\n`);
      }
    }
    return bar;
  },
};
