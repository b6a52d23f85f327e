// The CLI's exit-code contract, and the one place an error becomes a code. docs/reference/cli.md shows this table.
import { TollgateError, type ErrorKind } from '../errors.ts';

export const EXIT = { ok: 0, invalid: 1, usage: 2, environment: 3 } as const;

/** The contract in words, for help and the reference. */
export const EXIT_CODES: readonly { code: number; kind: ErrorKind | 'ok'; meaning: string }[] = [
  { code: EXIT.ok, kind: 'ok', meaning: 'done, or nothing wrong was found' },
  {
    code: EXIT.invalid,
    kind: 'invalid',
    meaning:
      'the thing checked is wrong or a rule refused the operation: validation failed, the gate would fail, a promotion or rollback was refused, an unknown model',
  },
  {
    code: EXIT.usage,
    kind: 'usage',
    meaning:
      'usage error: unknown command or option, missing or extra argument, a bad option value, a path that does not exist',
  },
  {
    code: EXIT.environment,
    kind: 'environment',
    meaning:
      'environment error: not a git repository, no registry folder, a dirty registry folder, git, network or GitHub failure',
  },
];

const SYSTEM_ERRORS = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EISDIR',
  'ENOSPC',
  'EROFS',
  'EMFILE',
]);

/** The exit code for an error a command threw. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof TollgateError) return EXIT[error.kind];
  const code = (error as { code?: unknown } | null)?.code;
  // The file system or a process refused: the environment, not the input.
  if (typeof code === 'string' && SYSTEM_ERRORS.has(code)) return EXIT.environment;
  // js-yaml and friends: the input is wrong.
  if (error instanceof Error && /YAMLException|SyntaxError/.test(error.name)) return EXIT.invalid;
  // Anything else is a failure Tollgate did not foresee: not the user's input, so not 1 or 2.
  return EXIT.environment;
}
