// The one commit function, and its branch-only sibling that writes a branch without touching the checkout.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TollgateError } from '../errors.ts';
import { resolveRef } from './history.ts';
import { git, runGit, runGitBuffer } from './run.ts';

export type Trailers = Record<string, string | string[]>;

export interface Author {
  name: string;
  email: string;
}

export interface CommitChangeOptions {
  /** Repository-relative paths to commit (added, modified or deleted); nothing else is staged or committed. */
  paths: string[];
  message: string;
  /** e.g. `{ 'Tollgate-Event': 'promote', Model: 'fraud', Version: 'v5', 'Requested-By': 'alice' }`. */
  trailers: Trailers;
  author?: Author;
  /** Commit onto this branch (created or advanced from HEAD) instead of the checked-out one; HEAD stays put. */
  branch?: string;
  /** Extra environment, e.g. GIT_AUTHOR_DATE / GIT_COMMITTER_DATE. */
  env?: NodeJS.ProcessEnv;
}

const TRAILER_KEY = /^[A-Za-z][A-Za-z0-9-]*$/;

/** The commit message: the text, a blank line, then one `Key: value` line per trailer value. */
export function formatCommitMessage(message: string, trailers: Trailers): string {
  const text = message.replace(/\r\n/g, '\n').trim();
  if (text === '') throw new TollgateError('commit message is empty', { fix: 'pass a message' });
  const lines: string[] = [];
  for (const [key, raw] of Object.entries(trailers)) {
    if (!TRAILER_KEY.test(key)) {
      throw new TollgateError(`trailer key "${key}" is not a single word of letters, digits and "-"`, {
        field: key,
        fix: 'use a trailer key like "Tollgate-Event"',
      });
    }
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (/[\r\n]/.test(value)) {
        throw new TollgateError(`trailer ${key} holds a newline: ${JSON.stringify(value)}`, {
          field: key,
          fix: 'trailer values are one line; put longer text in the message body',
        });
      }
      if (value.trim() === '') continue;
      lines.push(`${key}: ${value.trim()}`);
    }
  }
  return lines.length === 0 ? `${text}\n` : `${text}\n\n${lines.join('\n')}\n`;
}

function authorEnv(author: Author | undefined): NodeJS.ProcessEnv {
  if (!author) return {};
  for (const [field, value] of Object.entries(author)) {
    if (/[<>\r\n]/.test(value) || value.trim() === '') {
      throw new TollgateError(
        `author ${field} ${JSON.stringify(value)} is empty or holds <, > or a newline`,
        {
          field: `author.${field}`,
        },
      );
    }
  }
  return { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email };
}

function assertRepoPath(path: string): string {
  if (
    path === '' ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.split('/').some((s) => s === '..' || s === '.' || s === '')
  ) {
    throw new TollgateError(`"${path}" is not a plain repository-relative path`, {
      fix: 'pass paths like registry/models/fraud/stages.yaml',
    });
  }
  return path;
}

async function currentBranchRef(repoRoot: string): Promise<string | undefined> {
  const result = await runGit(repoRoot, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function assertBranchName(repoRoot: string, branch: string): Promise<void> {
  const result = await runGit(repoRoot, ['check-ref-format', '--branch', branch], { okCodes: [1, 128] });
  if (result.code !== 0 || branch.startsWith('-')) {
    throw new TollgateError(`"${branch}" is not a valid branch name`, { field: 'branch' });
  }
}

/**
 * Commits exactly `paths` with the message and trailers; returns the new sha. Without `branch` it commits on
 * the checked-out branch, leaving anything else the user staged alone. Refuses when the paths hold no change.
 */
export async function commitChange(repoRoot: string, options: CommitChangeOptions): Promise<string> {
  const paths = options.paths.map(assertRepoPath);
  if (paths.length === 0) throw new TollgateError('nothing to commit: no paths given');
  const message = formatCommitMessage(options.message, options.trailers);
  const env = { ...options.env, ...authorEnv(options.author) };

  if (options.branch !== undefined) {
    const files = await Promise.all(
      paths.map(async (path) => ({
        path,
        content: existsSync(join(repoRoot, path)) ? await readFile(join(repoRoot, path)) : null,
      })),
    );
    const head = await resolveRef(repoRoot, 'HEAD');
    const tip = await branchTip(repoRoot, options.branch);
    // Advance an existing branch that already builds on HEAD; otherwise start it afresh from HEAD.
    const baseRef =
      tip !== undefined &&
      (await runGit(repoRoot, ['merge-base', '--is-ancestor', head, tip], { okCodes: [1] })).code === 0
        ? tip
        : head;
    return commitFilesToBranch(repoRoot, {
      baseRef,
      branch: options.branch,
      files,
      message: options.message,
      trailers: options.trailers,
      author: options.author,
      env: options.env,
    });
  }

  // Only paths that exist or are tracked: `git add` fails on a pathspec that matches nothing.
  const tracked = new Set(
    (await git(repoRoot, ['ls-files', '-z', '--', ...paths])).split('\0').filter((p) => p !== ''),
  );
  const trackedUnder = (p: string): boolean => [...tracked].some((t) => t === p || t.startsWith(`${p}/`));
  const present = paths.filter((p) => existsSync(join(repoRoot, p)) || trackedUnder(p));
  if (present.length > 0) await git(repoRoot, ['add', '-A', '--', ...present]);
  const staged = await runGit(repoRoot, ['diff', '--cached', '--quiet', '--', ...paths], { okCodes: [1] });
  if (staged.code === 0) {
    throw new TollgateError(`nothing to commit: ${paths.join(', ')} match HEAD`, {
      fix: 'write the change first, or check the paths',
    });
  }
  await git(
    repoRoot,
    ['commit', '--quiet', '--no-verify', '--cleanup=verbatim', '-F', '-', '--', ...present],
    {
      input: message,
      env,
    },
  );
  return resolveRef(repoRoot, 'HEAD');
}

/** Commits whatever the index holds (used by revert); refuses an empty commit. */
export async function commitIndex(
  repoRoot: string,
  options: { message: string; trailers: Trailers; author?: Author; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const message = formatCommitMessage(options.message, options.trailers);
  const staged = await runGit(repoRoot, ['diff', '--cached', '--quiet'], { okCodes: [1] });
  if (staged.code === 0) throw new TollgateError('nothing to commit: the index matches HEAD');
  await git(repoRoot, ['commit', '--quiet', '--no-verify', '--cleanup=verbatim', '-F', '-'], {
    input: message,
    env: { ...options.env, ...authorEnv(options.author) },
  });
  return resolveRef(repoRoot, 'HEAD');
}

async function branchTip(repoRoot: string, branch: string): Promise<string | undefined> {
  const result = await runGit(
    repoRoot,
    ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`],
    {
      okCodes: [1],
    },
  );
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export interface BranchFile {
  /** Repository-relative path. */
  path: string;
  /** New bytes, or null to delete the file. */
  content: string | Buffer | null;
}

export interface CommitFilesToBranchOptions {
  /** The commit the new commit builds on. */
  baseRef: string;
  /** Set to the new commit (created when missing). Must not be the checked-out branch. */
  branch: string;
  files: BranchFile[];
  message: string;
  trailers: Trailers;
  author?: Author;
  env?: NodeJS.ProcessEnv;
}

/**
 * Writes one commit `baseRef + files` and points `branch` at it, through a temporary index: the user's
 * HEAD, index and working tree are never touched. This is how promotion branches are written.
 */
export async function commitFilesToBranch(
  repoRoot: string,
  options: CommitFilesToBranchOptions,
): Promise<string> {
  await assertBranchName(repoRoot, options.branch);
  if ((await currentBranchRef(repoRoot)) === `refs/heads/${options.branch}`) {
    throw new TollgateError(
      `branch ${options.branch} is checked out here; Tollgate will not move it under you`,
      {
        fix: 'switch to another branch first, or commit with commitChange without `branch`',
      },
    );
  }
  if (options.files.length === 0) throw new TollgateError('nothing to commit: no files given');
  const message = formatCommitMessage(options.message, options.trailers);
  const env = { ...options.env, ...authorEnv(options.author) };
  const base = await resolveRef(repoRoot, options.baseRef);
  const oldTip = (await branchTip(repoRoot, options.branch)) ?? '';

  const dir = await mkdtemp(join(tmpdir(), 'tollgate-index-'));
  const indexEnv = { GIT_INDEX_FILE: join(dir, 'index') };
  try {
    await git(repoRoot, ['read-tree', base], { env: indexEnv });
    const lines: string[] = [];
    for (const file of options.files) {
      const path = assertRepoPath(file.path);
      if (file.content === null) {
        lines.push(`0 ${'0'.repeat(40)}\t${path}`);
      } else {
        const written = await runGitBuffer(repoRoot, ['hash-object', '-w', '--stdin'], {
          input: file.content,
        });
        const blob = written.stdout.toString('utf8').trim();
        lines.push(`100644 ${blob}\t${path}`);
      }
    }
    await git(repoRoot, ['update-index', '-z', '--index-info'], {
      env: indexEnv,
      input: lines.join('\0') + '\0',
    });
    const tree = await git(repoRoot, ['write-tree'], { env: indexEnv });
    const baseTree = await git(repoRoot, ['rev-parse', `${base}^{tree}`]);
    if (tree === baseTree) {
      throw new TollgateError(`nothing to commit: the files already match ${options.baseRef}`, {
        fix: 'the change is already there; nothing to propose',
      });
    }
    const sha = await git(repoRoot, ['commit-tree', tree, '-p', base, '-F', '-'], { input: message, env });
    // The old value guards against a concurrent writer moving the branch between our read and this write.
    await git(repoRoot, [
      'update-ref',
      '-m',
      'tollgate: commit to branch',
      `refs/heads/${options.branch}`,
      sha,
      oldTip,
    ]);
    return sha;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
