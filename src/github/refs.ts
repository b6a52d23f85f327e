// Branch refs through the API: read, create or fast-forward, delete.
import { statusOf, type GitHubClient, type RepoRef } from './client.ts';

/** The commit a branch points at, or undefined when the branch does not exist. */
export async function getRef(
  client: GitHubClient,
  repo: RepoRef,
  branch: string,
): Promise<string | undefined> {
  try {
    const { data } = await client.octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

export type EnsureBranchResult = 'created' | 'updated' | 'unchanged';

/**
 * Points `branch` at `sha`: creates it, or fast-forwards it. Never forces, so a branch that moved
 * to a commit `sha` does not contain fails with GitHub's 422 rather than losing someone's work.
 */
export async function ensureBranch(
  client: GitHubClient,
  repo: RepoRef,
  branch: string,
  sha: string,
): Promise<EnsureBranchResult> {
  const current = await getRef(client, repo, branch);
  if (current === sha) return 'unchanged';
  if (current === undefined) {
    try {
      await client.octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
    } catch (error) {
      // "Reference already exists": a retried create whose first answer was lost, or a concurrent run.
      if (statusOf(error) !== 422 || (await getRef(client, repo, branch)) !== sha) throw error;
    }
    return 'created';
  }
  await client.octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: false });
  return 'updated';
}

/** Deletes a branch; true if it existed. Deleting a branch that is already gone is not an error. */
export async function deleteBranch(client: GitHubClient, repo: RepoRef, branch: string): Promise<boolean> {
  try {
    await client.octokit.rest.git.deleteRef({ ...repo, ref: `heads/${branch}` });
    return true;
  } catch (error) {
    // GitHub answers 422 "Reference does not exist" (and 404 on some versions) for a missing ref.
    if (statusOf(error) === 404 || statusOf(error) === 422) return false;
    throw error;
  }
}
