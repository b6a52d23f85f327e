// From a rollback plan to the default branch: apply it as one commit on the checkout of the default branch, then
// push that commit straight away (an emergency: the incident's severity is in policy incident.emergency_push) or
// propose it, unchanged, as a pull request on tollgate/rollback/<model>/<stage>, where the gate's rollback rule
// applies. The rollback action and the incident action's automatic rollback both come through here.
import { posix } from 'node:path';
import { TollgateError } from '../errors.ts';
import { type BranchFile } from '../git/commit.ts';
import { checkedOutBranch, parseCommitMessage, resolveRef } from '../git/history.ts';
import { pushWithRetry } from '../git/push.ts';
import { runTransaction, undoCommit } from '../git/transaction.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import { proposeChange, type GitHubTarget } from '../publish/propose.ts';
import { recordRollback, type RollbackFacts } from '../incident/record.ts';
import { incidentPath } from '../registry/paths.ts';
import type { Incident, Severity } from '../registry/types.ts';
import { serializeDocument } from '../registry/writer.ts';
import { applyRollback, readPointerState, stageRollback, type RollbackResult } from './execute.ts';
import { chooseRollbackTarget, type PointerMove, type RollbackPlan } from './target.ts';

export const ROLLBACK_LABEL = 'tollgate:rollback';

export const rollbackBranch = (model: string, stage: string): string => `tollgate/rollback/${model}/${stage}`;

export interface PublishRollbackInput {
  model: string;
  /** Default `production`. */
  stage?: string;
  /** An explicit target; absent = the last stable version. */
  to?: string;
  /** The incident this rollback answers, and its severity when recorded (which decides push or pull request). */
  incident?: { id: string; severity?: Severity };
  /** Who asked: recorded as Requested-By and on the held mark. */
  by: string;
  reason?: string;
  /** When the rollback starts (its Rollback-Started trailer and the commit dates). */
  now: Date;
  /** The clock for the `rollback-completed` entry of an emergency push; default `now`. */
  clock?: () => Date;
  policy: EffectivePolicy;
  /** The registry folder, repository-relative. Default `registry`. */
  registryDir?: string;
  /** Plan and print only. */
  dryRun?: boolean;
  /** Extra git environment, e.g. the bot's author and committer identity on a runner. */
  env?: NodeJS.ProcessEnv;
  /** A plan already made from this checkout (the incident action plans to decide); skips planning again. */
  planned?: { plan: RollbackPlan; history: PointerMove[] };
  /**
   * The named incident's record as it is on the checkout: the rollback is added to its timeline (recordRollback)
   * in the rollback commit itself. The incident action, which writes its own record, leaves this out.
   */
  record?: Incident;
}

export type RollbackOutcome =
  | { mode: 'dry-run'; plan: RollbackPlan; history: PointerMove[]; emergency: boolean }
  /** A re-run: the newest pointer move is already this incident's rollback. */
  | { mode: 'already-done'; target: string; commit: string; history: PointerMove[] }
  | {
      mode: 'pushed' | 'committed';
      plan: RollbackPlan;
      history: PointerMove[];
      emergency: true;
      result: RollbackResult;
      commit: string;
    }
  | {
      mode: 'pull-request';
      plan: RollbackPlan;
      history: PointerMove[];
      emergency: false;
      result: RollbackResult;
      commit: string;
      branch: string;
      pullRequest?: { number: number; url: string; created: boolean };
    };

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** How a rollback was made, as the incident's timeline tells it. */
export type RollbackDone = Pick<RollbackResult, 'mode' | 'reverted' | 'forwardFixReason'>;

/**
 * What the incident's record learns of a rollback: started at `startedAt`; an emergency push completes it (at
 * `completedAt()`), a pull request on the rollback branch completes it when merged (the gate's hook).
 */
export function rollbackFacts(
  plan: RollbackPlan,
  done: RollbackDone,
  how: { by: string; startedAt: Date; emergency: boolean; completedAt: () => Date },
): RollbackFacts {
  return {
    model: plan.model,
    stage: plan.stage,
    ...(plan.current !== undefined ? { from: plan.current } : {}),
    to: plan.target,
    ...done,
    by: how.by,
    startedAt: how.startedAt,
    ...(how.emergency
      ? { via: { kind: 'emergency-push' as const }, completedAt: how.completedAt() }
      : { via: { kind: 'pull-request' as const, branch: rollbackBranch(plan.model, plan.stage) } }),
  };
}

/** Emergency push is allowed only for an incident whose severity the policy lists. */
export const isEmergency = (policy: EffectivePolicy, severity: Severity | undefined): boolean =>
  severity !== undefined && policy.incident.emergencyPush.includes(severity);

/**
 * Plans and applies a rollback of `model`'s `stage` on the checked-out default branch, then pushes it (emergency)
 * or proposes it as a pull request (the checkout is put back where it was). Without `github` nothing leaves the
 * machine: the commit stays on the default branch (emergency) or on the rollback branch.
 */
export async function rollbackAndPublish(
  repoRoot: string,
  input: PublishRollbackInput,
  github?: GitHubTarget,
): Promise<RollbackOutcome> {
  const stage = input.stage ?? 'production';
  const registryDir = input.registryDir ?? 'registry';
  const branch = input.policy.defaultBranch;
  const checkedOut = await checkedOutBranch(repoRoot);
  if (checkedOut !== branch) {
    throw new TollgateError(
      `a rollback is made on ${branch}, but ${checkedOut || 'a detached HEAD'} is checked out`,
      {
        fix: `check out ${branch} with full history (actions/checkout with ref: ${branch} and fetch-depth: 0)`,
      },
    );
  }
  const emergency = isEmergency(input.policy, input.incident?.severity);

  let planned = input.planned;
  if (!planned) {
    const state = await readPointerState(repoRoot, { model: input.model, stage, registryDir });
    const last = state.history.at(-1);
    if (last?.isRollback && input.to === undefined) {
      if (input.incident !== undefined && last.incident === input.incident.id && last.to === state.current) {
        return { mode: 'already-done', target: last.to ?? '', commit: last.sha, history: state.history };
      }
      throw new TollgateError(
        `the last change of ${input.model} ${stage} (${last.sha.slice(0, 12)}) was itself a rollback; Tollgate does not roll back a rollback`,
        {
          fix: 'name the version to return to explicitly (`to`), or fix forward with a promotion',
        },
      );
    }
    const plan = chooseRollbackTarget({
      model: input.model,
      stage,
      history: state.history,
      current: state.current,
      stableFor: input.policy.rollback.stableFor,
      now: input.now,
      held: state.held,
      ...(input.to !== undefined ? { to: input.to } : {}),
    });
    planned = { plan, history: state.history };
  }
  const { plan, history } = planned;
  if (input.dryRun) return { mode: 'dry-run', plan, history, emergency };

  const env: NodeJS.ProcessEnv = {
    ...input.env,
    GIT_AUTHOR_DATE: iso(input.now),
    GIT_COMMITTER_DATE: iso(input.now),
  };
  const orig = await resolveRef(repoRoot, 'HEAD');
  const pullBranch = rollbackBranch(plan.model, plan.stage);
  const { record } = input;
  const facts = (done: RollbackDone): RollbackFacts =>
    rollbackFacts(plan, done, {
      by: input.by,
      startedAt: input.now,
      emergency,
      completedAt: () => input.clock?.() ?? input.now,
    });
  const rollbackOptions = {
    by: input.by,
    now: input.now,
    forwardFixOnConflict: input.policy.rollback.forwardFixOnConflict,
    registryDir,
    env: input.env,
    ...(input.incident !== undefined ? { incident: input.incident.id } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(record
      ? {
          alsoWrite: (done: RollbackDone) => [
            { path: incidentPath(record.id), document: recordRollback(record, facts(done)) },
          ],
        }
      : {}),
  };

  if (emergency) {
    const result = await applyRollback(repoRoot, plan, rollbackOptions);
    if (!github) return { mode: 'committed', plan, history, emergency, result, commit: result.commit };
    try {
      const { sha } = await pushWithRetry(repoRoot, { remote: github.remote ?? 'origin', branch, env });
      return { mode: 'pushed', plan, history, emergency, result, commit: sha };
    } catch (error) {
      // An unpushed rollback must not ride along with the next state commit pushed from this checkout.
      await undoCommit(repoRoot, `refs/heads/${branch}`, result.commit, orig, input.env);
      throw error;
    }
  }

  // Staged on the default branch's tip but committed only on the rollback branch: the checkout never moves.
  const staged = await runTransaction(repoRoot, {
    parent: async () => orig,
    env: input.env,
    build: async (stage) => {
      const done = await stageRollback(repoRoot, stage, plan, rollbackOptions);
      const files: BranchFile[] = await Promise.all(
        (await stage.changed()).map(async (path) => ({ path, content: (await stage.read(path)) ?? null })),
      );
      return { value: { done, files } };
    },
  });
  const { message: fullMessage, trailers, ...rest } = staged.value.done;
  const files = staged.value.files;
  const result: RollbackResult = { commit: '', ...rest };
  const { subject, body } = parseCommitMessage(fullMessage);
  const propose = (withFiles: BranchFile[]) =>
    proposeChange(
      repoRoot,
      {
        branch: pullBranch,
        baseRef: orig,
        baseBranch: branch,
        files: withFiles,
        message: body ? `${subject}\n\n${body}` : subject,
        trailers,
        env,
        pullRequest: {
          title: subject,
          body: rollbackPullRequestBody(plan, result, input),
          labels: [ROLLBACK_LABEL],
        },
      },
      github,
    );
  let proposal = await propose(files);
  if (record && proposal.pullRequest) {
    // Only now is the pull request's number known: the branch's one commit is rewritten with it on the record.
    const { number, url } = proposal.pullRequest;
    const linked = recordRollback(record, {
      ...facts(result),
      via: { kind: 'pull-request', branch: pullBranch, pullRequest: { number, url } },
    });
    const path = posix.join(registryDir, incidentPath(record.id));
    const again = await propose([
      ...files.filter((f) => f.path !== path),
      { path, content: Buffer.from(serializeDocument(linked)) },
    ]);
    proposal = { ...again, pullRequest: { ...proposal.pullRequest, created: proposal.pullRequest.created } };
  }
  result.commit = proposal.commit;
  return {
    mode: 'pull-request',
    plan,
    history,
    emergency,
    result,
    commit: proposal.commit,
    branch: proposal.branch,
    ...(proposal.pullRequest ? { pullRequest: proposal.pullRequest } : {}),
  };
}

/** What the reviewers of a rollback pull request need to see. */
export function rollbackPullRequestBody(
  plan: RollbackPlan,
  result: RollbackResult,
  input: Pick<PublishRollbackInput, 'incident' | 'by' | 'reason' | 'record'>,
): string {
  const lines = [
    `Rolls **${plan.model}** \`${plan.stage}\` back from \`${plan.current ?? '(none)'}\` to \`${plan.target}\`.`,
    '',
    `- ${plan.target} became current at ${plan.since} and held the stage for ${Math.round(plan.heldFor / 3600)} h` +
      (plan.stable ? ' (stable).' : ' (less than the policy’s stable_for; chosen explicitly).'),
    result.mode === 'revert'
      ? `- Reverts ${result.reverted.length} commit(s): ${result.reverted.map((s) => s.slice(0, 12)).join(', ')}.`
      : `- Writes ${plan.target} forward into the pointer (${result.forwardFixReason}).`,
    ...(result.held
      ? [`- Marks ${plan.model} ${result.held} held, so it is not promoted again unreviewed.`]
      : []),
    ...(input.incident
      ? [`- Incident: ${input.incident.id}${input.incident.severity ? ` (${input.incident.severity})` : ''}.`]
      : []),
    ...(input.record
      ? [`- Adds rollback-started to the timeline of ${input.record.id}; the merge adds rollback-completed.`]
      : []),
    ...(input.reason ? [`- Reason: ${input.reason}`] : []),
    `- Requested by: ${input.by}`,
    '',
    'The sign-off gate judges this as a rollback: it needs the sign-offs of the policy’s rollback rule for this stage.',
    '',
  ];
  return lines.join('\n');
}
