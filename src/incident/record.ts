// Incident records: opening, the auto-rollback decision, resolving, statistics, postmortem drafts. Pure: the
// clock and the id suffix come in as arguments.
import { TollgateError } from '../errors.ts';
import { compare, type EffectivePolicy } from '../policy/effective.ts';
import { AUDIT_ID, INCIDENT_ID, assertSafeName } from '../registry/names.ts';
import {
  API_VERSION,
  type AuditEvent,
  type Incident,
  type MetricCondition,
  type Severity,
  type TimelineEntry,
} from '../registry/types.ts';
import { classifySeverity, describeCondition, metricValue } from './severity.ts';

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const seconds = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 1000);

/** INC-YYYYMMDD-HHMMSS-<suffix>, in UTC. The suffix (4 lowercase letters or digits) is the caller's randomness. */
export function incidentId(now: Date, suffix: string): string {
  if (!/^[a-z0-9]{4}$/.test(suffix)) {
    throw new TollgateError(`incident id suffix "${suffix}" must be 4 lowercase letters or digits`, {
      fix: 'pass e.g. randomBytes(2).toString("hex")',
    });
  }
  const t = iso(now);
  return `INC-${t.slice(0, 10).replaceAll('-', '')}-${t.slice(11, 19).replaceAll(':', '')}-${suffix}`;
}

export interface OpenIncidentInput {
  models: string[];
  metrics: Record<string, number>;
  alert?: string;
  description?: string;
  title?: string;
  now: Date;
  id: string;
  policy: EffectivePolicy;
}

/** A new open incident, classified, with `detected` and `classified` on its timeline. */
export function openIncident(input: OpenIncidentInput): Incident {
  if (!INCIDENT_ID.test(input.id)) {
    throw new TollgateError(`incident id "${input.id}" is not of the form INC-YYYYMMDD-HHMMSS-xxxx`, {
      fix: 'build it with incidentId(now, suffix)',
      field: 'id',
    });
  }
  if (input.models.length === 0) {
    throw new TollgateError('an incident needs at least one model', {
      fix: 'pass --model NAME',
      field: 'models',
    });
  }
  const models = [...new Set(input.models.map((m) => assertSafeName('model', m)))];
  const at = iso(input.now);
  const { severity, explanation } = classifySeverity(input.metrics, input.policy);
  const incident: Incident = {
    apiVersion: API_VERSION,
    kind: 'Incident',
    id: input.id,
    title: input.title ?? `${severity} on ${models.join(', ')}${input.alert ? `: ${input.alert}` : ''}`,
    severity,
    status: 'open',
    models,
    metrics: { ...input.metrics },
    detected_at: at,
    classified_at: at,
    timeline: [
      { at, event: 'detected', detail: input.alert ?? 'declared by hand' },
      { at, event: 'classified', detail: explanation },
    ],
  };
  if (input.alert !== undefined) incident.alert = input.alert;
  if (input.description !== undefined) incident.description = input.description;
  return incident;
}

/** A copy with `entry` appended; rollback-completed and resolved entries get their duration since detection. */
export function appendTimeline(incident: Incident, entry: TimelineEntry): Incident {
  const withDuration =
    (entry.event === 'rollback-completed' || entry.event === 'resolved') && entry.duration === undefined
      ? { ...entry, duration: seconds(incident.detected_at, entry.at) }
      : entry;
  return { ...incident, timeline: [...incident.timeline, withDuration] };
}

/** A rollback as the incident record tells it (the rollback action, `tollgate rollback --incident`). */
export interface RollbackFacts {
  model: string;
  stage: string;
  /** The version the stage served before; absent when it pointed nowhere. */
  from?: string;
  to: string;
  mode: 'revert' | 'forward-fix';
  /** Commits reverted, newest first (mode revert). */
  reverted: string[];
  forwardFixReason?: string;
  by: string;
  /** When the rollback started: its `Rollback-Started` trailer. */
  startedAt: Date;
  /** How it reaches the default branch. */
  via:
    | { kind: 'emergency-push' }
    | { kind: 'pull-request'; branch: string; pullRequest?: { number: number; url: string } };
  /** When it reached the default branch (an emergency push): adds `rollback-completed`. */
  completedAt?: Date;
}

/**
 * A copy with a `rollback-started` entry (target, reverted commits, pull request) and, for an emergency push, a
 * `rollback-completed` entry with its duration; `rollback` names this rollback unless it names another model's.
 */
export function recordRollback(incident: Incident, facts: RollbackFacts): Incident {
  const moved = `${facts.model} ${facts.stage} ${facts.from ?? '(none)'} -> ${facts.to}`;
  const how =
    facts.mode === 'revert'
      ? `reverts ${facts.reverted.map((sha) => sha.slice(0, 12)).join(', ')}`
      : `writes ${facts.to} forward (${facts.forwardFixReason ?? 'no revert'})`;
  const via =
    facts.via.kind === 'emergency-push'
      ? 'emergency push'
      : facts.via.pullRequest
        ? `pull request #${facts.via.pullRequest.number} ${facts.via.pullRequest.url}`
        : `pull request from branch ${facts.via.branch}`;
  let next = appendTimeline(incident, {
    at: iso(facts.startedAt),
    event: 'rollback-started',
    detail: `${moved}; ${how}; ${via}; by ${facts.by}`,
  });
  if (facts.completedAt !== undefined) {
    next = appendTimeline(next, {
      at: iso(facts.completedAt),
      event: 'rollback-completed',
      detail: `${moved} by ${facts.mode} (${via}, ${formatDuration(seconds(iso(facts.startedAt), iso(facts.completedAt)))} after it started)`,
    });
  }
  const pullRequest = facts.via.kind === 'pull-request' ? facts.via.pullRequest?.number : undefined;
  const other =
    incident.rollback && (incident.rollback.model !== facts.model || incident.rollback.stage !== facts.stage);
  if (facts.from !== undefined && !other) {
    next.rollback = {
      model: facts.model,
      stage: facts.stage,
      from: facts.from,
      to: facts.to,
      ...(pullRequest !== undefined ? { pull_request: pullRequest } : {}),
    };
  }
  return next;
}

/** What the auto-rollback rule needs to know about the model's live stage, gathered by the shell. */
export interface AutoRollbackState {
  model: string;
  /** Default `production`. */
  stage?: string;
  /** The version the stage points at now. */
  current?: string;
  /** A promotion pull request of this model is open or being merged. */
  promotionInFlight: boolean;
  /** The last move of this stage's pointer was itself a rollback. */
  lastPointerChangeWasRollback: boolean;
  /** The version a rollback would return to (see chooseRollbackTarget); absent when none is stable. */
  stableTarget?: string;
}

export type AutoRollbackDecision =
  | {
      rollback: true;
      model: string;
      stage: string;
      target: string;
      matched: MetricCondition[];
      entry: TimelineEntry;
    }
  | { rollback: false; reason: string; matched: MetricCondition[]; entry: TimelineEntry };

/**
 * Roll back automatically when any auto_rollback condition holds, unless a safety rule says no: never during a
 * promotion of the model, never a rollback of a rollback, never without a stable version to return to.
 */
export function decideAutoRollback(input: {
  incident: Incident;
  policy: EffectivePolicy;
  state: AutoRollbackState;
  now: Date;
}): AutoRollbackDecision {
  const { incident, policy, state } = input;
  const stage = state.stage ?? 'production';
  const at = iso(input.now);
  const matched = policy.incident.autoRollback.filter((c) =>
    compare(metricValue(incident.metrics, c.metric), c.op, c.value),
  );
  const skip = (reason: string): AutoRollbackDecision => ({
    rollback: false,
    reason,
    matched,
    entry: { at, event: 'rollback-skipped', detail: `${state.model} ${stage}: ${reason}` },
  });
  if (matched.length === 0) {
    const rules = policy.incident.autoRollback.map(describeCondition).join(', ') || 'none configured';
    return skip(`no auto-rollback condition holds (conditions: ${rules})`);
  }
  if (state.promotionInFlight)
    return skip('a promotion of this model is in flight; roll back by hand once it settles');
  if (state.lastPointerChangeWasRollback) {
    return skip('the last pointer change was already a rollback; never roll back a rollback automatically');
  }
  if (state.stableTarget === undefined)
    return skip('no earlier version held the stage long enough to count as stable');
  if (state.stableTarget === state.current)
    return skip(`the stable version ${state.current} is already live`);
  const why = matched.map(describeCondition).join('; ');
  return {
    rollback: true,
    model: state.model,
    stage,
    target: state.stableTarget,
    matched,
    entry: {
      at,
      event: 'rollback-started',
      detail: `automatic: ${state.model} ${stage} ${state.current ?? '(none)'} -> ${state.stableTarget} because ${why}`,
    },
  };
}

/** Resolved copy of an open incident, with a `resolved` entry carrying the duration since detection. */
export function resolveIncident(incident: Incident, now: Date, note?: string): Incident {
  if (incident.status === 'resolved') {
    throw new TollgateError(`incident ${incident.id} was already resolved at ${incident.resolved_at}`, {
      fix: 'add a note instead of resolving it again',
      field: 'status',
    });
  }
  const at = iso(now);
  if (Date.parse(at) < Date.parse(incident.detected_at)) {
    throw new TollgateError(
      `cannot resolve ${incident.id} at ${at}, before it was detected (${incident.detected_at})`,
    );
  }
  const entry: TimelineEntry = { at, event: 'resolved' };
  if (note !== undefined) entry.detail = note;
  return { ...appendTimeline(incident, entry), status: 'resolved', resolved_at: at };
}

export interface DurationStats {
  count: number;
  meanSeconds: number | null;
  medianSeconds: number | null;
}

export interface IncidentStats {
  total: number;
  open: number;
  bySeverity: Record<Severity, number>;
  /** Detection to resolution, over resolved incidents. */
  mttr: DurationStats;
  /** Detection to the first completed rollback, over incidents with one. */
  timeToRollback: DurationStats;
  /** MTTR per severity (detection to resolution, over resolved incidents of that severity). */
  mttrBySeverity: Record<Severity, DurationStats>;
  /** Seconds from detection to classification, first completed rollback and resolution; null when not (yet). */
  incidents: IncidentDurations[];
}

export interface IncidentDurations {
  id: string;
  severity: Severity;
  status: Incident['status'];
  detectedAt: string;
  toClassify: number | null;
  toRollback: number | null;
  toResolve: number | null;
}

function durationStats(values: number[]): DurationStats {
  if (values.length === 0) return { count: 0, meanSeconds: null, medianSeconds: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    count: values.length,
    meanSeconds: values.reduce((a, b) => a + b, 0) / values.length,
    medianSeconds: median,
  };
}

/** Counts and mean/median durations over incidents detected at or after `since`. */
export function incidentStats(incidents: Incident[], options: { since?: Date } = {}): IncidentStats {
  const since = options.since?.getTime() ?? -Infinity;
  const chosen = incidents.filter((i) => Date.parse(i.detected_at) >= since);
  const bySeverity: Record<Severity, number> = { P0: 0, P1: 0, P2: 0, P3: 0, P4: 0 };
  const perIncident = [...chosen]
    .sort((a, b) => Date.parse(a.detected_at) - Date.parse(b.detected_at) || a.id.localeCompare(b.id))
    .map((i): IncidentDurations => {
      bySeverity[i.severity]++;
      const classified = i.classified_at ?? i.timeline.find((e) => e.event === 'classified')?.at;
      const rolled = i.timeline.find((e) => e.event === 'rollback-completed');
      return {
        id: i.id,
        severity: i.severity,
        status: i.status,
        detectedAt: i.detected_at,
        toClassify: classified === undefined ? null : seconds(i.detected_at, classified),
        toRollback: rolled ? (rolled.duration ?? seconds(i.detected_at, rolled.at)) : null,
        toResolve: i.status === 'resolved' && i.resolved_at ? seconds(i.detected_at, i.resolved_at) : null,
      };
    });
  const present = (values: (number | null)[]): number[] => values.filter((v): v is number => v !== null);
  const mttrOf = (severity: Severity): DurationStats =>
    durationStats(present(perIncident.filter((d) => d.severity === severity).map((d) => d.toResolve)));
  return {
    total: chosen.length,
    open: chosen.filter((i) => i.status === 'open').length,
    bySeverity,
    mttr: durationStats(present(perIncident.map((d) => d.toResolve))),
    timeToRollback: durationStats(present(perIncident.map((d) => d.toRollback))),
    mttrBySeverity: {
      P0: mttrOf('P0'),
      P1: mttrOf('P1'),
      P2: mttrOf('P2'),
      P3: mttrOf('P3'),
      P4: mttrOf('P4'),
    },
    incidents: perIncident,
  };
}

export interface GitTimelineEntry {
  at: string;
  sha: string;
  subject: string;
  trailers: Record<string, string | string[]>;
}

/** Human duration: 1h 02m 05s, 4m 10s, 12s. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m ${String(r).padStart(2, '0')}s`;
  if (m) return `${m}m ${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * A markdown postmortem draft. The timeline merges the incident's own entries with the registry commits (git
 * history) in time order; the parts only the author can write are marked `TODO(author)`.
 */
export interface PostmortemContext {
  /** https://github.com/OWNER/REPO: commits in the timeline become links. */
  repoUrl?: string;
  /** Who signed off the changes in the window (role: login), from the registry's audit events. */
  approvers?: string[];
  /** Other incidents of the same models, `ID — title`. */
  related?: string[];
}

const addDays = (at: string, days: number): string =>
  new Date(Date.parse(at) + days * 86_400_000).toISOString().slice(0, 10);

export function renderPostmortem(
  incident: Incident,
  gitTimeline: GitTimelineEntry[],
  context: PostmortemContext = {},
): string {
  const commitRef = (sha: string) =>
    context.repoUrl
      ? `[commit ${sha.slice(0, 12)}](${context.repoUrl}/commit/${sha})`
      : `commit ${sha.slice(0, 12)}`;
  const rows: { at: string; source: string; what: string }[] = [
    ...incident.timeline.map((e) => ({
      at: e.at,
      source: 'incident',
      what: `${e.event}${e.detail ? `: ${e.detail}` : ''}${e.duration !== undefined ? ` (after ${formatDuration(e.duration)})` : ''}`,
    })),
    ...gitTimeline.map((c) => {
      const event = c.trailers['Tollgate-Event'];
      const tag = event === undefined ? '' : ` [${Array.isArray(event) ? event.join(', ') : event}]`;
      return { at: c.at, source: commitRef(c.sha), what: `${c.subject}${tag}` };
    }),
  ];
  // Stable sort by instant: entries at the same second keep incident-first, then git order.
  rows.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const lasted = incident.resolved_at
    ? formatDuration(seconds(incident.detected_at, incident.resolved_at))
    : 'still open';
  const metrics = Object.entries(incident.metrics);
  const rb = incident.rollback;
  const due = addDays(incident.resolved_at ?? incident.detected_at, 7);
  const actions = incident.timeline.filter((e) =>
    [
      'rollback-started',
      'rollback-completed',
      'rollback-failed',
      'acknowledged',
      'escalated',
      'note',
    ].includes(e.event),
  );
  const communication = incident.timeline.filter((e) =>
    ['notified', 'notification-failed', 'escalated', 'acknowledged'].includes(e.event),
  );
  const lines = [
    `# Postmortem: ${incident.id} — ${incident.title}`,
    '',
    '> Draft generated by Tollgate from the incident record and git history. Sections marked TODO(author) need',
    '> a person; everything else is a fact from the record — correct the record, not the draft. Due within 24 hours',
    '> of the resolution; `tollgate validate` checks the action items.',
    '',
    '## Incident Summary',
    '',
    `- Incident ID: ${incident.id}`,
    `- Severity: **${incident.severity}**`,
    `- Status: ${incident.status}`,
    `- Date: ${incident.detected_at.slice(0, 10)}`,
    `- Models: ${incident.models.join(', ')}`,
    `- Detected: ${incident.detected_at}`,
    ...(incident.acknowledged_at
      ? [`- Acknowledged: ${incident.acknowledged_at} by ${incident.acknowledged_by ?? 'someone'}`]
      : []),
    `- Resolved: ${incident.resolved_at ?? '—'} (duration: ${lasted})`,
    ...(incident.alert ? [`- Alert: ${incident.alert}`] : []),
    ...(rb
      ? [
          `- Rollback: ${rb.model} ${rb.stage} ${rb.from} -> ${rb.to}${rb.commit ? ` (commit ${rb.commit.slice(0, 12)})` : ''}${rb.pull_request ? ` (pull request #${rb.pull_request})` : ''}`,
        ]
      : ['- Rollback: none recorded']),
    '- Impact: TODO(author): one line on user and business impact',
    '',
    ...(incident.description ? [incident.description, ''] : []),
    '## Timeline (UTC)',
    '',
    '| time | source | event |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.at} | ${r.source} | ${cell(r.what)} |`),
    '',
    '## Root Cause Analysis',
    '',
    '### What Happened',
    '',
    'TODO(author): what went wrong, in detail.',
    '',
    '### Why It Happened',
    '',
    'TODO(author): the root cause (technical, process or human), and why it was not caught before it reached the stage.',
    '',
    '### Contributing Factors',
    '',
    '- TODO(author)',
    '',
    '## Impact Assessment',
    '',
    '### User Impact',
    '',
    'TODO(author): who and what was affected (users, requests, decisions), and for how long.',
    '',
    '### Business Impact',
    '',
    '- Revenue impact: TODO(author)',
    '- SLA breach: TODO(author) (`tollgate incident stats` lists response-time breaches)',
    '',
    '### Technical Impact',
    '',
    `- Services affected: ${incident.models.join(', ')}`,
    '- Data loss: TODO(author)',
    '- Performance degradation at detection:',
    '',
    ...(metrics.length
      ? [
          '| metric | value at detection |',
          '| --- | --- |',
          ...metrics.map(([k, v]) => `| ${cell(k)} | ${v} |`),
        ]
      : ['No metrics were recorded.']),
    '',
    '## Resolution',
    '',
    '### Immediate Actions Taken',
    '',
    ...(actions.length
      ? actions.map((e, i) => `${i + 1}. ${e.at} ${e.event}${e.detail ? `: ${e.detail}` : ''}`)
      : ['1. TODO(author): none recorded; what was done by hand?']),
    '',
    ...rollbackDetails(incident, gitTimeline),
    '## Lessons Learned',
    '',
    '### What Went Well',
    '',
    '- TODO(author)',
    '',
    '### What Went Wrong',
    '',
    '- TODO(author)',
    '',
    '### Where We Got Lucky',
    '',
    '- TODO(author)',
    '',
    '## Action Items',
    '',
    `- [ ] TODO(author): preventive action — owner: @TODO — due: ${due} — priority: high`,
    `- [ ] TODO(author): monitoring improvement — owner: @TODO — due: ${due} — priority: medium`,
    '',
    '## Prevention Measures',
    '',
    '### Short-term (< 1 week)',
    '',
    '- [ ] TODO(author)',
    '',
    '### Medium-term (1-4 weeks)',
    '',
    '- [ ] TODO(author)',
    '',
    '### Long-term (> 1 month)',
    '',
    '- [ ] TODO(author)',
    '',
    '## Appendix',
    '',
    '### Related Incidents',
    '',
    ...(context.related?.length
      ? context.related.map((r) => `- ${r}`)
      : ['- None recorded for these models.']),
    '',
    '### Communication Log',
    '',
    ...(communication.length
      ? communication.map((e) => `- ${e.at} ${e.event}${e.detail ? `: ${e.detail}` : ''}`)
      : ['- No notification was recorded.']),
    '',
    '---',
    '',
    '**Postmortem Completed By**: TODO(author)',
    '',
    `**Date**: TODO(author) (due by ${incident.resolved_at ? addDays(incident.resolved_at, 1) : 'one day after the resolution'})`,
    '',
    `**Reviewed By**: TODO(author)${context.approvers?.length ? `; the changes in this window were signed off by ${context.approvers.join(', ')}` : ''}`,
    '',
  ];
  return lines.join('\n');
}

const one = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(', ') : value;

/** The rollback section: what the record says was decided and done, and the rollback commits with what they reverted. */
function rollbackDetails(incident: Incident, gitTimeline: GitTimelineEntry[]): string[] {
  const steps = incident.timeline.filter((e) => e.event.startsWith('rollback-'));
  const commits = gitTimeline.filter((c) => one(c.trailers['Tollgate-Event']) === 'rollback');
  const rb = incident.rollback;
  if (!rb && steps.length === 0 && commits.length === 0)
    return ['## Rollback', '', 'No rollback was made.', ''];
  const started = steps.find((e) => e.event === 'rollback-started');
  const completed = steps.find((e) => e.event === 'rollback-completed');
  const took =
    started && completed
      ? formatDuration(seconds(started.at, completed.at))
      : completed?.duration !== undefined
        ? `${formatDuration(completed.duration)} after detection`
        : undefined;
  return [
    '## Rollback',
    '',
    ...(rb
      ? [
          `${rb.model} \`${rb.stage}\`: ${rb.from} -> ${rb.to}` +
            `${rb.commit ? `, commit ${rb.commit.slice(0, 12)}` : ''}${rb.pull_request ? `, pull request #${rb.pull_request}` : ''}.`,
          '',
        ]
      : []),
    ...steps.map(
      (e) =>
        `- ${e.at} ${e.event}${e.detail ? `: ${e.detail}` : ''}${e.duration !== undefined ? ` (${formatDuration(e.duration)} after detection)` : ''}`,
    ),
    ...commits.map((c) => {
      const mode = one(c.trailers['Rollback-Mode']);
      const reverts = one(c.trailers.Reverts);
      return `- commit ${c.sha.slice(0, 12)} (${c.at}): ${c.subject}${mode ? `; mode ${mode}` : ''}${reverts ? `; reverts ${reverts}` : ''}`;
    }),
    '',
    `- Rollback version: ${rb?.to ?? '—'}`,
    `- Rollback duration: ${took ?? '—'}`,
    `- Rollback success: ${completed ? 'yes' : steps.some((e) => e.event === 'rollback-failed') ? 'no' : 'not completed'}`,
    '',
  ];
}

export const POSTMORTEM_LABELS = ['tollgate:incident', 'tollgate:postmortem'];

export const postmortemBranch = (id: string): string => `tollgate/postmortem/${id}`;

/**
 * The pull request that carries a resolved incident's record and postmortem draft: its summary, where the
 * draft is (`postmortem`: repository path; `link`: where to read it on GitHub) and what reviewers are asked.
 */
export function postmortemPullRequest(
  incident: Incident,
  where: { postmortem?: string; link?: string },
): { title: string; body: string; labels: string[] } {
  const lasted = incident.resolved_at
    ? formatDuration(seconds(incident.detected_at, incident.resolved_at))
    : 'still open';
  const rb = incident.rollback;
  const rolledBack = incident.timeline.find((e) => e.event === 'rollback-completed');
  const lines = [
    `Resolves incident **${incident.id}**: ${incident.title}`,
    '',
    `- Severity: **${incident.severity}**; models: ${incident.models.join(', ')}`,
    `- Detected ${incident.detected_at}, resolved ${incident.resolved_at ?? '—'} (after ${lasted})`,
    rb
      ? `- Rollback: ${rb.model} ${rb.stage} ${rb.from} -> ${rb.to}` +
        (rolledBack?.duration !== undefined
          ? `, completed ${formatDuration(rolledBack.duration)} after detection`
          : '') +
        (rb.pull_request ? ` (pull request #${rb.pull_request})` : '')
      : '- Rollback: none recorded',
    ...(where.postmortem
      ? [
          `- Postmortem draft: ${where.link ? `[${where.postmortem}](${where.link})` : `\`${where.postmortem}\``}`,
          '',
          'Before merging, fill in the draft’s TODO(author) parts (impact, root cause, lessons, action items);',
          'the facts come from the incident record and git history, so correct the record rather than the draft.',
        ]
      : ['- No postmortem draft (resolved with --no-postmortem).']),
    '',
    'A state change: the sign-off gate lets it through without sign-offs.',
    '',
  ];
  return {
    title: `Resolve incident ${incident.id}: postmortem`,
    body: lines.join('\n'),
    labels: POSTMORTEM_LABELS,
  };
}

export type IncidentAuditKind = 'incident-opened' | 'incident-resolved' | 'rollback' | 'rollback-skipped';

/** One audit event about an incident; its id is `<yyyymmddThhmmssZ>-<suffix>` as src/registry/names.ts wants. */
export function incidentAuditEvent(input: {
  incident: Incident;
  event: IncidentAuditKind;
  actor: string;
  now: Date;
  suffix: string;
  model?: string;
  stage?: string;
  version?: string;
  commit?: string;
  pullRequest?: number;
  details?: Record<string, unknown>;
}): AuditEvent {
  const at = iso(input.now);
  const stamp = `${at.slice(0, 10).replaceAll('-', '')}T${at.slice(11, 19).replaceAll(':', '')}Z`;
  const id = `${stamp}-${input.suffix}`;
  if (!AUDIT_ID.test(id)) {
    throw new TollgateError(
      `audit id suffix "${input.suffix}" may hold only lowercase letters, digits, "." and "-"`,
    );
  }
  const event: AuditEvent = {
    apiVersion: API_VERSION,
    kind: 'AuditEvent',
    id,
    at,
    event: input.event,
    actor: input.actor,
    incident: input.incident.id,
    details: { severity: input.incident.severity, status: input.incident.status, ...input.details },
  };
  const model = input.model ?? (input.incident.models.length === 1 ? input.incident.models[0] : undefined);
  if (model !== undefined) event.model = model;
  if (input.stage !== undefined) event.stage = input.stage;
  if (input.version !== undefined) event.version = input.version;
  if (input.commit !== undefined) event.commit = input.commit;
  if (input.pullRequest !== undefined) event.pull_request = input.pullRequest;
  return event;
}

/** The commit message and trailers of the commit that records a newly opened incident. */
export function incidentOpenedCommit(
  incident: Incident,
  by: string,
): { message: string; trailers: Record<string, string | string[]> } {
  return {
    message: `Open incident ${incident.id}: ${incident.title}`,
    trailers: {
      'Tollgate-Event': 'incident-opened',
      Incident: incident.id,
      Severity: incident.severity,
      Model: incident.models,
      'Requested-By': by,
    },
  };
}
