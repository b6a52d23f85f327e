// Push with fetch-rebase-retry: concurrent writers (scheduler ticks, audit events) must not lose each other's commits.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TollgateError } from '../errors.ts';
import { fromGitError, gitClient } from './client.ts';
import { git, runGit } from './run.ts';

export interface PushOptions {
  remote: string;
  /** Local branch, pushed to the remote branch of the same name. */
  branch: string;
  attempts?: number;
  env?: NodeJS.ProcessEnv;
}

export interface PushResult {
  /** The sha the remote branch now points at. */
  sha: string;
  attempts: number;
}

// A rejection that a fetch and rebase can cure: the remote moved, or moved while we were pushing.
const RETRYABLE =
  /non-fast-forward|fetch first|\[rejected\]|cannot lock ref|failed to update ref|stale info/i;

export async function pushWithRetry(repoRoot: string, options: PushOptions): Promise<PushResult> {
  const attempts = options.attempts ?? 5;
  const { remote, branch, env } = options;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    // Raw: the porcelain per-ref status on stdout is what tells a rejection worth a retry from any other failure.
    const pushed = await runGit(
      repoRoot,
      ['push', '--porcelain', remote, `refs/heads/${branch}:refs/heads/${branch}`],
      {
        env,
        okCodes: [1, 128],
      },
    );
    if (pushed.code === 0) {
      return { sha: await git(repoRoot, ['rev-parse', `refs/heads/${branch}`]), attempts: attempt };
    }
    lastError = `${pushed.stdout}\n${pushed.stderr}`.trim();
    if (!RETRYABLE.test(lastError)) {
      throw new TollgateError(`git push ${remote} ${branch} failed: ${lastError}`, {
        fix: 'check that the token may push to this branch and that branch protection allows it',
      });
    }
    if (attempt === attempts) break;
    const client = gitClient(repoRoot, env);
    // Into a ref of our own: FETCH_HEAD is shared with every other fetch in this repository.
    const tracking = `refs/tollgate/upstream/${branch}`;
    try {
      await client.fetch(remote, `+refs/heads/${branch}:${tracking}`, ['--quiet', '--no-tags']);
    } catch (error) {
      throw fromGitError(error, `git fetch ${remote} ${branch}`, repoRoot);
    }
    const upstream = await client.revparse([tracking]);
    await rebaseBranch(repoRoot, branch, upstream, env);
  }
  throw new TollgateError(
    `git push ${remote} ${branch} was rejected ${attempts} times: the remote branch keeps moving. Last error: ${lastError}`,
    { fix: 'run again later, or raise `attempts`; your commits are safe on the local branch' },
  );
}

/** Rebases `branch` onto `upstream`, in place when it is checked out, else in a throwaway worktree. */
async function rebaseBranch(
  repoRoot: string,
  branch: string,
  upstream: string,
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  const current = await runGit(repoRoot, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] });
  const checkedOut = current.stdout.trim() === `refs/heads/${branch}`;
  let dir = repoRoot;
  let scratch: string | undefined;
  if (!checkedOut) {
    scratch = await mkdtemp(join(tmpdir(), 'tollgate-rebase-'));
    dir = join(scratch, 'wt');
    await git(repoRoot, ['worktree', 'add', '--quiet', dir, branch]);
  }
  try {
    const rebased = await runGit(dir, ['rebase', '--quiet', upstream], { env, okCodes: [1, 128] });
    if (rebased.code !== 0) {
      const conflicted = (await git(dir, ['diff', '--name-only', '--diff-filter=U']))
        .split('\n')
        .filter(Boolean);
      await runGit(dir, ['rebase', '--abort'], { okCodes: [1, 128] });
      throw new TollgateError(
        `cannot rebase ${branch} onto the remote: both changed ${conflicted.join(', ') || 'the same lines'}`,
        {
          file: conflicted[0],
          fix: 'nothing was pushed and the local branch is unchanged; redo the change on top of the remote branch',
        },
      );
    }
  } finally {
    if (scratch !== undefined) {
      await runGit(repoRoot, ['worktree', 'remove', '--force', dir], { okCodes: [1, 128] });
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
