// Gate a merge group: every pull request the group contains must pass on its own head, and the group may change
// nothing none of them changes. One check run on the group's head; any error posts a failing one.
import { TollgateError } from '../errors.ts';
import { assertFullHistory } from '../git/history.ts';
import { collectGateFacts } from './collect.ts';
import { commitSubjects, fetchCommits } from './fetch.ts';
import { judgePullRequest, type GateGitHubPorts, type Judged } from './judge.ts';
import {
  failedClosed,
  gateFootnote,
  postVerdict,
  type GateRequest,
  type SignoffGateResult,
} from './outcome.ts';
import { renderVerdictMarkdown } from './render.ts';
import { pullNumbersInMergeGroup, unexplainedChanges, type MergeGroupTarget } from './target.ts';

async function judgeMergeGroup(
  target: MergeGroupTarget,
  request: GateRequest,
  ports: GateGitHubPorts,
): Promise<SignoffGateResult> {
  const { repoRoot, client } = ports;
  await fetchCommits(repoRoot, [target.baseSha, target.headSha]);
  const subjects = await commitSubjects(repoRoot, target.baseSha, target.headSha);
  const numbers = pullNumbersInMergeGroup(target.headRef, subjects);
  if (numbers.length === 0)
    throw new TollgateError(`merge group ${target.headRef || target.headSha} names no pull request`, {
      fix: 'use the merge queue with the merge or squash method, so each pull request number is in a commit subject',
    });
  const options = {
    ...ports,
    registry: request.registry,
    ...(request.defaultBranch ? { defaultBranch: request.defaultBranch } : {}),
    ...(request.appSlug ? { recordWriter: request.appSlug } : {}),
  };
  const judged: Judged[] = [];
  for (const number of numbers)
    judged.push(await judgePullRequest(number, options, () => {}, target.baseSha));
  const group = await collectGateFacts(repoRoot, {
    baseSha: target.baseSha,
    headSha: target.headSha,
    registryPrefix: request.registry,
  });
  const unexplained = unexplainedChanges(
    group.changes,
    judged.map((j) => j.facts.changes),
  );
  const failed = judged.filter((j) => j.verdict.conclusion !== 'success');
  const conclusion = failed.length === 0 && unexplained.length === 0 ? 'success' : 'failure';
  const title =
    conclusion === 'success'
      ? `All ${judged.length} pull request(s) in the merge group signed off`
      : unexplained.length > 0
        ? 'Blocked: the merge group changes what no pull request in it changes'
        : `Pull request(s) ${failed.map((j) => `#${j.number}`).join(', ')} lack sign-off`;
  const sections = [`### ${conclusion === 'success' ? '✅' : '❌'} ${title}`, ''];
  if (unexplained.length > 0) {
    sections.push('**Changes no pull request in the group explains:**', '');
    for (const change of unexplained) sections.push(`- \`${JSON.stringify(change)}\``);
    sections.push('');
  }
  for (const j of judged)
    sections.push(
      `#### Pull request #${j.number} (\`${j.headSha.slice(0, 7)}\`)`,
      '',
      renderVerdictMarkdown(j.verdict),
    );
  sections.push(gateFootnote(client), '');
  return {
    conclusion,
    title,
    summary: sections.join('\n'),
    headSha: target.headSha,
    pullRequests: judged.map(({ number, headSha, verdict }) => ({ number, headSha, verdict })),
  };
}

export async function gateMergeGroupFlow(
  request: GateRequest & { target: MergeGroupTarget },
  ports: GateGitHubPorts,
): Promise<SignoffGateResult> {
  let result: SignoffGateResult;
  try {
    // Before any fetch: a shallow checkout would give a wrong diff and wrong history, so it fails here.
    await assertFullHistory(ports.repoRoot);
    result = await judgeMergeGroup(request.target, request, ports);
  } catch (error) {
    result = failedClosed(error, ports.client, request.target.headSha);
  }
  return postVerdict(result, ports.client, ports.repo, request);
}
