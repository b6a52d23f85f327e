// Repository settings Tollgate relies on: the ruleset that makes the gate required, and auto-merge.
import type { GitHubClient, RepoRef } from './client.ts';

/** Creates a repository ruleset (needs Administration: write); returns its id. */
export async function createRepositoryRuleset(
  client: GitHubClient,
  repo: RepoRef,
  ruleset: { name: string; enforcement: string },
): Promise<number> {
  const { data } = await client.octokit.request('POST /repos/{owner}/{repo}/rulesets', {
    ...repo,
    ...ruleset,
  } as never);
  return (data as { id: number }).id;
}

/**
 * Turns on "Allow auto-merge" (needs Administration: write): Tollgate's state pull requests then merge by
 * themselves once the sign-off gate has passed them.
 */
export async function allowAutoMerge(client: GitHubClient, repo: RepoRef): Promise<void> {
  await client.octokit.rest.repos.update({ ...repo, allow_auto_merge: true });
}

/**
 * Creates (or updates) a deployment environment whose secrets only `branch` may use (needs Administration:
 * write): a custom deployment branch policy naming that one branch. A workflow run on any other branch that names
 * the environment fails before its job starts, so it never sees the secrets.
 */
export async function restrictEnvironmentToBranch(
  client: GitHubClient,
  repo: RepoRef,
  environment: string,
  branch: string,
): Promise<void> {
  await client.octokit.request('PUT /repos/{owner}/{repo}/environments/{environment_name}', {
    ...repo,
    environment_name: environment,
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
  });
  await client.octokit.request(
    'POST /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
    { ...repo, environment_name: environment, name: branch, type: 'branch' },
  );
}
