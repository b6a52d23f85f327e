// Merging a pull request Tollgate opened for its own state: at once when GitHub allows it, or by auto-merge
// once the required checks (the sign-off gate) pass. Only ever for the head commit Tollgate made.
import { describeError } from '../errors.ts';
import { GitHubApiError, statusOf, type GitHubClient, type RepoRef } from './client.ts';

export type MergeMethod = 'squash' | 'merge' | 'rebase';

export type MergeAttempt =
  | { status: 'merged'; sha: string; method: MergeMethod }
  /** Someone pushed to the branch after Tollgate's commit: what is there now is not what Tollgate made. */
  | { status: 'head-moved' }
  /** Not mergeable now (a required check pending, conflicts, a rule); `method` is one the repository allows. */
  | { status: 'blocked'; reason: string; method: MergeMethod };

const METHODS: MergeMethod[] = ['squash', 'merge', 'rebase'];

/** GitHub answers 405 both for "this method is disabled here" and for "not mergeable now"; only the first retries. */
const methodDisallowed = (detail: string) =>
  /merges? (are|is) not allowed|not allowed on this repository/i.test(detail);

export async function mergePullRequest(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  options: { sha: string; method: MergeMethod; title: string },
): Promise<MergeAttempt> {
  const order = [options.method, ...METHODS.filter((m) => m !== options.method)];
  let last: MergeAttempt = {
    status: 'blocked',
    reason: 'no merge method is allowed',
    method: options.method,
  };
  for (const method of order) {
    try {
      const { data } = await client.octokit.rest.pulls.merge({
        ...repo,
        pull_number: number,
        sha: options.sha,
        merge_method: method,
        commit_title: `${options.title} (#${number})`,
      });
      return { status: 'merged', sha: data.sha, method };
    } catch (error) {
      const status = statusOf(error);
      const detail = error instanceof GitHubApiError ? error.message : describeError(error);
      if (status === 409) return { status: 'head-moved' };
      if (status === 405 && methodDisallowed(detail)) {
        last = { status: 'blocked', reason: `${method} merges are not allowed`, method };
        continue;
      }
      return { status: 'blocked', reason: detail.replace(/\s*\n+\s*/g, ' '), method };
    }
  }
  return last;
}

const ENABLE_AUTO_MERGE = `mutation TollgateEnableAutoMerge($id: ID!, $mergeMethod: PullRequestMergeMethod!, $head: GitObjectID!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod, expectedHeadOid: $head }) {
    pullRequest { number autoMergeRequest { enabledAt } }
  }
}`;

/** Asks GitHub to merge the pull request when its required checks pass, and only while its head is `expectedHeadSha`. */
export async function enableAutoMerge(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  options: { expectedHeadSha: string; method: MergeMethod },
): Promise<void> {
  const { data } = await client.octokit.rest.pulls.get({ ...repo, pull_number: number });
  try {
    await client.octokit.graphql(ENABLE_AUTO_MERGE, {
      id: data.node_id,
      mergeMethod: options.method.toUpperCase(),
      head: options.expectedHeadSha,
    });
  } catch (error) {
    if (error instanceof GitHubApiError) throw error;
    throw new GitHubApiError(
      'POST /graphql (TollgateEnableAutoMerge)',
      0,
      error instanceof Error ? error.message : String(error),
      'allow auto-merge in the repository settings (General → Pull Requests → Allow auto-merge), or set `state_writes: push` in policy.yaml',
      error,
    );
  }
}
