// The validate use case, shared by `tollgate validate` and the validate action: which registry files to check
// (all, the paths given, or what changed since a base), the schema and cross-file checks, and the append-only
// rule for audit events. The faces choose the scope and render the problems.
import { resolve } from 'node:path';
import type { MergeGroupEvent, PullRequestEvent } from '@octokit/webhooks-types';
import { TollgateError } from '../errors.ts';
import { changedPaths, WORKTREE } from '../git/history.ts';
import { gitTreeReader } from '../git/reader.ts';
import { git } from '../git/run.ts';
import { auditEventsRewritten, validateRegistry } from './invariants.ts';
import { fileSystemReader, sortProblems } from './load.ts';
import type { Problem, RegistryReader } from './types.ts';

export type ValidateScope =
  | { kind: 'all' }
  /** Registry-relative files or folders. */
  | { kind: 'paths'; paths: string[] }
  /** What the commits since `base` changed (`base...HEAD`): a pull request's or merge group's files. */
  | { kind: 'changed'; base: string }
  /** What differs between `ref` and the working tree, uncommitted and untracked files included. */
  | { kind: 'since'; ref: string };

export interface ValidateRequest {
  /** Repository-relative registry folder, e.g. `registry`. */
  registryPath: string;
  scope: ValidateScope;
}

export interface ValidateResult {
  /** How many registry files were checked. */
  files: number;
  problems: Problem[];
  errors: number;
  warnings: number;
  /** Cross-file checks skipped because the file they refer to failed to parse (its own error says why). */
  skipped: number;
}

export function countProblems(problems: Problem[]): { errors: number; warnings: number } {
  const errors = problems.filter((p) => p.severity === 'error').length;
  return { errors, warnings: problems.length - errors };
}

/** Registry-relative paths from `git diff --name-only` output (repository-relative, one a line). */
export function changedRegistryPaths(diffOutput: string, registryPath: string): string[] {
  const prefix = `${registryPath.replace(/^\.\/|\/+$/g, '')}/`;
  return diffOutput
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))
    .sort();
}

/** At least this many files before validation reports its progress: below it, it is done before anyone waits. */
export const PROGRESS_FROM_FILES = 2000;

/**
 * A reader that tells `onProgress` every tenth of the way through what `list` announced, once the registry is large
 * enough to be worth it: how a long validation says it is still working without changing its output.
 */
export function progressReader(
  reader: RegistryReader,
  onProgress: (message: string) => void,
  from = PROGRESS_FROM_FILES,
): RegistryReader {
  let total = 0;
  let read = 0;
  let reported = 0; // tenths
  return {
    label: reader.label,
    async list(dir) {
      const paths = await reader.list(dir);
      if (dir === '') total = paths.length;
      return paths;
    },
    async read(path) {
      const bytes = await reader.read(path);
      read++;
      const tenth = total >= from && read <= total ? Math.floor((read * 10) / total) : 0;
      if (tenth > reported) {
        reported = tenth;
        onProgress(`validate: ${read}/${total} files read`);
      }
      return bytes;
    },
  };
}

/** Checks the registry in the checkout at `repoRoot` (git: the base's tree, and what changed since it). */
export async function validateFlow(
  request: ValidateRequest,
  ports: { repoRoot: string; onProgress?: (message: string) => void },
): Promise<ValidateResult> {
  const { repoRoot } = ports;
  const registryPath = request.registryPath.replace(/^\.\/|\/+$/g, '') || '.';
  const onDisk = fileSystemReader(resolve(repoRoot, registryPath));
  const reader = ports.onProgress ? progressReader(onDisk, ports.onProgress) : onDisk;
  const { scope } = request;
  let paths: string[] | undefined;
  let rewritten: Problem[] = [];
  // An audit event that existed at the base must be byte-identical now: audit records are append-only.
  const rewrittenSince = async (base: string, candidates: string[]) => {
    const before = gitTreeReader(repoRoot, base, registryPath);
    try {
      return await auditEventsRewritten(before, reader, candidates);
    } finally {
      before.close();
    }
  };
  if (scope.kind === 'changed') {
    // Raw: only the names; simple-git's diffSummary counts the changed lines of every file too.
    const diff = await git(repoRoot, ['diff', '--name-only', '--no-renames', `${scope.base}...HEAD`]).catch(
      (error) => {
        throw new TollgateError(`cannot compare with ${scope.base}: ${(error as Error).message}`, {
          fix: 'check out with `fetch-depth: 0` (actions/checkout) so the base commit is present',
          cause: error,
        });
      },
    );
    paths = changedRegistryPaths(diff, registryPath);
    rewritten = await rewrittenSince(scope.base, paths);
  } else if (scope.kind === 'since') {
    const prefix = `${registryPath}/`;
    const changes = (await changedPaths(repoRoot, scope.ref, WORKTREE)).filter((c) => c.path.startsWith(prefix));
    const relative = (path: string) => path.slice(prefix.length);
    paths = changes.filter((c) => c.status !== 'D').map((c) => relative(c.path));
    const all = changes
      .flatMap((c) => [c.path, ...(c.oldPath?.startsWith(prefix) ? [c.oldPath] : [])])
      .map(relative);
    rewritten = await rewrittenSince(scope.ref, all);
  } else if (scope.kind === 'paths') {
    paths = [];
    for (const path of scope.paths) {
      const below = await reader.list(path);
      paths.push(...(below.length > 0 ? below : [path]));
    }
  }
  const files = paths?.length ?? (await reader.list('')).length;
  let skipped = 0;
  const onSkipped = (count: number) => (skipped = count);
  const problems = sortProblems([
    ...rewritten,
    ...(await validateRegistry(reader, paths ? { paths, onSkipped } : { onSkipped })),
  ]);
  return { files, problems, ...countProblems(problems), skipped };
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'merge_group']);

/** `auto` means the changed files on pull requests and merge groups, the whole registry otherwise. */
export function chooseScope(input: string, eventName: string): 'changed' | 'all' {
  const scope = input.trim() || 'auto';
  if (scope === 'changed' || scope === 'all') return scope;
  if (scope === 'auto') return PULL_REQUEST_EVENTS.has(eventName) ? 'changed' : 'all';
  throw new TollgateError(`input "scope" must be auto, changed or all, not "${scope}"`, { field: 'scope' });
}

/** The base to compare with: the input, else the pull request's or merge group's base sha. */
export function baseOf(input: string, payload: object): string | undefined {
  if (input.trim()) return input.trim();
  const event = payload as Partial<Pick<PullRequestEvent, 'pull_request'> & Pick<MergeGroupEvent, 'merge_group'>>;
  return event.pull_request?.base?.sha ?? event.merge_group?.base_sha;
}

/** The scope the validate action's inputs and event ask for. */
export function actionScope(
  inputs: { scope: string; base: string },
  eventName: string,
  payload: object,
): ValidateScope {
  if (chooseScope(inputs.scope, eventName) === 'all') return { kind: 'all' };
  const base = baseOf(inputs.base, payload);
  if (!base)
    throw new TollgateError('scope "changed" needs a base to compare with', {
      fix: 'run on pull_request, or set the `base` input (e.g. origin/main)',
    });
  return { kind: 'changed', base };
}

const cell = (text: string | undefined): string => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, '<br>');

/** The validate action's job summary: what was checked and a table of every problem. */
export function summaryMarkdown(
  problems: Problem[],
  checked: { files: number; scope: 'changed' | 'all'; registryPath: string },
): string {
  const { errors, warnings } = countProblems(problems);
  const what = checked.scope === 'changed' ? 'changed registry file(s)' : 'registry file(s)';
  const lines = [
    '## Tollgate validate',
    '',
    `Checked ${checked.files} ${what} in \`${checked.registryPath}\`: ${errors} error(s), ${warnings} warning(s).`,
    '',
  ];
  if (problems.length === 0) return [...lines, 'No problems found.', ''].join('\n');
  lines.push('| | File | Line | Problem | Fix |', '| --- | --- | --- | --- | --- |');
  for (const p of problems) {
    const icon = p.severity === 'error' ? '❌' : '⚠️';
    lines.push(`| ${icon} | \`${cell(p.file)}\` | ${p.line ?? ''} | ${cell(p.message)} | ${cell(p.fix)} |`);
  }
  return [...lines, ''].join('\n');
}
