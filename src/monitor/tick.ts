// The monitor action's use case: every watched model (or the ones named), judged from its metrics source or from
// an Alertmanager payload; the rules that changed state recorded as ONE state change (pushed or a state pull
// request, as the policy says); and the retrain or incident workflow dispatched for each rule that started firing.
// Training never runs here, nor a metrics command: this job holds a write token. A model whose metrics come from a
// command is judged from what the observe job captured (observations.ts), unless the caller runs commands itself.
import { join } from 'node:path';
import { describeError } from '../errors.ts';
import type { GitHubClient } from '../github/client.ts';
import { dispatchWorkflow } from '../github/dispatch.ts';
import { effectivePolicy, type EffectivePolicy } from '../policy/effective.ts';
import type { GitHubTarget } from '../publish/propose.ts';
import { publishStateChange, type StateChangeResult } from '../publish/state.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { assertSafeName } from '../registry/names.ts';
import type { Registry } from '../registry/types.ts';
import { parseAlertmanagerPayload, ruleAlerts, type RuleAlert } from './alertmanager.ts';
import { planMonitor, renderMonitorPlan, type MonitorAction, type MonitorPlan } from './flow.ts';
import { rulesFor } from './rules.ts';
import { replaySource, type Observations } from './observations.ts';
import { MetricsSourceError, sourceSpecFor, type MetricsSource } from './source.ts';
import { commandRefused, metricsSourceOf } from './sources.ts';

export const MONITOR_STATE_LABEL = 'tollgate:state';

export interface MonitorTickRequest {
  /** Models to watch; empty = every model with monitoring rules. */
  models: string[];
  registry: string;
  dryRun: boolean;
  retrainWorkflow: string;
  incidentWorkflow: string;
  /** Branch the dispatched workflows run on; '' = the default branch. */
  ref: string;
  /** A repository_dispatch client_payload holding an Alertmanager webhook payload. */
  alertmanager?: unknown;
  defaultBranch?: string;
}

export interface MonitorTickPorts {
  repoRoot: string;
  github: GitHubTarget;
  /**
   * The client that dispatches the retrain and incident workflows (default `github.client`): on a runner the job's
   * own GITHUB_TOKEN with `actions: write`, so the App that records state needs no Actions permission.
   */
  dispatchClient?: GitHubClient;
  now: Date;
  env: NodeJS.ProcessEnv;
  actor: string;
  fetch?: typeof globalThis.fetch;
  /** This workflow run, recorded on drift reports. */
  runUrl?: string;
  /** Git environment for the commit: the bot's identity on a runner. */
  gitEnv?: NodeJS.ProcessEnv;
  /** Whether a metrics command may run in this process (see SourceContext.commands); on a runner never. */
  commands: 'run' | 'refuse';
  /**
   * The observe job's captures: how models with a command source are judged when commands are refused. An error
   * (captures missing, stale, malformed) fails those models alone; the others are judged from their own sources.
   */
  observations?: Observations | MetricsSourceError;
}

export interface MonitorTickResult {
  plans: MonitorPlan[];
  failures: { model: string; error: string }[];
  recorded?: StateChangeResult;
  dispatched: { model: string; kind: 'retrain' | 'incident'; rule: string; url?: string }[];
  summary: string;
}

/** The retrain workflow's inputs for an urgent retrain: the template declares each of them. */
export const urgentRetrainInputs = (model: string, action: Extract<MonitorAction, { kind: 'retrain' }>) => ({
  model,
  reason: action.reason.slice(0, 1000),
  trigger: 'drift',
  metrics: JSON.stringify(action.metrics),
  thresholds: JSON.stringify(action.thresholds),
});

export const incidentInputs = (model: string, action: Extract<MonitorAction, { kind: 'incident' }>) => ({
  model,
  metrics: Object.entries(action.metrics)
    .map(([k, v]) => `${k}=${v}`)
    .join(','),
  alert: action.alert,
  description: action.description.slice(0, 1000),
});

/** The models a tick watches: those named, those the alerts name, or every model with rules; sorted. */
export function watchedModels(
  registry: Registry,
  policy: EffectivePolicy,
  models: string[],
  alerts: RuleAlert[] | undefined,
): string[] {
  const names =
    models.length > 0
      ? models.map((m) => assertSafeName('model', m))
      : alerts
        ? [...new Set(alerts.map((a) => a.model))].filter((m) => registry.models.has(m))
        : [...registry.models.values()]
            .filter((e) => rulesFor(policy.monitoring.rules, e.model.monitoring?.rules).length > 0)
            .map((e) => e.model.name);
  return names.sort();
}

/** A model's metrics source in this tick: its spec's, or the observe job's capture for a refused command. */
function tickSource(
  registry: Registry,
  policy: EffectivePolicy,
  model: string,
  ports: MonitorTickPorts,
): MetricsSource | undefined {
  const entry = registry.models.get(model);
  if (!entry) return undefined;
  const spec = sourceSpecFor(entry.model, policy.monitoring.source);
  const where = `models/${model}/model.yaml`;
  if (spec.kind === 'command' && ports.commands !== 'run') {
    const observed = ports.observations;
    if (observed instanceof MetricsSourceError) throw observed;
    const failed = observed?.failures.find((f) => f.model === model);
    if (failed) throw new MetricsSourceError(`in the observe job: ${failed.error}`, { file: where });
    const captured = observed?.models.find((m) => m.model === model);
    if (!observed || !captured) throw commandRefused(spec, where);
    return replaySource(
      `command ${(spec.command ?? []).join(' ')}`,
      captured.captures,
      new Date(observed.observed_at),
    );
  }
  return metricsSourceOf(spec, {
    repoRoot: ports.repoRoot,
    env: ports.env,
    where,
    commands: ports.commands,
    ...(ports.fetch ? { fetch: ports.fetch } : {}),
  });
}

export async function monitorTick(
  request: MonitorTickRequest,
  ports: MonitorTickPorts,
): Promise<MonitorTickResult> {
  const { registry } = await loadRegistry(
    fileSystemReader(join(ports.repoRoot, request.registry || 'registry')),
  );
  const policy = effectivePolicy(registry.policy);
  const alerts =
    request.alertmanager === undefined
      ? undefined
      : ruleAlerts(parseAlertmanagerPayload(request.alertmanager));
  const plans: MonitorPlan[] = [];
  const failures: MonitorTickResult['failures'] = [];
  for (const model of watchedModels(registry, policy, request.models, alerts)) {
    try {
      const source = alerts ? undefined : tickSource(registry, policy, model, ports);
      plans.push(
        await planMonitor({
          registry,
          model,
          now: ports.now,
          actor: ports.actor,
          ...(ports.runUrl ? { runUrl: ports.runUrl } : {}),
          ...(source ? { source } : {}),
          ...(alerts ? { alerts } : {}),
        }),
      );
    } catch (error) {
      // One model's unreadable metrics must not keep the others from being watched.
      failures.push({ model, error: describeError(error) });
    }
  }

  const writes = plans.flatMap((p) => p.writes);
  const dispatched: MonitorTickResult['dispatched'] = [];
  let recorded: StateChangeResult | undefined;
  const ref = request.ref.trim() || request.defaultBranch || policy.defaultBranch;
  if (!request.dryRun && writes.length > 0) {
    const changed = plans.filter((p) => p.writes.length > 0);
    const stamp = ports.now.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
    recorded = await publishStateChange(
      {
        repoRoot: ports.repoRoot,
        registryDir: request.registry || 'registry',
        writes,
        message: changed.map((p) => p.message).join('; '),
        trailers: {
          'Tollgate-Event': 'monitor',
          Model: changed.map((p) => p.model).join(', '),
          'Requested-By': ports.actor,
        },
        baseBranch: ref,
        stateWrites: policy.stateWrites,
        branch: `tollgate/state/monitor/${stamp}`,
        env: {
          ...ports.gitEnv,
          GIT_AUTHOR_DATE: ports.now.toISOString(),
          GIT_COMMITTER_DATE: ports.now.toISOString(),
        },
        pullRequest: {
          title: `Monitoring: ${changed.map((p) => p.message.replace(/^monitor /, '')).join('; ')}`,
          body: changed.flatMap((p) => ['```', ...renderMonitorPlan(p), '```', '']).join('\n'),
          labels: [MONITOR_STATE_LABEL],
        },
      },
      ports.github,
    );
    for (const plan of changed) {
      for (const action of plan.actions) {
        if (action.kind === 'skipped') continue;
        try {
          const run = await dispatchWorkflow(ports.dispatchClient ?? ports.github.client, ports.github.repo, {
            workflow: action.kind === 'retrain' ? request.retrainWorkflow : request.incidentWorkflow,
            ref,
            inputs:
              action.kind === 'retrain'
                ? urgentRetrainInputs(plan.model, action)
                : incidentInputs(plan.model, action),
          });
          dispatched.push({
            model: plan.model,
            kind: action.kind,
            rule: action.rule,
            ...(run.htmlUrl ? { url: run.htmlUrl } : {}),
          });
        } catch (error) {
          failures.push({
            model: plan.model,
            error: `dispatching the ${action.kind} workflow: ${describeError(error)}`,
          });
        }
      }
    }
  }
  const lines = ['## Tollgate monitor', ''];
  for (const plan of plans) lines.push('```', ...renderMonitorPlan(plan), '```', '');
  if (request.dryRun) lines.push('**Dry run:** nothing recorded, nothing dispatched.', '');
  if (recorded)
    lines.push(
      recorded.pullRequest
        ? `Recorded in state pull request [#${recorded.pullRequest.number}](${recorded.pullRequest.url}).`
        : `Recorded in commit ${recorded.commit.slice(0, 12)} (${recorded.mode}).`,
      '',
    );
  for (const d of dispatched)
    lines.push(
      `- ${d.kind} workflow dispatched for \`${d.model}\` (${d.rule})${d.url ? `: [run](${d.url})` : ''}`,
    );
  if (failures.length > 0)
    lines.push('', '### Failed', '', ...failures.map((f) => `- \`${f.model}\`: ${f.error}`));
  return { plans, failures, ...(recorded ? { recorded } : {}), dispatched, summary: lines.join('\n') };
}
