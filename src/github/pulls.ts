// Pull requests: open one idempotently, read what the gate needs, request reviewers, label.
import { TollgateError } from '../errors.ts';
import { statusOf, type GitHubClient, type RepoRef } from './client.ts';

export interface PullRequestInfo {
  number: number;
  url: string;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  title: string;
  body: string;
  author: string | undefined;
  headRef: string;
  headSha: string;
  baseRef: string;
  labels: string[];
  /** When and by whom it was merged (absent while unmerged; GitHub lists `merged_by` on a single pull only). */
  mergedAt?: string;
  mergedBy?: string;
  /** The commit the merge put on the base branch (merge or squash commit); absent while unmerged. */
  mergeCommitSha?: string;
  /** null while GitHub is still computing it. */
  mergeable: boolean | null;
  mergeableState: string | undefined;
  /** When it was opened (ISO-8601), as GitHub lists it. */
  createdAt?: string;
}

interface RawPull {
  number: number;
  html_url: string;
  state: string;
  merged_at: string | null;
  merged?: boolean;
  merged_by?: { login: string } | null;
  merge_commit_sha?: string | null;
  draft?: boolean;
  title: string;
  body: string | null;
  user: { login: string } | null;
  head: { ref: string; sha: string };
  base: { ref: string };
  labels: { name?: string }[];
  mergeable?: boolean | null;
  mergeable_state?: string;
  created_at?: string;
}

function toInfo(pull: RawPull): PullRequestInfo {
  return {
    number: pull.number,
    url: pull.html_url,
    state: pull.state === 'open' ? 'open' : 'closed',
    merged: pull.merged ?? pull.merged_at !== null,
    draft: pull.draft ?? false,
    title: pull.title,
    body: pull.body ?? '',
    author: pull.user?.login,
    headRef: pull.head.ref,
    headSha: pull.head.sha,
    baseRef: pull.base.ref,
    labels: pull.labels.flatMap((label) => (label.name ? [label.name] : [])),
    ...(pull.merged_at ? { mergedAt: pull.merged_at } : {}),
    ...(pull.merged_by ? { mergedBy: pull.merged_by.login } : {}),
    // For an open pull request GitHub names a test merge here, not a commit on the base branch.
    ...(pull.merged_at && pull.merge_commit_sha ? { mergeCommitSha: pull.merge_commit_sha } : {}),
    mergeable: pull.mergeable ?? null,
    mergeableState: pull.mergeable_state,
    ...(pull.created_at ? { createdAt: pull.created_at } : {}),
  };
}

export interface NewPullRequest {
  head: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
}

export async function createPullRequest(
  client: GitHubClient,
  repo: RepoRef,
  pull: NewPullRequest,
): Promise<PullRequestInfo> {
  const { data } = await client.octokit.rest.pulls.create({ ...repo, ...pull });
  return toInfo(data);
}

/** The open pull request from branch `head` (of this repository), if any. */
export async function findOpenPullRequest(
  client: GitHubClient,
  repo: RepoRef,
  head: string,
): Promise<PullRequestInfo | undefined> {
  const qualified = head.includes(':') ? head : `${repo.owner}:${head}`;
  const { data } = await client.octokit.rest.pulls.list({
    ...repo,
    state: 'open',
    head: qualified,
    per_page: 100,
  });
  const first = data[0];
  return first ? toInfo(first) : undefined;
}

export interface EnsuredPullRequest {
  pull: PullRequestInfo;
  created: boolean;
  updated: boolean;
}

/**
 * The one open pull request for `head`: found or created, then its title, body and labels brought to
 * what is asked. Safe to re-run after a failure at any step: it never opens a second pull request.
 */
export async function ensurePullRequest(
  client: GitHubClient,
  repo: RepoRef,
  pull: NewPullRequest & { labels?: string[] },
): Promise<EnsuredPullRequest> {
  const { labels = [], ...fields } = pull;
  let existing = await findOpenPullRequest(client, repo, pull.head);
  let created = false;
  if (!existing) {
    try {
      existing = await createPullRequest(client, repo, fields);
      created = true;
    } catch (error) {
      // A concurrent run (or a retried request that did land) opened it first.
      if (statusOf(error) !== 422) throw error;
      existing = await findOpenPullRequest(client, repo, pull.head);
      if (!existing) throw error;
    }
  }
  let updated = false;
  if (!created && (existing.title !== pull.title || existing.body !== pull.body)) {
    const { data } = await client.octokit.rest.pulls.update({
      ...repo,
      pull_number: existing.number,
      title: pull.title,
      body: pull.body,
    });
    existing = toInfo(data);
    updated = true;
  }
  const current = existing;
  const missing = labels.filter((label) => !current.labels.includes(label));
  if (missing.length > 0) {
    const all = await addLabels(client, repo, existing.number, missing);
    existing = { ...existing, labels: all };
    updated = updated || !created;
  }
  return { pull: existing, created, updated };
}

export interface PullRequestFile {
  path: string;
  status: string;
  previousPath?: string;
}

/** GitHub lists at most this many files of a pull request; a longer list would be silently cut. */
export const MAX_LISTED_FILES = 3000;

/** Every changed file (all pages). Fails rather than return a list GitHub has cut short. */
export async function listPullRequestFiles(
  client: GitHubClient,
  repo: RepoRef,
  pullNumber: number,
): Promise<PullRequestFile[]> {
  const files = await client.octokit.paginate(client.octokit.rest.pulls.listFiles, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  if (files.length >= MAX_LISTED_FILES)
    throw new TollgateError(
      `pull request #${pullNumber} changes ${MAX_LISTED_FILES} or more files, more than GitHub's API lists`,
      {
        fix: 'compare the commits with git instead (check out with fetch-depth: 0), or split the pull request',
      },
    );
  return files.map((file) => ({
    path: file.filename,
    status: file.status,
    ...(file.previous_filename ? { previousPath: file.previous_filename } : {}),
  }));
}

export async function getPullRequest(
  client: GitHubClient,
  repo: RepoRef,
  pullNumber: number,
): Promise<PullRequestInfo> {
  const { data } = await client.octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
  return toInfo(data);
}

export interface ReviewInfo {
  id: number;
  author: string | undefined;
  state: string;
  commitId: string | undefined;
  submittedAt: string | undefined;
}

export async function listReviews(
  client: GitHubClient,
  repo: RepoRef,
  pullNumber: number,
): Promise<ReviewInfo[]> {
  const reviews = await client.octokit.paginate(client.octokit.rest.pulls.listReviews, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  return reviews.map((review) => ({
    id: review.id,
    author: review.user?.login,
    state: review.state,
    commitId: review.commit_id ?? undefined,
    submittedAt: review.submitted_at,
  }));
}

export async function requestReviewers(
  client: GitHubClient,
  repo: RepoRef,
  pullNumber: number,
  who: { reviewers?: string[]; teamReviewers?: string[] },
): Promise<void> {
  if (!who.reviewers?.length && !who.teamReviewers?.length) return;
  await client.octokit.rest.pulls.requestReviewers({
    ...repo,
    pull_number: pullNumber,
    reviewers: who.reviewers ?? [],
    team_reviewers: who.teamReviewers ?? [],
  });
}

/** Adds labels (GitHub creates unknown ones); returns all labels now on the pull request. */
export async function addLabels(
  client: GitHubClient,
  repo: RepoRef,
  issueNumber: number,
  labels: string[],
): Promise<string[]> {
  const { data } = await client.octokit.rest.issues.addLabels({ ...repo, issue_number: issueNumber, labels });
  return data.map((label) => label.name);
}

/**
 * Every open pull request of the repository (all pages, 100 a page), optionally only those whose head branch
 * starts with `headPrefix`. GitHub filters `head` by exact branch only, so a prefix is matched here.
 */
export async function listOpenPullRequests(
  client: GitHubClient,
  repo: RepoRef,
  options: { headPrefix?: string } = {},
): Promise<PullRequestInfo[]> {
  const pulls = await client.octokit.paginate(client.octokit.rest.pulls.list, {
    ...repo,
    state: 'open',
    per_page: 100,
  });
  return pulls
    .map(toInfo)
    .filter((pull) => !options.headPrefix || pull.headRef.startsWith(options.headPrefix));
}
