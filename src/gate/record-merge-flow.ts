// Record a merge: after a pull request merges into the default branch, re-evaluate the gate on the head that
// merged (base = the merge commit's first parent, reviews up to the merge) and record an audit event per stage
// pointer moved, plus rollback-completed on the incident of a rollback, through the registry-state path. The gate's
// check run is read, never posted: it stays as it stood at the merge.
import { describeError, TollgateError } from '../errors.ts';
import { assertFullHistory, commitFields, commitsTouching, resolveRef } from '../git/history.ts';
import { gitTreeReader } from '../git/reader.ts';
import { fromGitError, gitClient } from '../git/client.ts';
import { listCheckRunsForRef, type CheckRunInfo } from '../github/checks.ts';
import { describeCalls, type GitHubClient, type RepoRef } from '../github/client.ts';
import { getPullRequest } from '../github/pulls.ts';
import { fetchReviewContext, type ReviewContext } from '../github/review-context.ts';
import { readIncidents } from '../incident/read.ts';
import { publishStateChange } from '../publish/state.ts';
import { INCIDENT_ID } from '../registry/names.ts';
import { incidentPath } from '../registry/paths.ts';
import { serializeDocument } from '../registry/writer.ts';
import { describeForeignRun, runsByApp } from './check-runs.ts';
import { normalizeRegistryPrefix } from './collect.ts';
import { currentBaseTip, fetchCommits } from './fetch.ts';
import { judgePullRequest, type GateGitHubPorts } from './judge.ts';
import { recordMergedPullRequest, type GateCheckRunFact } from './merged.ts';
import type { SignoffGateResult } from './outcome.ts';
import { checkNameFor, SHA, type ClosedPull } from './target.ts';

function checkRunFact(run: CheckRunInfo): GateCheckRunFact {
  return {
    name: run.name,
    id: run.id,
    status: run.status,
    conclusion: run.conclusion,
    ...(run.htmlUrl ? { url: run.htmlUrl } : {}),
    ...(run.completedAt ? { completedAt: run.completedAt } : {}),
    ...(run.app ? { appId: run.app.id, ...(run.app.slug ? { appSlug: run.app.slug } : {}) } : {}),
  };
}

/** Who merged, when the event does not say: the pull request as the API has it, else the merge commit's author. */
async function mergerOf(
  client: GitHubClient,
  repo: RepoRef,
  repoRoot: string,
  number: number,
  mergeSha: string,
): Promise<string> {
  const fromApi = (await getPullRequest(client, repo, number)).mergedBy;
  if (fromApi) return fromApi;
  const { author } = await commitFields(repoRoot, mergeSha, { author: '%an <%ae>' });
  return `${author} (merge commit author; GitHub named no merger)`;
}

/**
 * After a merge into the default branch: re-evaluate the gate on the head that merged (base = the merge commit's
 * first parent, reviews up to the merge) and record an audit event per stage pointer moved, plus rollback-completed
 * on the incident of a rollback, through the registry-state path. The gate's check run is read, never posted.
 */
export async function recordMergeFlow(
  request: {
    pull: ClosedPull;
    /** The gate's check name (the default branch's). */
    checkName: string;
    /** Repository-relative registry folder. */
    registry: string;
    appId?: number;
    appSlug?: string;
    defaultBranch?: string;
  },
  ports: GateGitHubPorts & {
    /** Identity (and dates) of the state commit. */
    gitEnv?: NodeJS.ProcessEnv;
  },
): Promise<SignoffGateResult> {
  const { client, repo, repoRoot } = ports;
  const done = (title: string, extra: Partial<SignoffGateResult> = {}, lines: string[] = []) => ({
    conclusion: 'success' as const,
    title,
    summary: [`### ${title}`, '', ...lines, '', `<sub>${describeCalls(client)}.</sub>`, ''].join('\n'),
    pullRequests: [],
    ...extra,
  });
  const { pull } = request;
  const number = pull.number;
  try {
    if (!pull.merged) return done(`Pull request #${number} was closed without merging: nothing to record`);
    if (!SHA.test(pull.mergeSha) || Number.isNaN(Date.parse(pull.mergedAt)))
      throw new TollgateError(`the event for merged pull request #${number} lacks its merge commit or time`);
    await assertFullHistory(repoRoot);
    await fetchCommits(repoRoot, [pull.mergeSha]);
    // GitHub sends merged_by null for some merges (a merge queue, a deleted account): the merge is recorded all the
    // same, with the merger GitHub's API names, else the merge commit's author.
    const mergedBy = pull.mergedBy || (await mergerOf(client, repo, repoRoot, number, pull.mergeSha));
    const firstParent = await resolveRef(repoRoot, `${pull.mergeSha}^1`);
    const fetched = await fetchReviewContext(client, repo, number);
    if (fetched.state !== 'MERGED')
      throw new TollgateError(
        `pull request #${number} is ${fetched.state.toLowerCase()} on GitHub, not merged`,
      );
    // The verdict that stood at the merge: a review submitted afterwards changes nothing that merged.
    const mergedAt = Date.parse(pull.mergedAt);
    const context: ReviewContext = {
      ...fetched,
      reviews: fetched.reviews.filter(
        (r) => r.submittedAt !== undefined && Date.parse(r.submittedAt) <= mergedAt,
      ),
    };
    const judged = await judgePullRequest(
      number,
      {
        ...ports,
        registry: request.registry,
        context,
        ...(request.defaultBranch ? { defaultBranch: request.defaultBranch } : {}),
        ...(request.appSlug ? { recordWriter: request.appSlug } : {}),
      },
      () => {},
      firstParent,
    );
    const headSha = judged.headSha;
    if (judged.otherBase !== undefined)
      return done(
        `Pull request #${number} merged into ${judged.otherBase}, not the default branch: nothing to record`,
      );
    if (!judged.facts.changes.some((c) => c.kind === 'stage-changed'))
      return done(`Pull request #${number} moved no stage pointer: nothing to record`);

    const name = checkNameFor(request.checkName, undefined);
    // Only the pinned App's runs are the gate's; another App's run of the same name is recorded as a forgery.
    const { own, foreign } = runsByApp(
      await listCheckRunsForRef(client, repo, headSha, { checkName: name, filter: 'all' }),
      name,
      headSha,
      request.appId,
    );
    const run = own[0];
    const checkRun: GateCheckRunFact | undefined = run && checkRunFact(run);
    const commits = (
      await commitsTouching(repoRoot, [], { ref: `${judged.facts.mergeBase}..${headSha}` })
    ).map((c) => ({ sha: c.sha, authorDate: c.authorDate, trailers: c.trailers }));
    // Records are read (and written) as the base branch holds them now: a re-run then finds its own earlier work.
    const tip = await currentBaseTip(repoRoot, fetched.baseRef);
    const tipReader = gitTreeReader(repoRoot, tip, request.registry);
    try {
      const incidentIds = [
        ...new Set(
          commits.flatMap((c) =>
            Object.entries(c.trailers)
              .filter(([key]) => key.toLowerCase() === 'incident')
              .flatMap(([, values]) => values.map((v) => v.trim())),
          ),
        ),
      ].filter((id) => INCIDENT_ID.test(id));
      const incidents = await readIncidents(tipReader, incidentIds.map(incidentPath));
      const record = recordMergedPullRequest({
        pull: {
          number,
          title: pull.title,
          mergeSha: pull.mergeSha,
          mergedAt: pull.mergedAt,
          mergedBy,
          headSha,
          ...(pull.body !== undefined ? { body: pull.body } : {}),
        },
        changes: judged.facts.changes,
        verdict: judged.verdict,
        checkName: name,
        ...(checkRun ? { checkRun } : {}),
        ...(request.appId !== undefined ? { pinnedAppId: request.appId } : {}),
        ...(foreign.length > 0 ? { foreignCheckRuns: foreign.map(checkRunFact) } : {}),
        commits,
        incidents,
      });
      // Audit events are never edited: one already on the branch stands, whatever a re-run would write.
      const writes = [];
      const already: string[] = [];
      for (const write of record.writes) {
        const onTip = write.document.kind === 'AuditEvent' ? await tipReader.read(write.path) : undefined;
        if (onTip === undefined) writes.push(write);
        else
          already.push(
            `${write.path}${onTip.toString('utf8') === serializeDocument(write.document) ? '' : ' (kept as first written)'}`,
          );
      }
      const prefix = normalizeRegistryPrefix(request.registry);
      const shown = (path: string) => (prefix === '' ? path : `${prefix}/${path}`);
      const lines = [
        ...record.audit.map(
          (a) =>
            `- \`${a.event}\` ${a.model} ${a.stage} → ${a.version ?? '(none)'}, approvers: ${
              (a.details?.approvers as { role: string; login: string }[])
                .map((x) => `${x.login} (${x.role})`)
                .join(', ') || 'none'
            }; gate check: ${checkRun ? `${checkRun.conclusion ?? checkRun.status} (run ${checkRun.id})` : 'missing'}`,
        ),
        ...(record.rollback
          ? [
              `- rollback of ${record.rollback.incident} completed ${record.rollback.seconds} s after it started`,
            ]
          : []),
        ...foreign.map(
          (r) => `- ⚠️ forged check: ${describeForeignRun(r)} (only App id ${request.appId} is the gate)`,
        ),
        ...already.map((path) => `- already recorded: \`${shown(path)}\``),
      ];
      if (writes.length === 0)
        return done(`Pull request #${number} is already recorded`, { recorded: [] }, lines);
      if (judged.facts.policy.stateWrites === 'push')
        // The state commit is pushed from the checkout: bring it to the tip the records were read from.
        await gitClient(repoRoot)
          .merge(['--ff-only', '--quiet', tip])
          .catch((error: unknown) => {
            throw fromGitError(error, `git merge --ff-only ${tip}`, repoRoot);
          });
      const state = await publishStateChange(
        {
          repoRoot,
          registryDir: request.registry,
          writes,
          message: record.message,
          trailers: record.trailers,
          baseBranch: fetched.baseRef,
          baseRef: tip,
          stateWrites: judged.facts.policy.stateWrites,
          branch: `tollgate/state/merged/${number}`,
          pullRequest: {
            title: record.message.split('\n')[0]!,
            body: [
              `Records what pull request #${number} merged (${pull.mergeSha.slice(0, 12)}):`,
              '',
              ...lines,
              '',
              'A state change: the sign-off gate passes it without sign-offs, and Tollgate merges it.',
              '',
            ].join('\n'),
            labels: ['tollgate:state'],
          },
          mergeMethod: 'squash',
          ...(ports.gitEnv ? { env: ports.gitEnv } : {}),
        },
        { client, repo },
      );
      const where =
        state.mode === 'pushed'
          ? `pushed to ${fetched.baseRef} in ${state.commit.slice(0, 12)}`
          : state.pullRequest
            ? `in state pull request #${state.pullRequest.number} (${state.pullRequest.merge.status === 'open' ? `open: ${state.pullRequest.merge.reason}` : state.pullRequest.merge.status})`
            : `committed on ${state.branch}`;
      return done(`Recorded the merge of pull request #${number}`, { recorded: state.files, state }, [
        ...lines,
        ...state.files.map((f) => `- wrote \`${f}\``),
        `- ${where}`,
      ]);
    } finally {
      tipReader.close();
    }
  } catch (error) {
    return recordFailed(error, client, number);
  }
}

/** The merge could not be recorded: a failing result, and never a check run (it stays as it stood at the merge). */
export function recordFailed(error: unknown, client: GitHubClient, number?: number): SignoffGateResult {
  const message = describeError(error);
  return {
    conclusion: 'failure',
    title: `Could not record the merge of pull request #${number ?? '?'}: ${message.split('\n')[0]!.slice(0, 150)}`,
    summary: [
      '### ❌ Could not record the merge',
      '',
      'Nothing half-written reached the default branch, and the check run stays as it stood at the merge. Fix the cause, then re-run this job.',
      '',
      '```',
      message,
      '```',
      '',
      `<sub>${describeCalls(client)}.</sub>`,
      '',
    ].join('\n'),
    pullRequests: [],
    error: message,
  };
}
