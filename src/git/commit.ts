// Commit messages with trailers, and the two commit helpers built on the one transaction (transaction.ts): a
// commit of working-tree files on the checked-out branch, and a commit of given bytes onto another branch.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TollgateError } from '../errors.ts';
import { resolveRef } from './history.ts';
import { runGit } from './run.ts';
import { formatCommitMessage, type Author, type Trailers } from './message.ts';
import { runTransaction } from './transaction.ts';

export { formatCommitMessage, type Author, type Trailers } from './message.ts';

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

async function assertBranchName(repoRoot: string, branch: string): Promise<void> {
  const result = await runGit(repoRoot, ['check-ref-format', '--branch', branch], { okCodes: [1, 128] });
  if (result.code !== 0 || branch.startsWith('-')) {
    throw new TollgateError(`"${branch}" is not a valid branch name`, { field: 'branch' });
  }
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

/** The working tree's bytes of each path (null where the file is gone), read before any git call. */
async function workingFiles(repoRoot: string, paths: string[]): Promise<BranchFile[]> {
  return Promise.all(
    paths.map(async (path) => ({
      path,
      content: existsSync(join(repoRoot, path)) ? await readFile(join(repoRoot, path)) : null,
    })),
  );
}

/**
 * Commits exactly `paths`, as they are in the working tree, with the message and trailers; returns the new sha.
 * Without `branch` it commits on the checked-out branch through a transaction (private index, compare-and-swap
 * on the ref): what the user staged stays staged and out of the commit, and the index entries of `paths` are
 * brought up to date. Refuses when the paths hold no change.
 */
export async function commitChange(repoRoot: string, options: CommitChangeOptions): Promise<string> {
  const paths = options.paths.map(assertRepoPath);
  if (paths.length === 0) throw new TollgateError('nothing to commit: no paths given');
  formatCommitMessage(options.message, options.trailers);
  const files = await workingFiles(repoRoot, paths);

  if (options.branch !== undefined) {
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

  const result = await runTransaction(repoRoot, {
    build: async (stage) => {
      // A directory path stands for every staged file below it (a folder the writer removed).
      for (const file of files) {
        if (file.content !== null) stage.write(file.path, file.content);
        else for (const gone of [file.path, ...(await stage.list(file.path))]) stage.write(gone, null);
      }
      return {
        value: undefined,
        commit: {
          message: options.message,
          trailers: options.trailers,
          author: options.author,
          env: options.env,
        },
      };
    },
  });
  if (!result.commit) {
    throw new TollgateError(`nothing to commit: ${paths.join(', ')} match HEAD`, {
      fix: 'write the change first, or check the paths',
    });
  }
  return result.commit;
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
  const current = await runGit(repoRoot, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] });
  if (current.stdout.trim() === `refs/heads/${options.branch}`) {
    throw new TollgateError(
      `branch ${options.branch} is checked out here; Tollgate will not move it under you`,
      {
        fix: 'switch to another branch first, or commit with commitChange without `branch`',
      },
    );
  }
  if (options.files.length === 0) throw new TollgateError('nothing to commit: no files given');
  formatCommitMessage(options.message, options.trailers);
  const base = await resolveRef(repoRoot, options.baseRef);
  const result = await runTransaction(repoRoot, {
    ref: `refs/heads/${options.branch}`,
    parent: async () => base,
    env: options.env,
    build: async (stage) => {
      for (const file of options.files) stage.write(assertRepoPath(file.path), file.content);
      return {
        value: undefined,
        commit: {
          message: options.message,
          trailers: options.trailers,
          author: options.author,
          env: options.env,
        },
      };
    },
  });
  if (!result.commit) {
    throw new TollgateError(`nothing to commit: the files already match ${options.baseRef}`, {
      fix: 'the change is already there; nothing to propose',
    });
  }
  return result.commit;
}
