// `tollgate monitor MODEL`: reads the model's live metrics (or an Alertmanager payload), judges its monitoring
// rules, commits the rules that started or stopped firing (one commit; none when nothing changed) and acts on
// those that started: an urgent retrain on a local branch, or `tollgate incident open`.
import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { describeError, TollgateError } from '../../errors.ts';
import { parseAlertmanagerPayload, ruleAlerts } from '../../monitor/alertmanager.ts';
import { planMonitor, renderMonitorPlan, type MonitorAction } from '../../monitor/flow.ts';
import { MetricsSourceError, sourceSpecFor } from '../../monitor/source.ts';
import { metricsSourceOf } from '../../monitor/sources.ts';
import { effectivePolicy } from '../../policy/effective.ts';
import { checkoutNote } from '../../publish/checkout-note.ts';
import { commitRegistryChange } from '../../publish/registry-transaction.ts';
import { fileSystemReader, loadRegistry } from '../../registry/load.ts';
import { assertSafeName } from '../../registry/names.ts';
import { runRetrainFlow } from '../../retrain/flow.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { incidentCommand } from './incident.ts';
import { registryPrefix } from './registry-prefix.ts';
import { actorOf } from './retrain.ts';

const USAGE =
  'tollgate monitor MODEL [--alertmanager FILE] [--no-act] [--by LOGIN] [--dry-run] [--format json]';

/** Starts what a rule that began firing asks for, on the local checkout; returns one line per action. */
async function act(
  action: MonitorAction,
  model: string,
  context: CliContext,
  actor: string,
): Promise<string> {
  if (action.kind === 'skipped') return `${action.rule}: ${action.reason}`;
  if (action.kind === 'retrain') {
    const outcome = await runRetrainFlow({
      repoRoot: context.repoRoot,
      registryPrefix: registryPrefix(context).replace(/\/$/, ''),
      model,
      reason: action.reason,
      trigger: 'drift',
      actor,
      triggerMetrics: action.metrics,
      triggerThresholds: action.thresholds,
      baseBranch: effectivePolicy(undefined).defaultBranch,
      now: context.now,
    });
    if (outcome.status === 'refused') return `urgent retrain refused: ${describeError(outcome.error)}`;
    return `urgent retrain ${outcome.request?.id}: ${outcome.status}${outcome.version ? ` as ${outcome.version.id}` : ''}${outcome.branch ? ` on branch ${outcome.branch}` : ''}`;
  }
  const args = [
    'open',
    model,
    ...Object.entries(action.metrics).flatMap(([k, v]) => ['--metric', `${k}=${v}`]),
    '--alert',
    action.alert,
    '--description',
    action.description,
    '--by',
    actor,
    '--auto-rollback',
  ];
  const code = await incidentCommand.run(args, context);
  return `incident opened for ${action.rule} (tollgate incident open exited ${code})`;
}

const MONITOR = commandSpec({
  name: 'monitor',
  summary:
    'read a model’s live metrics, judge its monitoring rules, record changes and start retrains or incidents',
  args: 'MODEL',
  writes: true,
  options: {
    alertmanager: {
      type: 'string',
      value: 'FILE',
      description: 'judge an Alertmanager webhook payload instead of reading metrics',
    },
    'no-act': { type: 'boolean', default: false, description: 'record, but start no retrain or incident' },
    by: {
      type: 'string',
      value: 'LOGIN',
      description: 'who acts (default: TOLLGATE_ACTOR, GITHUB_ACTOR, USER)',
    },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate monitor fraud-detector --dry-run', 'what the rules say about the live metrics'],
    ['tollgate monitor fraud-detector', 'record it, and start a retrain or incident where a rule says so'],
  ],
});

export const monitorCommand: Command = {
  ...MONITOR,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(MONITOR, args);
    if (positionals.length !== 1)
      throw new TollgateError('monitor needs exactly one model name', { kind: 'usage', fix: USAGE });
    const model = assertSafeName('model', positionals[0]);
    const actor = actorOf(context, values.by);
    const now = context.now();
    const { registry } = await loadRegistry(fileSystemReader(context.registryDir));
    const entry = registry.models.get(model);
    const alerts = values.alertmanager
      ? ruleAlerts(parseAlertmanagerPayload(JSON.parse(await readFile(values.alertmanager, 'utf8'))))
      : undefined;
    const policy = effectivePolicy(registry.policy);
    const source =
      alerts || !entry
        ? undefined
        : metricsSourceOf(sourceSpecFor(entry.model, policy.monitoring.source), {
            repoRoot: context.repoRoot,
            env: context.env,
            where: `models/${model}/model.yaml`,
            // The person at the terminal runs the repository's metrics command, as they would by hand.
            commands: 'run',
          });
    let plan;
    try {
      plan = await planMonitor({
        registry,
        model,
        now,
        actor,
        ...(source ? { source } : {}),
        ...(alerts ? { alerts } : {}),
      });
    } catch (error) {
      if (!(error instanceof MetricsSourceError)) throw error;
      context.err(`tollgate: ${describeError(error)}`);
      return 3;
    }
    if (values.format === 'json') context.out(JSON.stringify(plan, null, 2));
    else context.out(renderMonitorPlan(plan).join('\n'));
    if (values['dry-run']) {
      context.out('(dry run: nothing written, nothing started)');
      return 0;
    }
    if (plan.events.length === 0) return 0;
    const registryDir = relative(context.repoRoot, context.registryDir).split(sep).join('/') || '.';
    const date = now.toISOString();
    const result = await commitRegistryChange(context.repoRoot, {
      registryDir,
      build: async (reader, stage) => {
        // Decided again on the registry as the branch holds it now: a concurrent run may have recorded it.
        const fresh = await planMonitor({
          registry: (await loadRegistry(reader)).registry,
          model,
          now,
          actor,
          verdicts: plan.verdicts,
        });
        stage.writeRegistry(fresh.writes);
        return {
          value: fresh,
          ...(fresh.writes.length > 0
            ? {
                commit: {
                  message: fresh.message,
                  trailers: fresh.trailers,
                  env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
                },
              }
            : {}),
        };
      },
    });
    if (!result.commit) {
      context.out('already recorded by another run: nothing to commit');
      return 0;
    }
    context.out(
      [`recorded: commit ${result.commit.slice(0, 12)}`, ...checkoutNote(result.checkout)].join('\n'),
    );
    if (values['no-act']) return 0;
    for (const action of result.value.actions) context.out(await act(action, model, context, actor));
    return 0;
  },
};
