// The GraphQL queries Tollgate sends (by operation name), answered from the same state as REST.
import type { GitHubState } from './state.ts';
import { commitsBetween, readRef } from './git-store.ts';
import type { MergeMethod } from './state.ts';

const cursor = (offset: number) => Buffer.from(`cursor:${offset}`).toString('base64');
const offsetOf = (after: unknown) =>
  typeof after === 'string'
    ? Number(Buffer.from(after, 'base64').toString('utf8').replace('cursor:', ''))
    : 0;

function connection<T>(all: T[], after: unknown, first = 100) {
  const start = offsetOf(after);
  const nodes = all.slice(start, start + first);
  const end = start + nodes.length;
  return {
    totalCount: all.length,
    pageInfo: { hasNextPage: end < all.length, endCursor: cursor(end) },
    nodes,
  };
}

export async function answerGraphql(
  state: GitHubState,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const operation = /(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
  if (operation === 'TollgateEnableAutoMerge') return enableAutoMerge(state, variables);
  if (
    !operation ||
    !['TollgateReviewContext', 'TollgateMoreReviews', 'TollgateMoreCommits'].includes(operation)
  )
    return {
      status: 200,
      body: { errors: [{ message: `the GitHub double does not answer ${operation ?? 'this query'}` }] },
    };
  const repo = state.repos.get(`${String(variables.owner)}/${String(variables.repo)}`);
  if (!repo)
    return {
      status: 200,
      body: {
        data: { repository: null },
        errors: [{ type: 'NOT_FOUND', path: ['repository'], message: 'Could not resolve to a Repository.' }],
      },
    };
  const pull = repo.pulls.find((candidate) => candidate.number === Number(variables.number));
  if (!pull) return { status: 200, body: { data: { repository: { pullRequest: null } } } };
  const actor = (login: string) => {
    const user = state.user(login);
    return { login: user.login, __typename: user.type };
  };
  const head = (await readRef(repo.gitDir, `refs/heads/${pull.head}`)) ?? '';
  const base = (await readRef(repo.gitDir, `refs/heads/${pull.base}`)) ?? null;
  const reviews = repo.reviews
    .filter((review) => review.pull === pull.number)
    .map((review) => ({
      databaseId: review.id,
      state: review.state,
      submittedAt: review.submittedAt,
      authorCanPushToRepository: ['write', 'maintain', 'admin'].includes(
        repo.collaborators.get(review.user) ?? 'none',
      ),
      commit: { oid: review.commitId },
      author: actor(review.user),
    }));
  const commits = head && base ? await commitsBetween(repo.gitDir, base, head) : [];
  const commitNodes = commits.map((commit) => ({
    commit: {
      oid: commit.sha,
      author: {
        name: commit.authorName,
        email: commit.authorEmail,
        user: state.userByEmail(commit.authorEmail)
          ? { login: state.userByEmail(commit.authorEmail)!.login }
          : null,
      },
      committer: {
        user: state.userByEmail(commit.committerEmail)
          ? { login: state.userByEmail(commit.committerEmail)!.login }
          : null,
      },
    },
  }));
  const after = variables.after;
  if (operation === 'TollgateMoreReviews')
    return {
      status: 200,
      body: { data: { repository: { pullRequest: { reviews: connection(reviews, after) } } } },
    };
  if (operation === 'TollgateMoreCommits')
    return {
      status: 200,
      body: { data: { repository: { pullRequest: { commits: connection(commitNodes, after) } } } },
    };
  return {
    status: 200,
    body: {
      data: {
        repository: {
          pullRequest: {
            number: pull.number,
            state: pull.merged ? 'MERGED' : pull.state === 'open' ? 'OPEN' : 'CLOSED',
            isDraft: pull.draft,
            headRefName: pull.head,
            headRefOid: head,
            baseRefName: pull.base,
            baseRefOid: base,
            author: actor(pull.user),
            commits: connection(commitNodes, undefined),
            reviews: connection(reviews, undefined),
          },
        },
      },
    },
  };
}

/** enablePullRequestAutoMerge, with GitHub's refusals: auto-merge disabled, already mergeable, head moved. */
async function enableAutoMerge(
  state: GitHubState,
  variables: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const refuse = (message: string) => ({
    status: 200,
    body: { data: { enablePullRequestAutoMerge: null }, errors: [{ type: 'UNPROCESSABLE', message }] },
  });
  for (const [full, repo] of state.repos) {
    const pull = repo.pulls.find((p) => `PR_${p.id}` === variables.id);
    if (!pull) continue;
    if (!repo.allowAutoMerge) return refuse('Auto merge is not allowed for this repository');
    if (pull.state !== 'open') return refuse('Pull request is closed');
    const head = (await readRef(repo.gitDir, `refs/heads/${pull.head}`)) ?? '';
    if (variables.head !== head) return refuse('Head branch was modified');
    if (state.missingChecks(full, head).length === 0) return refuse('Pull request is in clean status');
    pull.autoMerge = {
      method: String(variables.mergeMethod).toLowerCase() as MergeMethod,
      expectedHead: head,
      by: state.actor,
    };
    return {
      status: 200,
      body: {
        data: {
          enablePullRequestAutoMerge: {
            pullRequest: { number: pull.number, autoMergeRequest: { enabledAt: state.now() } },
          },
        },
      },
    };
  }
  return {
    status: 200,
    body: {
      data: null,
      errors: [
        {
          type: 'NOT_FOUND',
          message: `Could not resolve to a node with the global id of '${String(variables.id)}'`,
        },
      ],
    },
  };
}
