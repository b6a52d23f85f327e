// Monitoring rules "metric op threshold for duration": which rules watch a model, whether each holds over its
// window, and which start or stop firing against the state on record. Pure: the flow reads the metrics.
import { compare } from '../policy/effective.ts';
import type { AuditEvent, Comparison, MonitorRule } from '../registry/types.ts';
import type { WindowStatKind } from './window.ts';

export const FIRING_EVENT = 'monitor-firing';
export const RESOLVED_EVENT = 'monitor-resolved';

/** A window counts as covered when data reaches back this close to its start (scrape and subquery alignment). */
export const COVERAGE_SLACK_SECONDS = 60;

/** The policy's rules with the model's own; a model rule replaces a policy rule of the same name. */
export function rulesFor(policyRules: MonitorRule[], modelRules: MonitorRule[] = []): MonitorRule[] {
  const names = new Set(modelRules.map((r) => r.name));
  return [...policyRules.filter((r) => !names.has(r.name)), ...modelRules];
}

/**
 * The statistic that says whether the condition held for the whole window: for `>`/`>=` the minimum must cross
 * (every value did), for `<`/`<=` the maximum; `==` needs both, approximated by the mean.
 */
export function windowStatFor(op: Comparison): WindowStatKind {
  return op === '>' || op === '>=' ? 'min' : op === '<' || op === '<=' ? 'max' : 'avg';
}

export const describeRule = (rule: MonitorRule): string =>
  `${rule.metric} ${rule.op} ${rule.threshold}${rule.for > 0 ? ` for ${formatSeconds(rule.for)}` : ''}`;

export function formatSeconds(seconds: number): string {
  if (seconds === 0) return '0s';
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** What the metrics said about one rule: from the source's window, or from an alert. */
export interface RuleObservation {
  /** The window's deciding value (min, max or mean), or the latest value for `for: 0`. */
  value?: number;
  /** Seconds of the window with data. */
  covered?: number;
  /** An Alertmanager alert decided it: firing or resolved, whatever the window says. */
  alert?: { status: 'firing' | 'resolved'; startsAt?: string; fingerprint?: string; url?: string };
}

export interface RuleVerdict {
  rule: MonitorRule;
  firing: boolean;
  value?: number;
  reason: string;
}

export function judgeRule(rule: MonitorRule, observation: RuleObservation): RuleVerdict {
  const { value } = observation;
  const base = { rule, ...(value !== undefined ? { value } : {}) };
  if (observation.alert) {
    return {
      ...base,
      firing: observation.alert.status === 'firing',
      reason: `Alertmanager says ${observation.alert.status}${observation.alert.startsAt ? ` (since ${observation.alert.startsAt})` : ''}`,
    };
  }
  if (value === undefined) return { ...base, firing: false, reason: `no data for ${rule.metric}` };
  const crossed = compare(value, rule.op, rule.threshold);
  const stat = windowStatFor(rule.op);
  if (rule.for === 0)
    return {
      ...base,
      firing: crossed,
      reason: `${rule.metric} = ${value} (${crossed ? 'crosses' : 'within'} ${describeRule(rule)})`,
    };
  const covered = observation.covered ?? 0;
  if (covered + COVERAGE_SLACK_SECONDS < rule.for)
    return {
      ...base,
      firing: false,
      reason: `only ${formatSeconds(covered)} of data, the rule needs ${formatSeconds(rule.for)}`,
    };
  return {
    ...base,
    firing: crossed,
    reason: crossed
      ? `${stat} of ${rule.metric} over ${formatSeconds(rule.for)} = ${value}: ${describeRule(rule)} held`
      : `${stat} of ${rule.metric} over ${formatSeconds(rule.for)} = ${value}: ${describeRule(rule)} did not hold throughout`,
  };
}

/** The rules of `model` firing on record: each rule's latest monitor event is a firing one. */
export function firingOnRecord(events: Iterable<AuditEvent>, model: string): Map<string, AuditEvent> {
  const latest = new Map<string, AuditEvent>();
  for (const event of events) {
    if (event.model !== model || (event.event !== FIRING_EVENT && event.event !== RESOLVED_EVENT)) continue;
    const rule = (event.details as { rule?: unknown } | undefined)?.rule;
    if (typeof rule !== 'string') continue;
    const seen = latest.get(rule);
    if (!seen || `${event.at} ${event.id}` > `${seen.at} ${seen.id}`) latest.set(rule, event);
  }
  return new Map([...latest].filter(([, e]) => e.event === FIRING_EVENT));
}

export interface Transitions {
  started: RuleVerdict[];
  stopped: RuleVerdict[];
  /** Still firing: nothing to record, nothing to do again. */
  still: RuleVerdict[];
}

/** Which rules changed state; only these are written, so a quiet run commits nothing. */
export function transitions(verdicts: RuleVerdict[], onRecord: Map<string, AuditEvent>): Transitions {
  const out: Transitions = { started: [], stopped: [], still: [] };
  for (const verdict of verdicts) {
    const was = onRecord.has(verdict.rule.name);
    if (verdict.firing && !was) out.started.push(verdict);
    else if (!verdict.firing && was) out.stopped.push(verdict);
    else if (verdict.firing) out.still.push(verdict);
  }
  return out;
}
