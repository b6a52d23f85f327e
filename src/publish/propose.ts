// The one way a Tollgate flow puts registry changes on their way to the default branch:
// - proposeChange: one commit on a Tollgate branch (the user's checkout untouched), pushed, and one pull request
//   found or opened for it, labelled, with reviewers requested. A re-run after a failure at any step finds the
//   branch and pull request it made before; a pull request that cannot be opened takes its new branch with it.
// - pushStateChange: a state-only commit pushed straight to the default branch (policy `state_writes: push`).
// Without a GitHub client both stop after the local commit, so the CLI runs the same code on a checkout.
import { TollgateError } from '../errors.ts';
import {
  commitChange,
  commitFilesToBranch,
  type Author,
  type BranchFile,
  type Trailers,
} from '../git/commit.ts';
import { checkedOutBranch, commitOf, commitsTouching, type CommitInfo } from '../git/history.ts';
import { pushWithRetry } from '../git/push.ts';
import { fromGitError, gitClient } from '../git/client.ts';
import { runGit } from '../git/run.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { addLabels, ensurePullRequest, findOpenPullRequest, requestReviewers } from '../github/pulls.ts';
import { deleteBranch } from '../github/refs.ts';

export interface PullRequestSpec {
  title: string;
  body: string;
  labels?: string[];
  reviewers?: { users?: string[]; teams?: string[] };
}

export interface GitHubTarget {
  client: GitHubClient;
  repo: RepoRef;
  /** The git remote that is this GitHub repository. Default `origin`. */
  remote?: string;
}

export interface Proposal {
  /** Branch the commit goes on, e.g. tollgate/promote/fraud-detector/production. */
  branch: string;
  /** Commit the change builds on, e.g. `origin/main` or `HEAD`. */
  baseRef: string;
  /** Branch the pull request targets. */
  baseBranch: string;
  files: BranchFile[];
  message: string;
  trailers: Trailers;
  author?: Author;
  env?: NodeJS.ProcessEnv;
  pullRequest: PullRequestSpec;
  /** Replace the branch even when it holds commits Tollgate did not make (they are named in the refusal). */
  force?: boolean;
}

export interface ProposalResult {
  commit: string;
  branch: string;
  pullRequest?: { number: number; url: string; created: boolean };
}

export async function proposeChange(
  repoRoot: string,
  proposal: Proposal,
  github?: GitHubTarget,
): Promise<ProposalResult> {
  if (!proposal.force) await refuseForeignCommits(repoRoot, proposal, github);
  const commit = await commitFilesToBranch(repoRoot, {
    baseRef: proposal.baseRef,
    branch: proposal.branch,
    files: proposal.files,
    message: proposal.message,
    trailers: proposal.trailers,
    author: proposal.author,
    env: proposal.env,
  });
  if (!github) return { commit, branch: proposal.branch };

  const remote = github.remote ?? 'origin';
  const existedBefore = await remoteBranchExists(repoRoot, remote, proposal.branch, proposal.env);
  // The branch belongs to Tollgate: a re-run replaces its earlier attempt rather than stacking on it.
  const refspec = `refs/heads/${proposal.branch}:refs/heads/${proposal.branch}`;
  await gitClient(repoRoot, proposal.env)
    .push(remote, refspec, ['--quiet', '--force'])
    .catch((error: unknown) => {
      throw fromGitError(error, `git push --force ${remote} ${proposal.branch}`, repoRoot);
    });
  let ensured: Awaited<ReturnType<typeof ensurePullRequest>>;
  try {
    ensured = await ensurePullRequest(github.client, github.repo, {
      head: proposal.branch,
      base: proposal.baseBranch,
      title: proposal.pullRequest.title,
      body: proposal.pullRequest.body,
    });
  } catch (error) {
    // No orphan branch: a branch this run created without a pull request is removed again. Only when no pull
    // request uses it: GitHub closes a pull request whose branch is deleted, and a re-run would open a second.
    if (!existedBefore && !(await pullRequestMayExist(github, proposal.branch)))
      await deleteBranch(github.client, github.repo, proposal.branch).catch(() => undefined);
    throw error;
  }
  // From here the pull request exists: a failure leaves it (and its branch) for a re-run to find and finish.
  const { pull, created } = ensured;
  const labels = proposal.pullRequest.labels ?? [];
  if (labels.some((label) => !pull.labels.includes(label)))
    await addLabels(github.client, github.repo, pull.number, labels);
  const reviewers = proposal.pullRequest.reviewers;
  if (reviewers)
    await requestReviewers(github.client, github.repo, pull.number, {
      reviewers: reviewers.users,
      teamReviewers: reviewers.teams?.map((team) => team.split('/').pop()!),
    });
  return { commit, branch: proposal.branch, pullRequest: { number: pull.number, url: pull.url, created } };
}

/**
 * A re-run replaces the branch's commit with a fresh one, which is right for Tollgate's own commits and wrong for
 * anyone else's: commits on the branch (here, or on the remote) that the base lacks and that carry no
 * `Tollgate-Event` trailer make the proposal stop and name them.
 */
async function refuseForeignCommits(
  repoRoot: string,
  proposal: Proposal,
  github: GitHubTarget | undefined,
): Promise<void> {
  const tips: string[] = [];
  const local = await commitOf(repoRoot, `refs/heads/${proposal.branch}`);
  if (local !== undefined) tips.push(local);
  if (github) {
    const remote = github.remote ?? 'origin';
    if (await remoteBranchExists(repoRoot, remote, proposal.branch, proposal.env)) {
      const fetched = `refs/tollgate/fetched/${proposal.branch}`;
      const client = gitClient(repoRoot, proposal.env);
      await client
        .fetch(remote, `+refs/heads/${proposal.branch}:${fetched}`, ['--quiet', '--no-tags'])
        .catch((error: unknown) => {
          throw fromGitError(error, `git fetch ${remote} ${proposal.branch}`, repoRoot);
        });
      tips.push(await client.revparse([fetched]));
    }
  }
  const foreign = new Map<string, CommitInfo>();
  for (const tip of tips) {
    for (const c of await commitsTouching(repoRoot, [], { ref: tip, exclude: proposal.baseRef })) {
      if (c.trailers['Tollgate-Event'] === undefined) foreign.set(c.sha, c);
    }
  }
  if (foreign.size === 0) return;
  const named = [...foreign.values()].map((c) => `${c.sha.slice(0, 12)} "${c.subject}" by ${c.authorName}`);
  throw new TollgateError(
    `${proposal.branch} holds ${foreign.size} commit(s) Tollgate did not make: ${named.join('; ')}; replacing the branch would drop them`,
    {
      fix: 'keep that work another way (another branch, or a pull request of its own), then run again with --force to replace the branch',
    },
  );
}

/** Whether an open pull request may use `branch`; true when GitHub cannot say (keep the branch, then). */
async function pullRequestMayExist(github: GitHubTarget, branch: string): Promise<boolean> {
  try {
    return (await findOpenPullRequest(github.client, github.repo, branch)) !== undefined;
  } catch {
    return true;
  }
}

async function remoteBranchExists(
  repoRoot: string,
  remote: string,
  branch: string,
  env?: NodeJS.ProcessEnv,
): Promise<boolean> {
  // Raw: with --exit-code, 2 (no such branch) is the answer, which simple-git would make an error.
  const { code } = await runGit(repoRoot, ['ls-remote', '--exit-code', '--heads', remote, branch], {
    env,
    okCodes: [2],
  });
  return code === 0;
}

export interface StateChange {
  /** Repository-relative paths already written by the registry writer. */
  paths: string[];
  message: string;
  trailers: Trailers;
  /** The checked-out default branch. */
  branch: string;
  author?: Author;
  env?: NodeJS.ProcessEnv;
}

/** Commits state-only files on the checked-out branch and pushes them, rebasing over concurrent writers. */
export async function pushStateChange(
  repoRoot: string,
  change: StateChange,
  remote: string | undefined,
): Promise<{ commit: string; pushed: boolean }> {
  const current = await checkedOutBranch(repoRoot);
  if (current !== change.branch)
    throw new TollgateError(
      `state changes are pushed from ${change.branch}, but ${current || 'a detached HEAD'} is checked out`,
      {
        fix: `check out ${change.branch} (actions/checkout with ref: ${change.branch})`,
      },
    );
  const commit = await commitChange(repoRoot, {
    paths: change.paths,
    message: change.message,
    trailers: change.trailers,
    author: change.author,
    env: change.env,
  });
  if (remote === undefined) return { commit, pushed: false };
  const { sha } = await pushWithRetry(repoRoot, { remote, branch: change.branch, env: change.env });
  return { commit: sha, pushed: true };
}
