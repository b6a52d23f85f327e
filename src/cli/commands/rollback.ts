// `tollgate rollback` and `tollgate unhold`: the rollback shell run against a local checkout. Both commit on the
// current branch and push nothing: push it (emergency, where the policy allows) or open a pull request.
import { relative } from 'node:path';
import { load } from 'js-yaml';
import { TollgateError } from '../../errors.ts';
import { formatDuration, recordRollback } from '../../incident/record.ts';
import { readPolicy } from '../../policy/read.ts';
import { fileSystemReader } from '../../registry/load.ts';
import { INCIDENT_ID, assertSafeName } from '../../registry/names.ts';
import { incidentPath, versionPath } from '../../registry/paths.ts';
import type { Incident, ModelVersion } from '../../registry/types.ts';
import { applyRollback, planRollback, unholdVersion } from '../../rollback/execute.ts';
import { isEmergency, rollbackBranch } from '../../rollback/publish.ts';
import { lastMoveWasRollback } from '../../rollback/target.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { readIncidents } from '../../incident/read.ts';

const actor = (context: CliContext, by: string | undefined): string =>
  by ?? context.env.TOLLGATE_ACTOR ?? context.env.GITHUB_ACTOR ?? context.env.USER ?? 'unknown';

const registryDirOf = (context: CliContext): string => relative(context.repoRoot, context.registryDir) || '.';

const ROLLBACK = commandSpec({
  name: 'rollback',
  summary: 'move a stage back to its last stable version (or --to), by reverting the commits that moved it',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: {
    stage: { type: 'string', value: 'STAGE', default: 'production', description: 'the stage to roll back' },
    to: {
      type: 'string',
      value: 'VERSION',
      description: 'the version to return to (default: the last stable)',
    },
    incident: {
      type: 'string',
      value: 'ID',
      description: 'the incident this answers (its record is updated)',
    },
    by: {
      type: 'string',
      value: 'LOGIN',
      description: 'who rolls back (default: TOLLGATE_ACTOR, GITHUB_ACTOR, USER)',
    },
    reason: { type: 'string', value: 'TEXT', description: 'why, for the commit message' },
    'no-forward-fix': {
      type: 'boolean',
      default: false,
      description: 'fail on a revert conflict instead of writing the pointer forward',
    },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate rollback fraud-detector --dry-run', 'which version production would return to, and how'],
    ['tollgate rollback fraud-detector --incident INC-20261124-033000-ab12', 'roll back for an incident'],
    ['tollgate rollback fraud-detector --stage staging --to v3', 'return staging to v3'],
  ],
});

const UNHOLD = commandSpec({
  name: 'unhold',
  summary: 'clear the held mark a rollback put on a version, so it can be promoted again',
  args: 'MODEL VERSION',
  positionals: [2, 2],
  writes: true,
  options: {
    reason: { type: 'string', value: 'TEXT', required: true, description: 'why it may be promoted again' },
    by: {
      type: 'string',
      value: 'LOGIN',
      description: 'who unholds (default: TOLLGATE_ACTOR, GITHUB_ACTOR, USER)',
    },
  },
  examples: [
    ['tollgate unhold fraud-detector v5 --reason "fixed in the feature pipeline"', 'commit the unhold'],
    ['tollgate unhold fraud-detector v5 --reason "fixed" --dry-run', 'check it is held, write nothing'],
  ],
});

export const rollbackCommand: Command = {
  ...ROLLBACK,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(ROLLBACK, args);
    if (positionals.length !== 1) {
      throw new TollgateError('rollback needs exactly one model name', {
        fix: 'tollgate rollback MODEL [--stage production] [--to VERSION] [--incident ID] [--dry-run]',
      });
    }
    const model = assertSafeName('model', positionals[0]);
    const stage = assertSafeName('stage', values.stage);
    if (values.to !== undefined) assertSafeName('version', values.to);
    if (values.incident !== undefined && !INCIDENT_ID.test(values.incident)) {
      throw new TollgateError(`--incident ${values.incident} is not an incident id`, {
        fix: 'pass an id like INC-20261124-033000-ab12 (see registry/incidents/)',
      });
    }
    if (values.format !== 'text' && values.format !== 'json') {
      throw new TollgateError(`--format ${values.format}: expected text or json`);
    }
    const policy = await readPolicy(fileSystemReader(context.registryDir));
    const now = context.now();
    const registryDir = registryDirOf(context);
    const { plan, history } = await planRollback(context.repoRoot, {
      model,
      stage,
      stableFor: policy.rollback.stableFor,
      now,
      registryDir,
      ...(values.to !== undefined ? { to: values.to } : {}),
    });
    // As the rollback action: a second rollback without --to would undo the first one's reason for being.
    const last = history.at(-1);
    // A re-run for the same incident after an interrupted run finds its rollback done, as the action does.
    if (
      values.to === undefined &&
      last !== undefined &&
      lastMoveWasRollback(history) &&
      values.incident !== undefined &&
      last.incident === values.incident
    ) {
      context.out(
        `${model} ${stage} was already rolled back for ${values.incident} in ${last.sha.slice(0, 12)}`,
      );
      return 0;
    }
    if (values.to === undefined && last !== undefined && lastMoveWasRollback(history)) {
      throw new TollgateError(
        `the last change of ${model} ${stage} (${last.sha.slice(0, 12)}) was itself a rollback` +
          `${last.incident ? ` for ${last.incident}` : ''}; Tollgate does not roll back a rollback`,
        { fix: 'name the version to return to with --to, or fix forward with a promotion' },
      );
    }
    if (values['dry-run']) {
      if (values.format === 'json') {
        context.out(JSON.stringify({ dryRun: true, plan }, null, 2));
        return 0;
      }
      const bySha = new Map(history.map((m) => [m.sha, m]));
      context.out(
        [
          `${model} ${stage}: ${plan.current ?? '(none)'} -> ${plan.target} (dry run: nothing written)`,
          `  ${plan.target} became current at ${plan.since} and held ${stage} for ${formatDuration(plan.heldFor)}` +
            (plan.stable ? '' : ` — less than stable_for (${formatDuration(policy.rollback.stableFor)})`),
          `  would revert ${plan.commitsToRevert.length} commit(s), newest first:`,
          ...plan.commitsToRevert.map((sha) => {
            const m = bySha.get(sha);
            return `    ${sha.slice(0, 12)}  ${m?.at ?? ''}  ${m?.from ?? '(none)'} -> ${m?.to ?? '(none)'}${m?.isMerge ? '  merge' : ''}${m?.pullRequest ? `  #${m.pullRequest}` : ''}`;
          }),
          ...(plan.current ? [`  would mark ${model} ${plan.current} held`] : []),
        ].join('\n'),
      );
      return 0;
    }
    // The named incident's record learns of the rollback in the rollback commit itself.
    let record: Incident | undefined;
    if (values.incident !== undefined) {
      [record] = await readIncidents(fileSystemReader(context.registryDir), [incidentPath(values.incident)]);
      if (!record)
        context.err(
          `note: no record of ${values.incident} in this registry, so its timeline was not updated`,
        );
    }
    const emergency = isEmergency(policy, record?.severity);
    const by = actor(context, values.by);
    const result = await applyRollback(context.repoRoot, plan, {
      by,
      ...(record
        ? {
            alsoWrite: (done) => [
              {
                path: incidentPath(record.id),
                document: recordRollback(record, {
                  model,
                  stage,
                  ...(plan.current !== undefined ? { from: plan.current } : {}),
                  to: plan.target,
                  ...done,
                  by,
                  startedAt: now,
                  // An emergency push completes it; a pull request completes it when merged.
                  ...(emergency
                    ? { via: { kind: 'emergency-push' as const }, completedAt: now }
                    : { via: { kind: 'pull-request' as const, branch: rollbackBranch(model, stage) } }),
                }),
              },
            ],
          }
        : {}),
      now,
      forwardFixOnConflict: policy.rollback.forwardFixOnConflict && !values['no-forward-fix'],
      registryDir,
      ...(values.incident !== undefined ? { incident: values.incident } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    });
    if (values.format === 'json') {
      context.out(JSON.stringify({ dryRun: false, plan, result }, null, 2));
      return 0;
    }
    context.out(
      [
        `rolled back ${model} ${stage}: ${plan.current ?? '(none)'} -> ${plan.target} in commit ${result.commit.slice(0, 12)}`,
        result.mode === 'revert'
          ? `  reverted ${result.reverted.length} commit(s)`
          : `  wrote the pointer forward (${result.forwardFixReason})`,
        ...(result.held ? [`  marked ${model} ${result.held} held`] : []),
        ...(record
          ? [
              `  recorded on ${record.id} in the same commit: rollback-started${emergency ? ' and rollback-completed (emergency push)' : ''}`,
            ]
          : []),
        emergency
          ? `  nothing was pushed: ${record?.severity} allows an emergency push, so push it now (git push origin HEAD)`
          : `  nothing was pushed: open a pull request with it (git push origin HEAD:${rollbackBranch(model, stage)})`,
        `  once it is live, verify it: tollgate verify-rollback ${model} --stage ${stage}${values.incident ? ` --incident ${values.incident}` : ''} (or --no-verify REASON)`,
      ].join('\n'),
    );
    return 0;
  },
};

export const unholdCommand: Command = {
  ...UNHOLD,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(UNHOLD, args);
    if (positionals.length !== 2 || values.reason === undefined) {
      throw new TollgateError('unhold needs a model, a version and --reason', {
        fix: 'tollgate unhold MODEL VERSION --reason "fixed in ..."',
      });
    }
    const model = assertSafeName('model', positionals[0]);
    const version = assertSafeName('version', positionals[1]);
    if (values['dry-run']) {
      const text = await fileSystemReader(context.registryDir).read(versionPath(model, version));
      const held = (text === undefined ? undefined : (load(text.toString('utf8')) as ModelVersion))?.held;
      if (!held)
        throw new TollgateError(
          `${model} ${version} is ${text === undefined ? 'not in the registry' : 'not held'}`,
          {
            file: `models/${model}/versions/${version}.yaml`,
          },
        );
      context.out(
        `${model} ${version}: would clear held (since ${held.at}: ${held.reason}) (dry run: nothing written)`,
      );
      return 0;
    }
    const { commit, was } = await unholdVersion(context.repoRoot, {
      model,
      version,
      by: actor(context, values.by),
      now: context.now(),
      reason: values.reason,
      registryDir: registryDirOf(context),
    });
    context.out(
      `unheld ${model} ${version} in commit ${commit.slice(0, 12)} (held since ${was.at}: ${was.reason}); ` +
        'open a pull request: unholding needs the sign-offs the policy names for version-unheld',
    );
    return 0;
  },
};
