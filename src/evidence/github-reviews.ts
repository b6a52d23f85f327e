// The ReviewSource that knows what git cannot: each pull request's author, merge time and merger, its reviews (with
// the commit each was given on) and the verdict of the gate's check run on its head, read through the GitHub layer.
// Answers are memoised per pull request and fetched a few at a time, so an export of a long history stays within
// the token's budget and the number of calls can be reported.
import type { MembershipState } from '../gate/types.ts';
import { getTeamMembership } from '../github/access.ts';
import { listCheckRunsForRef } from '../github/checks.ts';
import { GitHubApiError, statusOf, type GitHubClient, type RepoRef } from '../github/client.ts';
import { getPullRequest, listReviews } from '../github/pulls.ts';
import type { GateCheckRecord, PullRequestRecord, ReviewRecord, ReviewSource } from './reviews.ts';
import { GATE_CHECK_NAME } from '../gate/types.ts';

/** The sign-off gate's check run name (the signoff-gate action's `check-name` default). */

export interface GitHubReviewOptions {
  client: GitHubClient;
  repo: RepoRef;
  /** The gate's check run name. Default `tollgate/signoff`. */
  checkName?: string;
  /**
   * The App the gate runs as (the ruleset's pin): only its runs are the gate's, and another App's run of the name is
   * kept apart as forged. Unset, a run from any App counts, as GitHub's name-only required check would.
   */
  appId?: number;
  /** Pull requests fetched at the same time. Default 4. */
  concurrency?: number;
}

export interface GitHubReviewSource extends ReviewSource {
  readonly repo: RepoRef;
  readonly checkName: string;
  /** API requests this source has sent (retries included). */
  calls(): number;
  warnings(): string[];
}

/** Runs at most `limit` tasks at once, the rest in the order they were asked for. */
export function concurrencyLimit(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= Math.max(1, limit)) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

type RunFacts = {
  id: number;
  headSha: string;
  conclusion: string | null;
  completedAt?: string;
  app?: { id: number; slug?: string | undefined };
};

/** Every run of the gate's check on the head, newest first; `withApp` keeps who posted each (for forged runs). */
export function gateChecksOf(runs: RunFacts[], withApp = false): GateCheckRecord[] {
  return [...runs]
    .sort((a, b) => b.id - a.id)
    .map((run) => ({
      conclusion: run.conclusion,
      headSha: run.headSha,
      ...(run.completedAt ? { completedAt: run.completedAt } : {}),
      ...(withApp && run.app
        ? { app: { id: run.app.id, ...(run.app.slug ? { slug: run.app.slug } : {}) } }
        : {}),
    }));
}

/** The gate's verdict from the runs of its name on the head: the most recent run (GitHub shows that one). */
export function gateCheckOf(runs: RunFacts[]): GateCheckRecord | undefined {
  return gateChecksOf(runs)[0];
}

export function githubReviews(options: GitHubReviewOptions): GitHubReviewSource {
  const { client, repo } = options;
  const checkName = options.checkName ?? GATE_CHECK_NAME;
  const limit = concurrencyLimit(options.concurrency ?? 4);
  const startCalls = client.calls();
  const pulls = new Map<number, Promise<PullRequestRecord | undefined>>();
  const memberships = new Map<string, Promise<MembershipState | 'unknown'>>();
  const warnings = new Set<string>();
  let teamsUnreadable = false;

  const fetchPull = async (number: number): Promise<PullRequestRecord | undefined> => {
    let pull;
    try {
      pull = await getPullRequest(client, repo, number);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    const [reviews, runs] = await Promise.all([
      listReviews(client, repo, number),
      // Every run, not only GitHub's latest: the audit judges the run that stood at the merge.
      listCheckRunsForRef(client, repo, pull.headSha, { checkName, filter: 'all' }),
    ]);
    const submitted: ReviewRecord[] = reviews.flatMap((r) =>
      r.state === 'PENDING' || !r.author || !r.submittedAt
        ? []
        : [{ login: r.author, state: r.state, commitId: r.commitId ?? '', submittedAt: r.submittedAt }],
    );
    const named = runs.filter((run) => run.name === checkName);
    const pinned = options.appId;
    const gateChecks = gateChecksOf(
      pinned === undefined ? named : named.filter((run) => run.app?.id === pinned),
    );
    const foreignChecks =
      pinned === undefined
        ? []
        : gateChecksOf(
            named.filter((run) => run.app?.id !== pinned),
            true,
          );
    const gateCheck = gateChecks[0];
    return {
      number,
      title: pull.title,
      ...(pull.author ? { author: pull.author } : {}),
      ...(pull.mergedAt ? { mergedAt: pull.mergedAt } : {}),
      ...(pull.mergedBy ? { mergedBy: pull.mergedBy } : {}),
      ...(pull.mergeCommitSha ? { mergeCommitSha: pull.mergeCommitSha } : {}),
      reviews: submitted,
      body: pull.body,
      ...(gateCheck ? { gateCheck, gateChecks } : {}),
      ...(foreignChecks.length > 0 ? { foreignChecks } : {}),
      reviewsKnown: true,
    };
  };

  const fetchMembership = async (team: string, login: string): Promise<MembershipState | 'unknown'> => {
    const [org, slug, ...rest] = team.split('/');
    if (!org || !slug || rest.length > 0) return 'unknown';
    if (teamsUnreadable) return 'unknown';
    try {
      return await getTeamMembership(client, { org, team: slug }, login);
    } catch (error) {
      if (!(error instanceof GitHubApiError)) throw error;
      // Without org Members read access every answer would be the same refusal: stop asking.
      if (error.status === 403) {
        teamsUnreadable = true;
        warnings.add(
          'team membership could not be read (the token lacks the organization permission "Members: read"): roles held through a team are reported as unknown',
        );
      } else
        warnings.add(`team ${team} could not be read (${error.message}): its members' roles are unknown`);
      return 'unknown';
    }
  };

  return {
    repo,
    checkName,
    calls: () => client.calls() - startCalls,
    warnings: () => [...warnings],
    pullRequest(number) {
      let answer = pulls.get(number);
      if (!answer) {
        answer = limit(() => fetchPull(number));
        pulls.set(number, answer);
      }
      return answer;
    },
    teamMembership(team, login) {
      const key = `${team.toLowerCase()}\0${login.toLowerCase()}`;
      let answer = memberships.get(key);
      if (!answer) {
        answer = limit(() => fetchMembership(team, login));
        memberships.set(key, answer);
      }
      return answer;
    },
  };
}
