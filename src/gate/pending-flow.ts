// `tollgate signoffs pending`: every open promotion pull request judged as the sign-off gate would judge it now
// (judgePullRequest: its head against the base branch's tip, the same verdict as the check run), then the inbox
// rows (inbox.ts). With `me`, the token's user and its teams are asked of GitHub to keep only what it can sign.
import { TollgateError } from '../errors.ts';
import { authenticatedLogin, getTeamMembership } from '../github/access.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { listOpenPullRequests } from '../github/pulls.ts';
import { inboxRows, type InboxFilter, type InboxRow, type PendingPull, type Reviewer } from './inbox.ts';
import { judgePullRequest } from './judge.ts';

/** Branches `tollgate promote` opens: tollgate/promote/<model>/<stage>. */
export const PROMOTE_BRANCH_PREFIX = 'tollgate/promote/';
const PROMOTE_BRANCH = /^tollgate\/promote\/([^/]+)\/([^/]+)$/;

export interface PendingPorts {
  client: GitHubClient;
  repo: RepoRef;
  /** A checkout of the repository with `origin` pointing at it: the heads are fetched into it as data. */
  repoRoot: string;
  /** Repository-relative registry folder. */
  registry: string;
  now: Date;
}

export interface PendingRequest {
  role?: string;
  /** Only what the token's user can sign. */
  me?: boolean;
  olderThanSeconds?: number;
}

export interface PendingResult {
  rows: InboxRow[];
  /** How many open promotion pull requests were looked at. */
  open: number;
  /** The token's user, with --me. */
  me?: string;
  calls: number;
}

export async function pendingSignoffsFlow(
  ports: PendingPorts,
  request: PendingRequest = {},
): Promise<PendingResult> {
  const { client, repo } = ports;
  const open = await listOpenPullRequests(client, repo, { headPrefix: PROMOTE_BRANCH_PREFIX });
  const pulls: PendingPull[] = [];
  for (const pull of open) {
    const branch = PROMOTE_BRANCH.exec(pull.headRef);
    const base: PendingPull = {
      number: pull.number,
      title: pull.title,
      url: pull.url,
      createdAt: pull.createdAt ?? ports.now.toISOString(),
      draft: pull.draft,
      ...(branch ? { model: branch[1]!, stage: branch[2]! } : {}),
      excluded: pull.author ? [pull.author] : [],
    };
    try {
      const judged = await judgePullRequest(pull.number, {
        client,
        repo,
        repoRoot: ports.repoRoot,
        registry: ports.registry,
      });
      const { facts } = judged;
      const authors = [
        ...base.excluded,
        ...facts.requestedBy,
        ...(facts.policy.signoff.excludeCommitAuthors ? facts.commitAuthorLogins : []),
      ];
      pulls.push({ ...base, verdict: judged.verdict, excluded: [...new Set(authors)] });
    } catch (error) {
      // A GitHub failure is the environment's, and says nothing about one pull request: it ends the command.
      if (error instanceof TollgateError && error.kind === 'environment') throw error;
      pulls.push({ ...base, problem: error instanceof Error ? error.message : String(error) });
    }
  }
  let me: Reviewer | undefined;
  if (request.me) me = await reviewerOf(client, pulls);
  const filter: InboxFilter = {
    ...(request.role !== undefined ? { role: request.role } : {}),
    ...(me ? { me } : {}),
    ...(request.olderThanSeconds !== undefined ? { olderThanSeconds: request.olderThanSeconds } : {}),
  };
  return {
    rows: inboxRows(pulls, ports.now, filter),
    open: open.length,
    ...(me ? { me: me.login } : {}),
    calls: client.calls(),
  };
}

/** The token's user and its active memberships among the teams that unfilled roles name. */
async function reviewerOf(client: GitHubClient, pulls: PendingPull[]): Promise<Reviewer> {
  const login = await authenticatedLogin(client);
  const named = new Set<string>();
  for (const pull of pulls)
    for (const r of pull.verdict?.requirements ?? [])
      if (!r.satisfiedBy)
        for (const c of r.candidates) if (c.includes('/')) named.add(c.replace(/^@/, '').toLowerCase());
  const teams: string[] = [];
  for (const team of [...named].sort()) {
    const [org, slug] = team.split('/');
    if (!org || !slug) continue;
    if ((await getTeamMembership(client, { org, team: slug }, login)) === 'active') teams.push(team);
  }
  return { login, teams };
}
