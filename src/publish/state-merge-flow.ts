// Merges every open Tollgate state pull request whose required checks have passed (state-merge.ts decides which),
// as the Tollgate App, with a direct merge call pinned to the head that passed. Run by the state-merge action after
// each run of the sign-off gate or validate, and on a schedule for anything missed.
import { listCheckRunsForRef } from '../github/checks.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { mergePullRequest } from '../github/merge.ts';
import { listOpenPullRequests } from '../github/pulls.ts';
import { judgeStatePullRequest } from './state-merge.ts';

export interface StateMergeOutcome {
  number: number;
  status: 'merged' | 'waiting' | 'skipped' | 'blocked';
  detail: string;
}

export async function mergePassedStatePullRequests(
  client: GitHubClient,
  repo: RepoRef,
  context: { appId: number; appSlug: string; defaultBranch: string },
): Promise<StateMergeOutcome[]> {
  const outcomes: StateMergeOutcome[] = [];
  for (const pull of await listOpenPullRequests(client, repo)) {
    const early = judgeStatePullRequest({ ...pull, checks: [] }, context);
    if (!early.merge && early.kind === 'skip') continue; // not Tollgate's: nothing to say about it
    const runs = await listCheckRunsForRef(client, repo, pull.headSha);
    const verdict = judgeStatePullRequest(
      {
        ...pull,
        checks: runs.map((r) => ({
          name: r.name,
          appId: r.app?.id,
          status: r.status,
          conclusion: r.conclusion,
        })),
      },
      context,
    );
    if (!verdict.merge) {
      outcomes.push({
        number: pull.number,
        status: verdict.kind === 'wait' ? 'waiting' : 'skipped',
        detail: verdict.reason,
      });
      continue;
    }
    const merged = await mergePullRequest(client, repo, pull.number, {
      sha: pull.headSha,
      method: 'squash',
      title: pull.title,
    });
    outcomes.push(
      merged.status === 'merged'
        ? { number: pull.number, status: 'merged', detail: `merged as ${merged.sha.slice(0, 12)}` }
        : {
            number: pull.number,
            status: 'blocked',
            detail:
              merged.status === 'head-moved' ? 'its branch moved after the checks passed' : merged.reason,
          },
    );
  }
  return outcomes;
}
