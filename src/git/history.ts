// History queries: shallow-clone detection, refs, changed paths and the commits (with trailers) that touched paths.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TollgateError } from '../errors.ts';
import { fromGitError, gitClient, GitError } from './client.ts';
import { git, runGit } from './run.ts';

/**
 * Whether the clone is shallow. A clone is shallow exactly when its (common) git directory holds a `shallow` file,
 * which the file system answers without starting git (history readers ask this on every call); anything unusual
 * (a subfolder, a bare repository) is left to git itself.
 */
export async function isShallow(repoRoot: string): Promise<boolean> {
  try {
    const dotGit = join(repoRoot, '.git');
    let common = dotGit;
    if (statSync(dotGit).isFile()) {
      // A linked worktree or submodule: `.git` names the git directory, whose `commondir` names the shared one.
      const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (!m) throw new Error('unreadable .git file');
      const gitDir = resolve(repoRoot, m[1]!.trim());
      common = existsSync(join(gitDir, 'commondir'))
        ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim())
        : gitDir;
    }
    if (!existsSync(join(common, 'HEAD'))) throw new Error('not a git directory');
    return existsSync(join(common, 'shallow'));
  } catch {
    return (await git(repoRoot, ['rev-parse', '--is-shallow-repository'])) === 'true';
  }
}

/** Rollback, evidence and the integrity audit read history; a depth-1 checkout would silently give wrong answers. */
export async function assertFullHistory(repoRoot: string): Promise<void> {
  if (!(await isShallow(repoRoot))) return;
  throw new TollgateError(`${repoRoot} is a shallow clone: Tollgate needs the full git history here`, {
    fix: 'check out with `actions/checkout` and `fetch-depth: 0`, or run `git fetch --unshallow`',
  });
}

/** The commit a ref names, as a full sha; undefined when it names none (or `repoRoot` is no repository). */
export async function commitOf(repoRoot: string, ref: string): Promise<string | undefined> {
  try {
    // --quiet: a ref that names no commit exits 1 with no output, which simple-git hands back as ''.
    const sha = await gitClient(repoRoot).revparse([
      '--verify',
      '--quiet',
      '--end-of-options',
      `${ref}^{commit}`,
    ]);
    return sha === '' ? undefined : sha;
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/**
 * The short name of the checked-out branch, also an unborn one (a repository with no commit yet); '' for a
 * detached HEAD or no repository. Raw: simple-git has no symbolic-ref call, and its branch list omits an unborn one.
 */
export async function checkedOutBranch(repoRoot: string): Promise<string> {
  return git(repoRoot, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '');
}

/**
 * Fields of the one commit `rev` names, each a pretty-format placeholder (`{ at: '%cI', title: '%s' }`), from
 * simple-git's typed log.
 */
export async function commitFields<T extends Record<string, string>>(
  repoRoot: string,
  rev: string,
  format: T,
): Promise<T> {
  const { latest } = await gitClient(repoRoot)
    .log<T>({ format, maxCount: 1, [rev]: null })
    .catch((error: unknown) => {
      throw fromGitError(error, `git log ${rev}`, repoRoot);
    });
  if (!latest) throw new TollgateError(`no commit named "${rev}" in ${repoRoot}`);
  return latest;
}

/** The commit a ref names, as a full sha. */
export async function resolveRef(repoRoot: string, ref: string): Promise<string> {
  const sha = await commitOf(repoRoot, ref);
  if (sha === undefined) {
    throw new TollgateError(`no commit named "${ref}" in ${repoRoot}`, {
      fix: 'check the spelling, or fetch it first (`git fetch origin <ref>`)',
    });
  }
  return sha;
}

/** The best common ancestor of two refs, or undefined when they share no history. */
export async function mergeBase(repoRoot: string, a: string, b: string): Promise<string | undefined> {
  // Raw: exit 1 (no common ancestor) is an answer, which simple-git would make an error.
  const result = await runGit(repoRoot, ['merge-base', '--end-of-options', a, b], { okCodes: [1] });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
export async function isAncestor(repoRoot: string, ancestor: string, descendant: string): Promise<boolean> {
  // Raw: the exit code is the answer (0 yes, 1 no), which simple-git would make an error.
  const result = await runGit(repoRoot, ['merge-base', '--is-ancestor', ancestor, descendant], {
    okCodes: [1],
  });
  return result.code === 0;
}

export interface ChangedPath {
  /** A added, M modified, D deleted, R renamed (from oldPath), T type changed, C copied. */
  status: 'A' | 'M' | 'D' | 'R' | 'T' | 'C';
  path: string;
  oldPath?: string;
}

/** The literal ref `WORKTREE` stands for the working tree (tracked changes plus untracked, unignored files). */
export const WORKTREE = 'WORKTREE';

/**
 * Files that differ between `base` and `head` (a commit, or WORKTREE), renames detected. Sorted by path.
 * Compares the two trees directly; pass mergeBase(...) as base for "what this branch changed".
 */
export async function changedPaths(repoRoot: string, base: string, head: string): Promise<ChangedPath[]> {
  const args = ['diff', '--name-status', '-z', '-M', '--no-ext-diff'];
  const range = head === WORKTREE ? [base] : [base, head];
  const out = await git(repoRoot, [...args, '--end-of-options', ...range, '--']);
  const changes = parseNameStatus(out);
  if (head === WORKTREE) {
    const untracked = await git(repoRoot, ['ls-files', '--others', '--exclude-standard', '-z']);
    const known = new Set(changes.map((c) => c.path));
    for (const path of untracked.split('\0')) {
      if (path !== '' && !known.has(path)) changes.push({ status: 'A', path });
    }
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Parses `git diff --name-status -z`: status NUL path [NUL new-path for R/C]. */
export function parseNameStatus(out: string): ChangedPath[] {
  const fields = out.split('\0');
  const changes: ChangedPath[] = [];
  for (let i = 0; i < fields.length;) {
    const status = fields[i++];
    if (!status) continue;
    const letter = status[0] as ChangedPath['status'];
    if (letter === 'R' || letter === 'C') {
      const oldPath = fields[i++]!;
      const path = fields[i++]!;
      changes.push({ status: letter, path, oldPath });
    } else {
      changes.push({ status: letter, path: fields[i++]! });
    }
  }
  return changes;
}

export interface CommitInfo {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** Strict ISO 8601 with the author's offset, as git records it. */
  authorDate: string;
  committerDate: string;
  subject: string;
  /** The message between the subject and the trailer block, trimmed. */
  body: string;
  /** Trailer key (as written) -> values, in order. */
  trailers: Record<string, string[]>;
}

export interface CommitsTouchingOptions {
  /** Passed to `git log --since/--until` (committer dates; ISO 8601 works). */
  since?: string;
  until?: string;
  /** Where to start walking. Default HEAD. */
  ref?: string;
  /** Follow only first parents (the default branch's own story, as merges landed). */
  firstParent?: boolean;
  maxCount?: number;
  /** Leave out commits reachable from this ref (`git log ref ^exclude`). */
  exclude?: string;
}

const LOG_FIELDS = 7;

/**
 * Commits reachable from `ref` that touched any of `paths` (every commit when `paths` is empty), newest first.
 * One `git log`; NUL separates fields and commits, so no message content can break the parse.
 */
export async function commitsTouching(
  repoRoot: string,
  paths: string[],
  options: CommitsTouchingOptions = {},
): Promise<CommitInfo[]> {
  const args = ['log', '-z', '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%B'];
  if (options.since) args.push(`--since=${options.since}`);
  if (options.until) args.push(`--until=${options.until}`);
  if (options.firstParent) args.push('--first-parent');
  if (options.maxCount !== undefined) args.push(`--max-count=${options.maxCount}`);
  args.push('--end-of-options', options.ref ?? 'HEAD');
  if (options.exclude !== undefined) args.push(`^${options.exclude}`);
  args.push('--', ...paths);
  const out = await git(repoRoot, args);
  return parseLog(out);
}

export function parseLog(out: string): CommitInfo[] {
  if (out === '') return [];
  const fields = out.split('\0');
  const commits: CommitInfo[] = [];
  for (let i = 0; i + LOG_FIELDS <= fields.length; i += LOG_FIELDS) {
    const [sha, parents, authorName, authorEmail, authorDate, committerDate, message] = fields.slice(
      i,
      i + LOG_FIELDS,
    ) as [string, string, string, string, string, string, string];
    const parsed = parseCommitMessage(message);
    commits.push({
      sha: sha.replace(/^\n/, ''),
      parents: parents === '' ? [] : parents.split(' '),
      authorName,
      authorEmail,
      authorDate,
      committerDate,
      ...parsed,
    });
  }
  return commits;
}

const TRAILER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;

/**
 * Splits a commit message into subject, body and trailers the way `git interpret-trailers --parse` finds
 * trailers: the last paragraph, when it is not the subject and every line is `Key: value` or a continuation.
 */
export function parseCommitMessage(message: string): {
  subject: string;
  body: string;
  trailers: Record<string, string[]>;
} {
  const paragraphs = message
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/^\n+|\s+$/g, ''))
    .filter((p) => p !== '');
  const subject = (paragraphs[0] ?? '').split('\n').join(' ').trim();
  let rest = paragraphs.slice(1);
  const trailers: Record<string, string[]> = {};
  const last = rest[rest.length - 1];
  if (last !== undefined) {
    const parsed = parseTrailerBlock(last);
    if (parsed) {
      for (const [key, value] of parsed) (trailers[key] ??= []).push(value);
      rest = rest.slice(0, -1);
    }
  }
  return { subject, body: rest.join('\n\n').trim(), trailers };
}

function parseTrailerBlock(paragraph: string): [string, string][] | undefined {
  const entries: [string, string][] = [];
  for (const line of paragraph.split('\n')) {
    const continuation = /^[ \t]+\S/.test(line);
    if (continuation && entries.length > 0) {
      const lastEntry = entries[entries.length - 1]!;
      lastEntry[1] = `${lastEntry[1]} ${line.trim()}`.trim();
      continue;
    }
    const m = TRAILER_LINE.exec(line);
    if (!m) return undefined;
    entries.push([m[1]!, m[2]!.trim()]);
  }
  return entries.length > 0 ? entries : undefined;
}
