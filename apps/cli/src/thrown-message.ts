/**
 * The first line of what user code (a plugin module, a config file) threw: printed as one line, without
 * a stack, since the fault is in that code and not in the CLI.
 */
export function thrownMessage(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0]!;
}
