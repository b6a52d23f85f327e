// The registry-state path (DESIGN "State changes"): schedule updates, failed retrain requests, audit events and
// incident timeline entries reach the default branch without sign-offs. Either pushed straight to it (policy
// `state_writes: push`), or as a state-only pull request that the action merges itself: at once when nothing
// blocks it, otherwise through GitHub's auto-merge, which completes it once the sign-off gate has passed it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Author, BranchFile, Trailers } from '../git/commit.ts';
import { describeError, TollgateError } from '../errors.ts';
import { isStateBranch, STATE_BRANCH_PREFIXES } from '../gate/requirements.ts';
import { mergePullRequest, enableAutoMerge, type MergeMethod } from '../github/merge.ts';
import { writeRegistryFiles, type RegistryFileWrite } from '../registry/writer.ts';
import { proposeChange, pushStateChange, type GitHubTarget, type PullRequestSpec } from './propose.ts';

export interface StateChangeRequest {
  repoRoot: string;
  /** Repository-relative registry folder, e.g. `registry`. */
  registryDir: string;
  /** Registry-relative documents, written through the one writer. */
  writes: RegistryFileWrite[];
  message: string;
  trailers: Trailers;
  /** The default branch the state belongs on. */
  baseBranch: string;
  /** Commit the state branch builds on. Default `HEAD`. */
  baseRef?: string;
  stateWrites: 'push' | 'pull-request';
  /** Branch of the state pull request, e.g. `tollgate/state/<model>/<request>`. */
  branch: string;
  pullRequest: PullRequestSpec;
  /** How the state pull request is merged; a method the repository forbids falls back to the others. */
  mergeMethod?: MergeMethod;
  author?: Author;
  env?: NodeJS.ProcessEnv;
}

export type StateMerge =
  { status: 'merged'; sha: string } | { status: 'auto-merge' } | { status: 'open'; reason: string };

export interface StateChangeResult {
  /** pushed: on the default branch; pull-request: opened (see `merge`); committed: local only (no GitHub). */
  mode: 'pushed' | 'committed' | 'pull-request';
  commit: string;
  branch: string;
  /** Repository-relative paths of the files written. */
  files: string[];
  pullRequest?: { number: number; url: string; created: boolean; merge: StateMerge };
}

/** Publishes a state-only change; the user's checkout is left as it was unless the change is pushed from it. */
export async function publishStateChange(
  request: StateChangeRequest,
  github?: GitHubTarget,
): Promise<StateChangeResult> {
  const { repoRoot, registryDir } = request;
  // The gate refuses anything but state only on these branches; a state pull request elsewhere would be merged
  // by Tollgate whatever someone pushed onto it.
  if (!isStateBranch(request.branch))
    throw new TollgateError(
      `state branch ${request.branch} is not under ${STATE_BRANCH_PREFIXES.join(' or ')}`,
      {
        fix: 'name the state branch tollgate/state/...',
      },
    );
  const files = request.writes.map((w) => posix.join(registryDir, w.path));
  if (request.stateWrites === 'push' && github) {
    await writeRegistryFiles(join(repoRoot, registryDir), request.writes);
    const pushed = await pushStateChange(
      repoRoot,
      {
        paths: files,
        message: request.message,
        trailers: request.trailers,
        branch: request.baseBranch,
        ...(request.author ? { author: request.author } : {}),
        ...(request.env ? { env: request.env } : {}),
      },
      github.remote ?? 'origin',
    );
    return { mode: 'pushed', commit: pushed.commit, branch: request.baseBranch, files };
  }
  const proposed = await proposeChange(
    repoRoot,
    {
      branch: request.branch,
      baseRef: request.baseRef ?? 'HEAD',
      baseBranch: request.baseBranch,
      files: await renderRegistryFiles(registryDir, request.writes),
      message: request.message,
      trailers: request.trailers,
      ...(request.author ? { author: request.author } : {}),
      ...(request.env ? { env: request.env } : {}),
      pullRequest: request.pullRequest,
    },
    github,
  );
  if (!github || !proposed.pullRequest)
    return { mode: 'committed', commit: proposed.commit, branch: proposed.branch, files };
  const merge = await mergeStatePullRequest(github, proposed.pullRequest.number, proposed.commit, request);
  return {
    mode: 'pull-request',
    commit: proposed.commit,
    branch: proposed.branch,
    files,
    pullRequest: { ...proposed.pullRequest, merge },
  };
}

/**
 * Merges the state pull request if its head is still the commit made here; when a required check (the gate)
 * has not passed yet, asks GitHub to merge it once it has. Never throws: the state is safe in the open pull
 * request either way, and the reason it stays open is reported.
 */
async function mergeStatePullRequest(
  github: GitHubTarget,
  number: number,
  headSha: string,
  request: StateChangeRequest,
): Promise<StateMerge> {
  const method = request.mergeMethod ?? 'squash';
  const title = request.message.split('\n')[0]!;
  const merged = await mergePullRequest(github.client, github.repo, number, { sha: headSha, method, title });
  if (merged.status === 'merged') return { status: 'merged', sha: merged.sha };
  if (merged.status === 'head-moved')
    return { status: 'open', reason: `its branch moved past ${headSha.slice(0, 7)}; merge it by hand` };
  try {
    await enableAutoMerge(github.client, github.repo, number, {
      expectedHeadSha: headSha,
      method: merged.method,
    });
    return { status: 'auto-merge' };
  } catch (error) {
    // The blocker cleared between the two calls (the gate passed it meanwhile): merge it now.
    if (/clean status/i.test(describeError(error))) {
      const again = await mergePullRequest(github.client, github.repo, number, {
        sha: headSha,
        method,
        title,
      });
      if (again.status === 'merged') return { status: 'merged', sha: again.sha };
    }
    const why = error instanceof Error ? error.message.replace(/\s*\n+\s*/g, ' ') : String(error);
    return {
      status: 'open',
      reason:
        `${merged.reason}; auto-merge could not be enabled either (${why}). Fix: allow auto-merge in the ` +
        'repository settings (General → Pull Requests), or set `state_writes: push` in policy.yaml',
    };
  }
}

/** How the state pull request reaches the default branch, for the summary. */
export function stateMergeNote(merge: StateMerge | undefined): string {
  if (!merge) return '';
  if (merge.status === 'merged') return `, merged as ${merge.sha.slice(0, 12)}`;
  if (merge.status === 'auto-merge')
    return ', which merges once the sign-off gate and validate pass it (the tollgate-state-merge workflow, or auto-merge)';
  return `, left open: ${merge.reason}`;
}

/** The bytes the one writer would write for `writes`, as repository-relative files for a branch commit. */
export async function renderRegistryFiles(
  registryDir: string,
  writes: RegistryFileWrite[],
): Promise<BranchFile[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'tollgate-state-'));
  try {
    await writeRegistryFiles(scratch, writes);
    return await Promise.all(
      writes.map(async (w) => ({
        path: posix.join(registryDir, w.path),
        content: await readFile(join(scratch, ...w.path.split('/'))),
      })),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
