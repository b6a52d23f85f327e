// `tollgate rollback` and `tollgate unhold`: the rollback shell run against a local checkout. Both commit on the
// current branch and push nothing: push it (emergency, where the policy allows) or open a pull request.
import { relative } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { formatDuration } from '../../incident/record.ts';
import { INCIDENT_ID, assertSafeName } from '../../registry/names.ts';
import { rollbackBranch } from '../../rollback/publish.ts';
import { localRollbackFlow, unholdFlow, type LocalRollbackResult } from '../../rollback/local-flow.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

const actor = (context: CliContext, by: string | undefined): string =>
  by ?? context.env.TOLLGATE_ACTOR ?? context.env.GITHUB_ACTOR ?? context.env.USER ?? 'unknown';

/** The ports of the local rollback flows: this checkout, its registry and the CLI's clock. */
const localPorts = (context: CliContext) => ({
  repoRoot: context.repoRoot,
  registryDir: {
    absolute: context.registryDir,
    inRepo: relative(context.repoRoot, context.registryDir) || '.',
  },
  now: context.now(),
});

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
    const done = await localRollbackFlow(
      {
        model,
        stage,
        by: actor(context, values.by),
        dryRun: values['dry-run'],
        noForwardFix: values['no-forward-fix'],
        ...(values.to !== undefined ? { to: values.to } : {}),
        ...(values.incident !== undefined ? { incident: values.incident } : {}),
        ...(values.reason !== undefined ? { reason: values.reason } : {}),
      },
      { ...localPorts(context), note: (text) => context.err(text) },
    );
    if (done.mode === 'already-done')
      context.out(
        `${model} ${stage} was already rolled back for ${values.incident} in ${done.sha.slice(0, 12)}`,
      );
    else if (values.format === 'json')
      context.out(
        JSON.stringify(
          done.mode === 'dry-run'
            ? { dryRun: true, plan: done.plan }
            : { dryRun: false, plan: done.plan, result: done.result },
          null,
          2,
        ),
      );
    else context.out(describeRollback(done, values.incident));
    return 0;
  },
};

function describeRollback(
  done: Exclude<LocalRollbackResult, { mode: 'already-done' }>,
  incident?: string,
): string {
  const { plan } = done;
  const { model, stage } = plan;
  if (done.mode === 'dry-run') {
    const bySha = new Map(done.history.map((m) => [m.sha, m]));
    return [
      `${model} ${stage}: ${plan.current ?? '(none)'} -> ${plan.target} (dry run: nothing written)`,
      `  ${plan.target} became current at ${plan.since} and held ${stage} for ${formatDuration(plan.heldFor)}` +
        (plan.stable ? '' : ` — less than stable_for (${formatDuration(done.stableFor)})`),
      `  would revert ${plan.commitsToRevert.length} commit(s), newest first:`,
      ...plan.commitsToRevert.map((sha) => {
        const m = bySha.get(sha);
        return `    ${sha.slice(0, 12)}  ${m?.at ?? ''}  ${m?.from ?? '(none)'} -> ${m?.to ?? '(none)'}${m?.isMerge ? '  merge' : ''}${m?.pullRequest ? `  #${m.pullRequest}` : ''}`;
      }),
      ...(plan.current ? [`  would mark ${model} ${plan.current} held`] : []),
    ].join('\n');
  }
  const { result, record, emergency } = done;
  return [
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
    `  once it is live, verify it: tollgate verify-rollback ${model} --stage ${stage}${incident ? ` --incident ${incident}` : ''} (or --no-verify REASON)`,
  ].join('\n');
}

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
    const done = await unholdFlow(
      { model, version, reason: values.reason, by: actor(context, values.by), dryRun: values['dry-run'] },
      localPorts(context),
    );
    const { was } = done;
    if (done.mode === 'dry-run') {
      context.out(
        `${model} ${version}: would clear held (since ${was.at}: ${was.reason}) (dry run: nothing written)`,
      );
      return 0;
    }
    context.out(
      `unheld ${model} ${version} in commit ${done.commit.slice(0, 12)} (held since ${was.at}: ${was.reason}); ` +
        'open a pull request: unholding needs the sign-offs the policy names for version-unheld',
    );
    return 0;
  },
};
