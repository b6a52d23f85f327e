// What `tollgate doctor` reports: one finding per weakness in a repository's set-up, each saying what attack it
// opens and the exact setting (or command) that closes it. Plain data, shared by the analyzers and the renderer.

export type FindingSeverity =
  /** A weakness: a writer can get around the gate, or forge what it decides. Exit 1. */
  | 'weakness'
  /** The token could not read a setting, so doctor cannot say it holds. Exit 1: unproven is not secure. */
  | 'unreadable'
  /** Worth knowing, not a way around the gate (a setting Tollgate's jobs need, a tag pin of Tollgate's own). */
  | 'note';

export interface Finding {
  /** Stable id for scripts and tests, e.g. `app-key-without-environment`. */
  id: string;
  severity: FindingSeverity;
  /** Which setting or file: `ruleset "tollgate"`, `.github/workflows/x.yml job build`. */
  where: string;
  /** What is wrong, in one sentence. */
  problem: string;
  /** What a writer (not an admin) can do because of it. */
  attack: string;
  /** The exact setting, file change or command that closes it. */
  fix: string;
}

/** 1 when anything but notes was found, else 0. */
export function doctorExitCode(findings: readonly Finding[]): 0 | 1 {
  return findings.some((f) => f.severity !== 'note') ? 1 : 0;
}

export const INIT_APPLY =
  'run `tollgate init --apply --app-id ID` (needs a token with Administration: write)';
