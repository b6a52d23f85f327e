// Response tracking against the severity matrix: acknowledging, escalating (once per level), which open incidents
// are past their response time, and the response statistics per severity against the targets. Pure: the clock,
// the policy and the records come in as data.
import { TollgateError } from '../errors.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import type { Incident, Severity, TimelineEntry } from '../registry/types.ts';
import { appendTimeline, formatDuration } from './record.ts';

export const SEVERITIES: Severity[] = ['P0', 'P1', 'P2', 'P3', 'P4'];
/** The protocol: a postmortem is due within 24 hours of resolution. */
export const POSTMORTEM_DUE_SECONDS = 86_400;
/** The protocol's MTTR targets (success criteria); other severities have none. */
export const RESOLVE_TARGETS: Partial<Record<Severity, number>> = { P0: 1800, P1: 7200 };

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const seconds = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 1000);
const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/** A copy acknowledged by `by` at `now`; an incident is acknowledged once, and never after it is resolved. */
export function acknowledgeIncident(incident: Incident, now: Date, by: string): Incident {
  if (incident.status === 'resolved') {
    throw new TollgateError(`incident ${incident.id} is already resolved; there is nothing to acknowledge`);
  }
  if (incident.acknowledged_at !== undefined) {
    throw new TollgateError(
      `incident ${incident.id} was already acknowledged by ${incident.acknowledged_by ?? 'someone'} at ${incident.acknowledged_at}`,
    );
  }
  const at = iso(now);
  const after = formatDuration(seconds(incident.detected_at, at));
  return {
    ...appendTimeline(incident, { at, event: 'acknowledged', detail: `by ${by}, ${after} after detection` }),
    acknowledged_at: at,
    acknowledged_by: by,
  };
}

/** The level an escalation goes to: the one asked for, else one level up (P0 stays P0). */
export function escalationTarget(incident: Incident, to?: Severity): Severity {
  if (to !== undefined) {
    if (rank(to) > rank(incident.severity)) {
      throw new TollgateError(
        `cannot escalate ${incident.id} from ${incident.severity} down to ${to}: an escalation raises the severity`,
        { fix: `pass --to ${incident.severity} or a more severe level (P0 is the most severe)` },
      );
    }
    return to;
  }
  return SEVERITIES[Math.max(0, rank(incident.severity) - 1)]!;
}

/**
 * A copy escalated to `to` (the severity rises to it; its escalation list is who is called): each level is
 * escalated to at most once per incident.
 */
export function escalateIncident(
  incident: Incident,
  input: { to: Severity; now: Date; by: string; reason?: string; policy: EffectivePolicy },
): Incident {
  if (incident.status === 'resolved') {
    throw new TollgateError(`incident ${incident.id} is already resolved; there is nothing to escalate`);
  }
  if ((incident.escalations ?? []).some((e) => e.severity === input.to)) {
    throw new TollgateError(`incident ${incident.id} was already escalated to ${input.to}`, {
      fix: 'escalate to a more severe level with --to, or page the people by hand',
    });
  }
  const at = iso(input.now);
  const who = input.policy.incident.response[input.to].escalate;
  const raised = input.to !== incident.severity ? ` (from ${incident.severity})` : '';
  const detail = `to ${input.to}${raised}: ${who.length ? who.join(', ') : 'nobody on the escalation list'}; by ${input.by}${input.reason ? `: ${input.reason}` : ''}`;
  return {
    ...appendTimeline(incident, { at, event: 'escalated', detail }),
    severity: input.to,
    escalations: [
      ...(incident.escalations ?? []),
      { at, severity: input.to, by: input.by, ...(input.reason ? { reason: input.reason } : {}) },
    ],
  };
}

export interface DueEscalation {
  incident: Incident;
  /** The level to escalate to: the incident's own (its escalation list is called). */
  severity: Severity;
  reason: string;
}

/**
 * Open incidents nobody acknowledged within their severity's response time and not yet escalated at that level:
 * the scheduled job escalates each, once per level.
 */
export function dueEscalations(incidents: Incident[], policy: EffectivePolicy, now: Date): DueEscalation[] {
  const due: DueEscalation[] = [];
  for (const incident of incidents) {
    if (incident.status !== 'open' || incident.acknowledged_at !== undefined) continue;
    const within = policy.incident.response[incident.severity].respondWithin;
    const waited = Math.round((now.getTime() - Date.parse(incident.detected_at)) / 1000);
    if (waited <= within) continue;
    if ((incident.escalations ?? []).some((e) => e.severity === incident.severity)) continue;
    due.push({
      incident,
      severity: incident.severity,
      reason: `not acknowledged within ${formatDuration(within)} (${incident.severity} response time); waited ${formatDuration(waited)}`,
    });
  }
  return due.sort(
    (a, b) => rank(a.severity) - rank(b.severity) || a.incident.id.localeCompare(b.incident.id),
  );
}

export interface Percentiles {
  count: number;
  median: number | null;
  p90: number | null;
  worst: number | null;
}

export interface SeverityResponse {
  severity: Severity;
  /** The matrix's response time, seconds. */
  ackTarget: number;
  toAck: Percentiles;
  /** The protocol's MTTR target, when it sets one. */
  resolveTarget: number | null;
  toResolve: Percentiles;
}

export interface Breach {
  id: string;
  severity: Severity;
  what: 'ack' | 'resolve';
  /** Seconds taken, or waited so far when still not done. */
  seconds: number;
  target: number;
  pending: boolean;
}

export interface ResponseReport {
  perSeverity: SeverityResponse[];
  breaches: Breach[];
  /** Resolved incidents whose postmortem is missing or still a draft past 24 hours after resolution. */
  overduePostmortems: { id: string; resolvedAt: string; dueAt: string; state: 'missing' | 'draft' }[];
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length === 0 ? null : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { count: sorted.length, median, p90: percentile(sorted, 90), worst: sorted.at(-1) ?? null };
}

/**
 * Detection to acknowledgement and to resolution per severity (median, p90, worst) against the targets, every
 * breach (done late, or still pending past the target), and overdue postmortems. `postmortems` maps an incident id
 * to its postmortem's text on the default branch.
 */
export function responseReport(
  incidents: Incident[],
  policy: EffectivePolicy,
  now: Date,
  postmortems: Map<string, string> = new Map(),
): ResponseReport {
  const breaches: Breach[] = [];
  const at = iso(now);
  const perSeverity = SEVERITIES.map((severity): SeverityResponse => {
    const chosen = incidents.filter((i) => i.severity === severity);
    const ackTarget = policy.incident.response[severity].respondWithin;
    const resolveTarget = RESOLVE_TARGETS[severity] ?? null;
    const acks: number[] = [];
    const resolves: number[] = [];
    for (const i of chosen) {
      // A resolution without an acknowledgement counts as the response.
      const acked = i.acknowledged_at ?? i.resolved_at;
      const toAck = seconds(i.detected_at, acked ?? at);
      if (acked !== undefined) acks.push(toAck);
      if (toAck > ackTarget)
        breaches.push({
          id: i.id,
          severity,
          what: 'ack',
          seconds: toAck,
          target: ackTarget,
          pending: !acked,
        });
      const toResolve = seconds(i.detected_at, i.resolved_at ?? at);
      if (i.resolved_at !== undefined) resolves.push(toResolve);
      if (resolveTarget !== null && toResolve > resolveTarget)
        breaches.push({
          id: i.id,
          severity,
          what: 'resolve',
          seconds: toResolve,
          target: resolveTarget,
          pending: i.resolved_at === undefined,
        });
    }
    return { severity, ackTarget, toAck: percentiles(acks), resolveTarget, toResolve: percentiles(resolves) };
  });
  const overduePostmortems = incidents
    .filter((i) => i.status === 'resolved' && i.resolved_at !== undefined)
    .flatMap((i) => {
      const dueAt = iso(new Date(Date.parse(i.resolved_at!) + POSTMORTEM_DUE_SECONDS * 1000));
      if (Date.parse(dueAt) >= now.getTime()) return [];
      const text = postmortems.get(i.id);
      if (text !== undefined && !text.includes('TODO(author)')) return [];
      return [
        {
          id: i.id,
          resolvedAt: i.resolved_at!,
          dueAt,
          state: text === undefined ? 'missing' : 'draft',
        } as const,
      ];
    });
  return { perSeverity, breaches, overduePostmortems };
}

/** What an incident's GitHub issue hears about after it was opened: rollbacks, their verification, notes. */
const ISSUE_FOLLOW_UP = /^(rollback-|note$)/;
const ISSUE_OUTCOME = /\(github-issue \w+\)$/;

/**
 * The timeline entries an open incident's GitHub issue has not been told about: rollback and verification entries
 * (and notes) recorded after the issue channel's last outcome, for an incident whose severity announces on a
 * github-issue channel and whose issue exists (a `notified … (github-issue …)` entry). Empty otherwise. The
 * escalation sweep comments them on the issue, so the issue follows a rollback or a verification that another job
 * recorded with a token that could not write issues.
 */
export function issueFollowUps(incident: Incident, policy: EffectivePolicy): TimelineEntry[] {
  if (incident.status !== 'open') return [];
  const channels = policy.incident.response[incident.severity].channels;
  const announces = channels.some((name) => policy.incident.channels[name]?.type === 'github-issue');
  if (!announces) return [];
  const outcomes = incident.timeline.filter(
    (e) =>
      (e.event === 'notified' || e.event === 'notification-failed') && ISSUE_OUTCOME.test(e.detail ?? ''),
  );
  if (!outcomes.some((e) => e.event === 'notified')) return [];
  const last = incident.timeline.lastIndexOf(outcomes.at(-1)!);
  return incident.timeline.slice(last + 1).filter((e) => ISSUE_FOLLOW_UP.test(e.event));
}
