// Gate a pull request: find it (a fork's by branch), leave a merged or closed one's check as it stood, withdraw a
// standing pass while re-judging, judge its current head against the base branch's tip, and post one check run.
// Any error posts a failing check: the gate never passes on partial data.
import { assertFullHistory } from '../git/history.ts';
import type { CheckRunInfo } from '../github/checks.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { findOpenPullRequest } from '../github/pulls.ts';
import { fetchReviewContext } from '../github/review-context.ts';
import { judgePullRequest, type GateGitHubPorts } from './judge.ts';
import {
  failedClosed,
  gateFootnote,
  postVerdict,
  type GateRequest,
  type SignoffGateResult,
} from './outcome.ts';
import { withdrawStandingPass } from './post-check.ts';
import { renderVerdictMarkdown, verdictAnnotations } from './render.ts';
import { checkNameFor, type PullRequestTarget } from './target.ts';

/** The pull request the event names, or (a fork's, by branch) the open one; undefined when none is open. */
async function resolvePullNumber(
  target: PullRequestTarget,
  client: GitHubClient,
  repo: RepoRef,
): Promise<number | undefined> {
  if (target.number !== undefined) return target.number;
  const owner = target.headOwner ?? repo.owner;
  return (await findOpenPullRequest(client, repo, `${owner}:${target.headBranch ?? ''}`))?.number;
}

export async function gatePullRequestFlow(
  request: GateRequest & { target: PullRequestTarget },
  ports: GateGitHubPorts,
): Promise<SignoffGateResult> {
  const { client, repo, repoRoot } = ports;
  const { target, defaultBranch } = request;
  let headSha = target.headSha;
  let otherBase: string | undefined;
  let listed: { headSha: string; runs: CheckRunInfo[] } | undefined;
  let result: SignoffGateResult;
  try {
    // Before any fetch: a shallow checkout would give a wrong diff and wrong history, so it fails here.
    await assertFullHistory(repoRoot);
    const number = await resolvePullNumber(target, client, repo);
    if (number === undefined) {
      // A review relayed from a fork's pull request that is merged or closed: the run lists no pull request,
      // and none is open from that branch. Its check stays as it stood; failing closed here would post a
      // failure on the merged head and rewrite the verdict auditors read.
      const from = `${target.headOwner ?? repo.owner}:${target.headBranch ?? '?'}`;
      return {
        conclusion: 'success',
        title: `No open pull request from ${from}: nothing to judge, no check posted`,
        summary: `No open pull request from ${from}; a review on a merged or closed pull request leaves its check run as it stood.\n`,
        pullRequests: [],
      };
    }
    const context = await fetchReviewContext(client, repo, number);
    const state = context.state;
    if (state !== 'OPEN') {
      // A review on a merged or closed pull request re-runs the gate; re-judging would overwrite the verdict that
      // stood at the merge, which is what auditors read. Nothing is posted.
      return {
        conclusion: 'success',
        title: `Pull request #${number} is ${state.toLowerCase()}: its check stays as it was`,
        summary: `Pull request #${number} is ${state.toLowerCase()}; the gate leaves its check run as it stood.\n`,
        pullRequests: [],
      };
    }
    // The name is known before judging when the event names the default branch; otherwise nothing is withdrawn.
    if (defaultBranch !== undefined)
      listed = {
        headSha: context.headSha,
        runs: await withdrawStandingPass(
          client,
          repo,
          {
            name: checkNameFor(
              request.checkName,
              context.baseRef === defaultBranch ? undefined : context.baseRef,
            ),
            headSha: context.headSha,
            ...(request.runUrl ? { detailsUrl: request.runUrl } : {}),
          },
          request.appId,
        ),
      };
    const judged = await judgePullRequest(
      number,
      {
        ...ports,
        registry: request.registry,
        context,
        ...(defaultBranch ? { defaultBranch } : {}),
        ...(request.appSlug ? { recordWriter: request.appSlug } : {}),
      },
      (sha) => (headSha = sha),
    );
    otherBase = judged.otherBase;
    result = {
      conclusion: judged.verdict.conclusion,
      title: judged.verdict.title,
      summary: `${renderVerdictMarkdown(judged.verdict)}\n${gateFootnote(client, listed !== undefined)}\n`,
      headSha: judged.headSha,
      pullRequests: [{ number, headSha: judged.headSha, verdict: judged.verdict }],
      annotations: verdictAnnotations(judged.verdict),
    };
  } catch (error) {
    result = failedClosed(error, client, headSha);
  }
  return postVerdict(result, client, repo, {
    ...request,
    ...(otherBase !== undefined ? { otherBase } : {}),
    ...(listed ? { listed } : {}),
  });
}
