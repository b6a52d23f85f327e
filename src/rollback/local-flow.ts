// The rollback and unhold use cases on a local checkout (`tollgate rollback`, `tollgate unhold`): plan from the
// history of the current branch, refuse to roll back a rollback, and commit on the current branch. Nothing is
// pushed; the rollback action (./flow.ts) is the one that pushes or opens the pull request.
import { load } from 'js-yaml';
import { TollgateError } from '../errors.ts';
import { recordRollback } from '../incident/record.ts';
import { readIncidents } from '../incident/read.ts';
import { readPolicy } from '../policy/read.ts';
import { fileSystemReader } from '../registry/load.ts';
import { incidentPath, versionPath } from '../registry/paths.ts';
import type { Incident, ModelVersion } from '../registry/types.ts';
import { applyRollback, planRollback, unholdVersion, type RollbackResult } from './execute.ts';
import { isEmergency, rollbackFacts } from './publish.ts';
import { lastMoveWasRollback, type PointerMove, type RollbackPlan } from './target.ts';

export interface LocalRollbackInputs {
  model: string;
  stage: string;
  to?: string;
  incident?: string;
  /** Who rolls back: recorded as Requested-By, on the held mark and on the incident's timeline. */
  by: string;
  reason?: string;
  dryRun: boolean;
  /** Fail on a revert conflict even where the policy allows writing the pointer forward. */
  noForwardFix: boolean;
}

export interface LocalRollbackPorts {
  repoRoot: string;
  /** The registry folder: absolute, to read the policy and incidents, and repository-relative, for git. */
  registryDir: { absolute: string; inRepo: string };
  now: Date;
  /** A note for the user while the flow runs (the CLI's stderr). */
  note: (text: string) => void;
}

export type LocalRollbackResult =
  /** A re-run for the same incident: the newest move of the stage is already its rollback. */
  | { mode: 'already-done'; sha: string }
  | { mode: 'dry-run'; plan: RollbackPlan; history: PointerMove[]; stableFor: number }
  | { mode: 'committed'; plan: RollbackPlan; result: RollbackResult; record?: Incident; emergency: boolean };

export async function localRollbackFlow(
  inputs: LocalRollbackInputs,
  ports: LocalRollbackPorts,
): Promise<LocalRollbackResult> {
  const { model, stage, by } = inputs;
  const { now } = ports;
  const reader = fileSystemReader(ports.registryDir.absolute);
  const policy = await readPolicy(reader);
  const registryDir = ports.registryDir.inRepo;
  const { plan, history } = await planRollback(ports.repoRoot, {
    model,
    stage,
    stableFor: policy.rollback.stableFor,
    now,
    registryDir,
    ...(inputs.to !== undefined ? { to: inputs.to } : {}),
  });
  // As the rollback action: a second rollback without --to would undo the first one's reason for being.
  const last = history.at(-1);
  if (inputs.to === undefined && last !== undefined && lastMoveWasRollback(history)) {
    // A re-run for the same incident after an interrupted run finds its rollback done, as the action does.
    if (inputs.incident !== undefined && last.incident === inputs.incident)
      return { mode: 'already-done', sha: last.sha };
    throw new TollgateError(
      `the last change of ${model} ${stage} (${last.sha.slice(0, 12)}) was itself a rollback` +
        `${last.incident ? ` for ${last.incident}` : ''}; Tollgate does not roll back a rollback`,
      { fix: 'name the version to return to with --to, or fix forward with a promotion' },
    );
  }
  if (inputs.dryRun) return { mode: 'dry-run', plan, history, stableFor: policy.rollback.stableFor };
  // The named incident's record learns of the rollback in the rollback commit itself.
  let record: Incident | undefined;
  if (inputs.incident !== undefined) {
    [record] = await readIncidents(reader, [incidentPath(inputs.incident)]);
    if (!record)
      ports.note(`note: no record of ${inputs.incident} in this registry, so its timeline was not updated`);
  }
  const emergency = isEmergency(policy, record?.severity);
  const result = await applyRollback(ports.repoRoot, plan, {
    by,
    ...(record
      ? {
          alsoWrite: (done) => [
            {
              path: incidentPath(record.id),
              document: recordRollback(
                record,
                rollbackFacts(plan, done, { by, startedAt: now, emergency, completedAt: () => now }),
              ),
            },
          ],
        }
      : {}),
    now,
    forwardFixOnConflict: policy.rollback.forwardFixOnConflict && !inputs.noForwardFix,
    registryDir,
    ...(inputs.incident !== undefined ? { incident: inputs.incident } : {}),
    ...(inputs.reason !== undefined ? { reason: inputs.reason } : {}),
  });
  return { mode: 'committed', plan, result, ...(record ? { record } : {}), emergency };
}

export interface UnholdInputs {
  model: string;
  version: string;
  reason: string;
  by: string;
  dryRun: boolean;
}

export type UnholdResult =
  | { mode: 'dry-run'; was: NonNullable<ModelVersion['held']> }
  | { mode: 'committed'; commit: string; was: NonNullable<ModelVersion['held']> };

/** Clears a version's held mark in one commit on the current branch; a dry run only checks it is held. */
export async function unholdFlow(
  inputs: UnholdInputs,
  ports: Omit<LocalRollbackPorts, 'note'>,
): Promise<UnholdResult> {
  const { model, version } = inputs;
  if (inputs.dryRun) {
    const text = await fileSystemReader(ports.registryDir.absolute).read(versionPath(model, version));
    const held = (text === undefined ? undefined : (load(text.toString('utf8')) as ModelVersion))?.held;
    if (!held)
      throw new TollgateError(
        `${model} ${version} is ${text === undefined ? 'not in the registry' : 'not held'}`,
        { file: `models/${model}/versions/${version}.yaml` },
      );
    return { mode: 'dry-run', was: held };
  }
  const { commit, was } = await unholdVersion(ports.repoRoot, {
    model,
    version,
    by: inputs.by,
    now: ports.now,
    reason: inputs.reason,
    registryDir: ports.registryDir.inRepo,
  });
  return { mode: 'committed', commit, was };
}
