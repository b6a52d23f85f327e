// Issues through the Octokit client: one issue per key, found again by a hidden marker in its body.
import type { GitHubClient, RepoRef } from './client.ts';
import { commentMarker } from './comments.ts';

export interface IssueRef {
  number: number;
  url: string;
  state: 'open' | 'closed';
}

/** The issue whose body carries the marker of `key`, among the issues with all of `labels`. */
export async function findMarkedIssue(
  client: GitHubClient,
  repo: RepoRef,
  key: string,
  labels: string[],
): Promise<IssueRef | undefined> {
  const marker = commentMarker(key);
  const issues = await client.octokit.paginate(client.octokit.rest.issues.listForRepo, {
    ...repo,
    state: 'all',
    labels: labels.join(','),
    per_page: 100,
  });
  const found = issues.find((issue) => !issue.pull_request && issue.body?.includes(marker));
  return found
    ? { number: found.number, url: found.html_url, state: found.state === 'closed' ? 'closed' : 'open' }
    : undefined;
}

/** Opens the issue marked `key`, or rewrites its title, body and labels when it exists. */
export async function upsertMarkedIssue(
  client: GitHubClient,
  repo: RepoRef,
  key: string,
  issue: { title: string; body: string; labels: string[]; findBy: string[] },
): Promise<IssueRef & { created: boolean }> {
  const body = `${commentMarker(key)}\n${issue.body}`;
  const existing = await findMarkedIssue(client, repo, key, issue.findBy);
  if (existing) {
    await client.octokit.rest.issues.update({
      ...repo,
      issue_number: existing.number,
      title: issue.title,
      body,
      labels: issue.labels,
    });
    return { ...existing, created: false };
  }
  // Not retried: a create whose answer was lost would open a second issue; a re-run finds the first one.
  const { data } = await client.octokit.rest.issues.create({
    ...repo,
    title: issue.title,
    body,
    labels: issue.labels,
    request: { retries: 0 },
  });
  return { number: data.number, url: data.html_url, state: 'open', created: true };
}

export async function commentOnIssue(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  body: string,
): Promise<void> {
  await client.octokit.rest.issues.createComment({
    ...repo,
    issue_number: number,
    body,
    request: { retries: 0 },
  });
}

export async function setIssueState(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  change: { state: 'open' | 'closed'; labels?: string[] },
): Promise<void> {
  await client.octokit.rest.issues.update({
    ...repo,
    issue_number: number,
    state: change.state,
    ...(change.state === 'closed' ? { state_reason: 'completed' as const } : {}),
    ...(change.labels ? { labels: change.labels } : {}),
  });
}
