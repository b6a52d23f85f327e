// `tollgate monitor MODEL` and the monitor action: read the model's metrics (or the alerts that came in), judge
// its rules, record the rules that started or stopped firing (one change; none when nothing changed), and act on
// those that started: an urgent retrain (trigger drift, past the schedule's cooldown, never past the one-active-
// retrain guard) or an incident through the existing classification.
import { TollgateError } from '../errors.ts';
import { effectivePolicy } from '../policy/effective.ts';
import { auditPath } from '../registry/paths.ts';
import type { AuditEvent, GateSpec, MonitorRule, Registry } from '../registry/types.ts';
import type { RegistryFileWrite } from '../registry/writer.ts';
import { activeRetrain } from '../retrain/request.ts';
import type { RuleAlert } from './alertmanager.ts';
import { monitorAuditEvent } from './audit.ts';
import { driftReportEvent } from './drift-report.ts';
import {
  describeRule,
  FIRING_EVENT,
  firingOnRecord,
  judgeRule,
  RESOLVED_EVENT,
  rulesFor,
  transitions,
  windowStatFor,
  type RuleObservation,
  type RuleVerdict,
  type Transitions,
} from './rules.ts';
import type { MetricsSource } from './source.ts';

export interface MonitorInput {
  registry: Registry;
  model: string;
  now: Date;
  actor: string;
  /** Where the metrics come from; not needed when alerts decide every rule. */
  source?: MetricsSource;
  /** Alertmanager alerts about this model's rules: they decide those rules instead of the source. */
  alerts?: RuleAlert[];
  /** The CI run doing the monitoring, recorded on drift reports. */
  runUrl?: string;
  /** Verdicts already judged (a re-plan on a newer registry state reuses them rather than read metrics again). */
  verdicts?: RuleVerdict[];
}

export type MonitorAction =
  | { kind: 'retrain'; rule: string; reason: string; metrics: Record<string, number>; thresholds: GateSpec[] }
  | { kind: 'incident'; rule: string; alert: string; metrics: Record<string, number>; description: string }
  | { kind: 'skipped'; rule: string; reason: string };

export interface MonitorPlan {
  model: string;
  source: string;
  verdicts: RuleVerdict[];
  transitions: Transitions;
  /** Alerts that named no rule of this model. */
  ignoredAlerts: RuleAlert[];
  /** The audit events recording each transition; empty when nothing changed. */
  writes: RegistryFileWrite[];
  events: AuditEvent[];
  actions: MonitorAction[];
  message: string;
  trailers: Record<string, string>;
}

async function observe(
  rule: MonitorRule,
  input: MonitorInput,
  alert: RuleAlert | undefined,
  version: string | undefined,
): Promise<RuleObservation> {
  if (alert) {
    return {
      ...(alert.value !== undefined ? { value: alert.value } : {}),
      alert: {
        status: alert.status,
        ...(alert.startsAt ? { startsAt: alert.startsAt } : {}),
        ...(alert.fingerprint ? { fingerprint: alert.fingerprint } : {}),
        ...(alert.url ? { url: alert.url } : {}),
      },
    };
  }
  if (!input.source)
    throw new TollgateError(`rule ${rule.name} of ${input.model} needs a metrics source, and none is set`, {
      file: `models/${input.model}/model.yaml`,
      field: 'monitoring.source',
      fix: 'name a source in model.yaml or policy.yaml monitoring.source (docs/monitoring.md)',
    });
  const scope = { model: input.model, stage: rule.stage ?? 'production', ...(version ? { version } : {}) };
  if (rule.for === 0) {
    const values = await input.source.instant([rule.metric], scope, input.now);
    return values[rule.metric] === undefined ? {} : { value: values[rule.metric]! };
  }
  const stat = await input.source.overWindow(rule.metric, windowStatFor(rule.op), scope, input.now, rule.for);
  return stat ? { value: stat.value, covered: stat.covered } : {};
}

export async function planMonitor(input: MonitorInput): Promise<MonitorPlan> {
  const entry = input.registry.models.get(input.model);
  if (!entry)
    throw new TollgateError(`no model ${input.model} in the registry`, {
      file: `models/${input.model}/model.yaml`,
      fix: 'check the name (`ls registry/models`), or run `tollgate validate`',
    });
  const policy = effectivePolicy(input.registry.policy);
  const rules = rulesFor(policy.monitoring.rules, entry.model.monitoring?.rules);
  if (rules.length === 0)
    throw new TollgateError(`no monitoring rules apply to ${input.model}`, {
      file: 'policy.yaml',
      field: 'monitoring.rules',
      fix: 'add rules, e.g. { name: drift, metric: drift_score, op: ">", threshold: 0.8, for: 900, action: retrain }',
    });
  const alerts = (input.alerts ?? []).filter((a) => a.model === input.model);
  const names = new Set(rules.map((r) => r.name));
  const verdicts: RuleVerdict[] = input.verdicts ? [...input.verdicts] : [];
  for (const rule of input.verdicts ? [] : rules) {
    const alert = alerts.find((a) => a.rule === rule.name);
    // With alerts as the input, only the rules they name are judged; the others keep their state.
    if (input.alerts && !alert && !input.source) continue;
    const version = entry.stages?.stages[rule.stage ?? 'production']?.version;
    verdicts.push(judgeRule(rule, await observe(rule, input, alert, version)));
  }
  const onRecord = firingOnRecord(input.registry.audit.values(), input.model);
  const changed = transitions(verdicts, onRecord);

  const actions: MonitorAction[] = changed.started.flatMap((v): MonitorAction[] => {
    const { rule } = v;
    const metrics = v.value === undefined ? {} : { [rule.metric]: v.value };
    if (rule.action === 'retrain') {
      const active = activeRetrain(entry.retrains.values(), input.model);
      if (active)
        return [{ kind: 'skipped', rule: rule.name, reason: `no urgent retrain: ${active.message}` }];
      return [
        {
          kind: 'retrain',
          rule: rule.name,
          reason: `drift: ${rule.name} (${describeRule(rule)}): ${v.reason}`,
          metrics,
          thresholds: [{ metric: rule.metric, op: rule.op, threshold: rule.threshold }],
        },
      ];
    }
    if (rule.action === 'incident')
      return [
        {
          kind: 'incident',
          rule: rule.name,
          alert: rule.name,
          metrics,
          description: `monitoring rule ${rule.name} (${describeRule(rule)}) fired: ${v.reason}`,
        },
      ];
    return [];
  });

  const source = input.alerts && !input.source ? 'Alertmanager' : (input.source?.label ?? 'Alertmanager');
  const events = [
    ...changed.started.map((v) =>
      monitorAuditEvent({
        event: FIRING_EVENT,
        verdict: v,
        model: input.model,
        actor: input.actor,
        now: input.now,
        source,
      }),
    ),
    ...changed.stopped.map((v) =>
      monitorAuditEvent({
        event: RESOLVED_EVENT,
        verdict: v,
        model: input.model,
        actor: input.actor,
        now: input.now,
        source,
      }),
    ),
  ];
  // A drift rule that starts firing leaves its scores on record, for the evidence bundle's drift section.
  for (const v of changed.started.filter((v) => v.rule.action === 'retrain' && v.value !== undefined)) {
    const version = entry.stages?.stages[v.rule.stage ?? 'production']?.version;
    events.push(
      driftReportEvent({
        model: input.model,
        ...(version ? { version } : {}),
        kind: 'drift',
        scores: { [v.rule.metric]: v.value! },
        ...(input.runUrl ? { runUrl: input.runUrl } : {}),
        actor: input.actor,
        now: input.now,
        source: `monitoring rule ${v.rule.name} (${describeRule(v.rule)}), metrics from ${source}`,
      }),
    );
  }
  const what = [
    ...changed.started.map((v) => `${v.rule.name} firing`),
    ...changed.stopped.map((v) => `${v.rule.name} resolved`),
  ];
  return {
    model: input.model,
    source,
    verdicts,
    transitions: changed,
    ignoredAlerts: alerts.filter((a) => !names.has(a.rule)),
    writes: events.map((e) => ({ path: auditPath(e.id), document: e })),
    events,
    actions,
    message: `monitor ${input.model}: ${what.join(', ')}`,
    trailers: { 'Tollgate-Event': 'monitor', Model: input.model, 'Requested-By': input.actor },
  };
}

/** The plan as text: every rule with its verdict, then what changes and what it starts. */
export function renderMonitorPlan(plan: MonitorPlan): string[] {
  const lines = [`monitor ${plan.model} (metrics from ${plan.source})`];
  for (const v of plan.verdicts)
    lines.push(`  ${v.firing ? 'FIRING ' : 'ok     '} ${v.rule.name}: ${describeRule(v.rule)}: ${v.reason}`);
  for (const a of plan.ignoredAlerts)
    lines.push(`  ignored alert ${a.rule}: no rule of ${plan.model} has that name`);
  if (plan.events.length === 0) lines.push('no rule started or stopped firing: nothing to record');
  for (const v of plan.transitions.started)
    lines.push(`started firing: ${v.rule.name} (action ${v.rule.action})`);
  for (const v of plan.transitions.stopped) lines.push(`stopped firing: ${v.rule.name}`);
  for (const a of plan.actions) {
    if (a.kind === 'retrain') lines.push(`urgent retrain of ${plan.model} (trigger drift): ${a.reason}`);
    else if (a.kind === 'incident') lines.push(`incident for ${plan.model}: ${a.description}`);
    else lines.push(`${a.rule}: ${a.reason}`);
  }
  return lines;
}
