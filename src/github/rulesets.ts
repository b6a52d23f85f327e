// Repository settings Tollgate relies on: the ruleset that makes the gate required, and auto-merge.
import type { GitHubClient, RepoRef } from './client.ts';

/** Creates a repository ruleset (needs Administration: write); returns its id. */
export async function createRepositoryRuleset(
  client: GitHubClient,
  repo: RepoRef,
  ruleset: Record<string, unknown> & { name: string; enforcement: string },
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
