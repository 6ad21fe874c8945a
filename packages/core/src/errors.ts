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

function formatLocated(message: string, { file, line, field }: ErrorLocation): string {
  const where = [
    file,
    line === undefined ? undefined : `line ${line}`,
    field === undefined ? undefined : `field "${field}"`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  return where ? `${where}: ${message}` : message;
}

export function isDiffBattError(error: unknown): error is DiffBattError {
  return error instanceof DiffBattError;
}
