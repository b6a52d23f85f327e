// Everything the sign-off gate needs about a pull request in one GraphQL query: a pull request with
// 100 reviews costs one call, not one per page of reviews plus one per commit.
import { TollgateError } from '../errors.ts';
import { GitHubApiError, type GitHubClient, type RepoRef } from './client.ts';

export interface ReviewContextReview {
  id: number;
  author: string | undefined;
  authorIsBot: boolean;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  commitSha: string | undefined;
  submittedAt: string | undefined;
  /** GitHub's `authorCanPushToRepository`: write access or more. Saves one permission call per reviewer. */
  authorCanPush: boolean | undefined;
}

export interface ReviewContextCommit {
  sha: string;
  /** GitHub login of the commit's author, when the email maps to an account. */
  author: string | undefined;
  authorName: string | undefined;
  authorEmail: string | undefined;
  committer: string | undefined;
}

export interface ReviewContext {
  number: number;
  author: string | undefined;
  authorIsBot: boolean;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  draft: boolean;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string | undefined;
  commits: ReviewContextCommit[];
  reviews: ReviewContextReview[];
}

const PAGE = 100;

const REVIEW_FIELDS = `totalCount pageInfo { hasNextPage endCursor }
  nodes { databaseId state submittedAt authorCanPushToRepository commit { oid } author { login __typename } }`;
const COMMIT_FIELDS = `totalCount pageInfo { hasNextPage endCursor }
  nodes { commit { oid author { name email user { login } } committer { user { login } } } }`;

export const REVIEW_CONTEXT_QUERY = `query TollgateReviewContext($owner: String!, $repo: String!, $number: Int!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      number state isDraft headRefName headRefOid baseRefName baseRefOid
      author { login __typename }
      commits(first: ${PAGE}) { ${COMMIT_FIELDS} }
      reviews(first: ${PAGE}) { ${REVIEW_FIELDS} }
    }
  }
}`;

const MORE_REVIEWS_QUERY = `query TollgateMoreReviews($owner: String!, $repo: String!, $number: Int!, $after: String!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) { reviews(first: ${PAGE}, after: $after) { ${REVIEW_FIELDS} } }
  }
}`;

const MORE_COMMITS_QUERY = `query TollgateMoreCommits($owner: String!, $repo: String!, $number: Int!, $after: String!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) { commits(first: ${PAGE}, after: $after) { ${COMMIT_FIELDS} } }
  }
}`;

interface Connection<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: (T | null)[];
}
interface Actor {
  login: string;
  __typename: string;
}
interface ReviewNode {
  databaseId: number;
  state: ReviewContextReview['state'];
  submittedAt: string | null;
  authorCanPushToRepository?: boolean | null;
  commit: { oid: string } | null;
  author: Actor | null;
}
interface CommitNode {
  commit: {
    oid: string;
    author: { name: string | null; email: string | null; user: { login: string } | null } | null;
    committer: { user: { login: string } | null } | null;
  };
}
interface PullNode {
  number: number;
  state: ReviewContext['state'];
  isDraft: boolean;
  headRefName: string;
  headRefOid: string;
  baseRefName: string;
  baseRefOid: string | null;
  author: Actor | null;
  commits: Connection<CommitNode>;
  reviews: Connection<ReviewNode>;
}
type Answer<P> = { repository: { pullRequest: P | null } | null };

async function remainingPages<T>(
  client: GitHubClient,
  query: string,
  variables: Record<string, unknown>,
  first: Connection<T>,
  pick: (pull: { reviews?: Connection<T>; commits?: Connection<T> }) => Connection<T> | undefined,
): Promise<T[]> {
  const nodes = [...first.nodes];
  let page = first.pageInfo;
  while (page.hasNextPage && page.endCursor) {
    const answer = await graphql<Answer<{ reviews?: Connection<T>; commits?: Connection<T> }>>(
      client,
      query,
      {
        ...variables,
        after: page.endCursor,
      },
    );
    const next = answer.repository?.pullRequest ? pick(answer.repository.pullRequest) : undefined;
    // A page GitHub did not return could hold the change request that withdraws an approval: never judge without it.
    if (!next)
      throw new TollgateError(
        `GitHub answered no page after cursor ${page.endCursor} of the pull request's reviews or commits`,
        { fix: 're-run the job; the gate judges on every review and commit or not at all' },
      );
    nodes.push(...next.nodes);
    page = next.pageInfo;
  }
  return nodes.filter((node): node is T => node !== null);
}

/** A GraphQL query whose errors (which arrive with HTTP 200) become GitHubApiErrors naming the query. */
async function graphql<T>(
  client: GitHubClient,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  try {
    return await client.octokit.graphql<T>(query, variables);
  } catch (error) {
    if (error instanceof GitHubApiError) throw error;
    const name = /query\s+(\w+)/.exec(query)?.[1] ?? 'query';
    throw new GitHubApiError(
      `POST /graphql (${name})`,
      0,
      error instanceof Error ? error.message : String(error),
      'check that the repository and pull request exist and that the token can read pull requests (pull-requests: read)',
      error,
    );
  }
}

export async function fetchReviewContext(
  client: GitHubClient,
  repo: RepoRef,
  pullNumber: number,
): Promise<ReviewContext> {
  const variables = { owner: repo.owner, repo: repo.repo, number: pullNumber };
  const answer = await graphql<Answer<PullNode>>(client, REVIEW_CONTEXT_QUERY, variables);
  const pull = answer.repository?.pullRequest;
  if (!pull)
    throw new TollgateError(`pull request ${repo.owner}/${repo.repo}#${pullNumber} not found`, {
      fix: "check the pull request number, and that the token can read this repository's pull requests",
    });
  const reviews = await remainingPages(client, MORE_REVIEWS_QUERY, variables, pull.reviews, (p) => p.reviews);
  const commits = await remainingPages(client, MORE_COMMITS_QUERY, variables, pull.commits, (p) => p.commits);
  return {
    number: pull.number,
    author: pull.author?.login,
    authorIsBot: pull.author?.__typename === 'Bot',
    state: pull.state,
    draft: pull.isDraft,
    headRef: pull.headRefName,
    headSha: pull.headRefOid,
    baseRef: pull.baseRefName,
    baseSha: pull.baseRefOid ?? undefined,
    commits: commits.map(({ commit }) => ({
      sha: commit.oid,
      author: commit.author?.user?.login,
      authorName: commit.author?.name ?? undefined,
      authorEmail: commit.author?.email ?? undefined,
      committer: commit.committer?.user?.login,
    })),
    reviews: reviews.map((review) => ({
      id: review.databaseId,
      author: review.author?.login,
      authorIsBot: review.author?.__typename === 'Bot',
      state: review.state,
      commitSha: review.commit?.oid,
      submittedAt: review.submittedAt ?? undefined,
      authorCanPush: review.authorCanPushToRepository ?? undefined,
    })),
  };
}
