/** Where in a user's input a problem was found, so messages can point at it. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  field?: string;
}

/**
 * An error caused by the user's input or environment (a bad file, a wrong option, a missing dataset).
 * The CLI prints these as one line without a stack trace; anything else is a bug and keeps its stack.
 */
export class DiffBattError extends Error {
  readonly location: ErrorLocation;

  constructor(message: string, location: ErrorLocation = {}) {
    super(formatLocated(message, location));
    this.name = 'DiffBattError';
    this.location = location;
  }
}

/** A dataset file or directory that cannot be read as claimed. */
export class DatasetError extends DiffBattError {
  constructor(message: string, location: ErrorLocation = {}) {
    super(message, location);
    this.name = 'DatasetError';
  }
}

/** C0 and C1 control characters (tab excepted) and DEL: never printed raw. */
const CONTROL = /(?!\t)\p{Cc}/gu;

/**
 * Messages quote file names and cell contents, which may hold anything (a binary file read as CSV): control
 * characters are written as `\xNN` so that a message stays one line and cannot drive the user's terminal.
 */
function printable(text: string): string {
  return text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function formatLocated(message: string, { file, line, field }: ErrorLocation): string {
  const where = [
    file,
    line === undefined ? undefined : `line ${line}`,
    field === undefined ? undefined : `field "${field}"`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  return printable(where ? `${where}: ${message}` : message);
}

export function isDiffBattError(error: unknown): error is DiffBattError {
  return error instanceof DiffBattError;
}
