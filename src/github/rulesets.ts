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
