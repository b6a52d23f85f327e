// One error type for everything a user can act on. Shells print `message` and `fix` and exit non-zero.

/**
 * What went wrong, which decides the CLI's exit code (src/cli/exit-codes.ts is the one mapping):
 * - `invalid` (the default): the thing checked is wrong, or a rule refused the operation;
 * - `usage`: the command line is wrong (bad option, missing or extra argument, unknown command);
 * - `environment`: the surroundings are (not a git repository, no registry, git or network failure).
 */
export type ErrorKind = 'invalid' | 'usage' | 'environment';

export interface ErrorDetails {
  /** Decides the exit code; `invalid` when not given. */
  kind?: ErrorKind;
  /** What the user should do about it. */
  fix?: string;
  /** The file (repository- or registry-relative), line and field the error is about, when there is one. */
  file?: string;
  line?: number;
  field?: string;
  cause?: unknown;
}

export class TollgateError extends Error {
  readonly fix?: string;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly kind: ErrorKind;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TollgateError';
    this.fix = details.fix;
    this.file = details.file;
    this.line = details.line;
    this.field = details.field;
    this.kind = details.kind ?? 'invalid';
  }
}

/** A one-paragraph rendering for terminals and job summaries: where, what, and what to do. */
export function describeError(error: unknown): string {
  if (!(error instanceof TollgateError)) return error instanceof Error ? error.message : String(error);
  const where = error.file
    ? `${error.file}${error.line ? `:${error.line}` : ''}${error.field ? ` (${error.field})` : ''}: `
    : '';
  return `${where}${error.message}${error.fix ? `\n  fix: ${error.fix}` : ''}`;
}
