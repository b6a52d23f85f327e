// `tollgate retrain MODEL`: the retrain flow on a local checkout. Nothing goes to GitHub: the change is a commit
// on a local branch (tollgate/retrain/<model>/<request>, or tollgate/state/... for a failed run), the checkout
// is left as it was, and the pull request it would open is printed.
import { describeError, TollgateError } from '../../errors.ts';
import { git } from '../../git/run.ts';
import { cancelledBySignals } from '../../retrain/run-mode.ts';
import { retrainText } from '../../retrain/summary.ts';
import { parseTrainingCommand, parseTriggerMetrics, parseTriggerThresholds } from '../../retrain/trigger.ts';
import { runRetrainFlow, TRIGGER_KINDS, type RetrainOutcome, type TriggerKind } from '../../retrain/flow.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { actorOf } from './actor.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';

export { actorOf };

const USAGE =
  'tollgate retrain MODEL [--reason TEXT] [--trigger manual|schedule|incident|drift] [--command JSON] [--metrics JSON] [--thresholds JSON] [--by LOGIN] [--dry-run] [--format json]';

export function parseTrigger(value: string | undefined): TriggerKind {
  const trigger = (value ?? 'manual') as TriggerKind;
  if (!TRIGGER_KINDS.includes(trigger)) {
    throw new TollgateError(`--trigger ${value} is not one of ${TRIGGER_KINDS.join(', ')}`, {
      kind: 'usage',
      fix: USAGE,
    });
  }
  return trigger;
}

/** The checked-out branch; undefined on a detached HEAD. */
async function currentBranch(repoRoot: string): Promise<string | undefined> {
  const name = await git(repoRoot, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '');
  return name || undefined;
}

const RETRAIN = commandSpec({
  name: 'retrain',
  summary:
    'retrain a model: run its training command, record the version, commit it on a local retrain branch',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: {
    reason: { type: 'string', value: 'TEXT', description: 'why (recorded on the request)' },
    trigger: {
      type: 'string',
      value: 'KIND',
      default: 'manual',
      choices: TRIGGER_KINDS,
      description: 'what asked for it',
    },
    command: { type: 'string', value: 'JSON', description: 'the training command, overriding model.yaml' },
    metrics: { type: 'string', value: 'JSON', description: 'metrics to record instead of training' },
    thresholds: { type: 'string', value: 'JSON', description: 'thresholds overriding model.yaml' },
    'requested-by': {
      type: 'string',
      value: 'LOGIN',
      description: 'who asks (default: TOLLGATE_ACTOR, GITHUB_ACTOR, git user.name, USER)',
    },
    by: { type: 'string', value: 'LOGIN', description: 'the same as --requested-by' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate retrain fraud-detector --reason "new labels"', 'train, record and commit a new version'],
    ['tollgate retrain fraud-detector --dry-run', 'show the request it would run'],
  ],
});

export const retrainCommand: Command = {
  ...RETRAIN,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(RETRAIN, args);
    if (positionals.length !== 1)
      throw new TollgateError('retrain needs exactly one model name', { kind: 'usage', fix: USAGE });
    const format = formatOption(values.format, 'retrain');
    const prefix = registryPrefix(context).replace(/\/$/, '');
    const baseBranch = (await currentBranch(context.repoRoot)) ?? 'main';
    let outcome: RetrainOutcome;
    // The trainer's first seconds of output wait, so a trainer that cannot start is reported in one line.
    let early: string[] | undefined = [];
    const flushEarly = () => {
      for (const line of early ?? []) context.err(line);
      early = undefined;
    };
    const shown = setTimeout(flushEarly, 2000);
    shown.unref();
    try {
      outcome = await cancelledBySignals((signal) =>
        runRetrainFlow({
          repoRoot: context.repoRoot,
          registryPrefix: prefix,
          model: positionals[0]!,
          ...(values.reason !== undefined ? { reason: values.reason } : {}),
          trigger: parseTrigger(values.trigger),
          actor: actorOf(context, values['requested-by'] ?? values.by),
          ...(values.command !== undefined
            ? { command: parseTrainingCommand(values.command, '--command') }
            : {}),
          ...(values.metrics !== undefined
            ? { triggerMetrics: parseTriggerMetrics(values.metrics, '--metrics') }
            : {}),
          ...(values.thresholds !== undefined
            ? { triggerThresholds: parseTriggerThresholds(values.thresholds, '--thresholds') }
            : {}),
          dryRun: values['dry-run'],
          baseBranch,
          now: () => context.now(),
          onOutput: (line) => (early ? early.push(line) : context.err(line)),
          signal,
          throwIfNeverStarted: true,
        }),
      );
    } catch (error) {
      // A trainer that could not start is one line (its last output is in it), not its whole stack trace.
      early = undefined;
      throw error;
    } finally {
      clearTimeout(shown);
    }
    flushEarly();
    if (format === 'json') {
      const { error, ...rest } = outcome;
      context.out(
        JSON.stringify(
          { ...rest, ...(error ? { error: { message: error.message, fix: error.fix } } : {}) },
          null,
          2,
        ),
      );
    } else {
      const lines = retrainText(outcome);
      if (lines.length > 0) context.out(lines.join('\n'));
    }
    if (outcome.error) {
      context.err(`tollgate: ${describeError(outcome.error)}`);
      return 1;
    }
    return 0;
  },
};
