// One Tollgate comment per pull request, found again by a hidden marker and edited in place.
import type { GitHubClient, RepoRef } from './client.ts';

export function commentMarker(key: string): string {
  return `<!-- tollgate:${key} -->`;
}

export interface MarkedCommentResult {
  id: number;
  action: 'created' | 'updated' | 'unchanged';
}

/** Creates the comment marked `key`, or edits the existing one; never posts a second one. */
export async function upsertMarkedComment(
  client: GitHubClient,
  repo: RepoRef,
  issueNumber: number,
  key: string,
  body: string,
): Promise<MarkedCommentResult> {
  const marker = commentMarker(key);
  const full = `${marker}\n${body}`;
  const comments = await client.octokit.paginate(client.octokit.rest.issues.listComments, {
    ...repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const mine = comments.find((comment) => comment.body?.includes(marker));
  if (!mine) {
    // Not retried: a create whose answer was lost would post twice. A re-run finds the first one.
    const { data } = await client.octokit.rest.issues.createComment({
      ...repo,
      issue_number: issueNumber,
      body: full,
      request: { retries: 0 },
    });
    return { id: data.id, action: 'created' };
  }
  if (mine.body === full) return { id: mine.id, action: 'unchanged' };
  await client.octokit.rest.issues.updateComment({ ...repo, comment_id: mine.id, body: full });
  return { id: mine.id, action: 'updated' };
}
