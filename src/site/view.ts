// What the site shows, decided from plain data: schedule state, stage pointers with their sign-offs, the stage
// timeline, incident response against the protocol's targets, and the audit log's rows. Pure: no fs, git, GitHub
// or clock (the time the state is judged at comes in as `now`).
import type { IntegrityReport } from '../evidence/integrity.ts';
import {
  recordedSignoff,
  stageHistory,
  stagesNamed,
  type RecordedSignoff,
  type StagesSnapshot,
  type StageTenure,
} from '../evidence/history-at.ts';
import {
  auditFileEvents,
  mergeEvents,
  registryEventsFromTrail,
  type RegistryEvent,
  type TrailCommit,
} from '../evidence/history.ts';
import { isCoolingDown, isPaused } from '../scheduler/schedule.ts';
import type {
  AuditEvent,
  Incident,
  Model,
  ModelVersion,
  Registry,
  Schedule,
  Severity,
} from '../registry/types.ts';
import type { RepoLinks, Tone } from './html.ts';

/** A promotion pull request still open on GitHub, with the sign-off gate's latest verdict on its head. */
export interface OpenPromotion {
  number: number;
  title: string;
  url?: string;
  author?: string;
  headRef: string;
  draft: boolean;
  /** From the branch name tollgate/promote/<model>/<stage>. */
  model?: string;
  stage?: string;
  gate?: { status: string; conclusion: string | null; url?: string };
}

/** An evidence bundle the evidence workflow uploaded, as GitHub lists its artifacts. */
export interface EvidenceArtifact {
  id: number;
  name: string;
  sizeBytes: number;
  /** `sha256:<hex>` of the artifact as uploaded; absent for artifacts from upload-artifact before v4. */
  digest?: string;
  createdAt?: string;
  expired: boolean;
  runId?: number;
  headSha?: string;
  /** The branch its run ran on: always the default branch (bundles from other branches are not listed). */
  headBranch?: string;
  /** The workflow run's page, where the artifact is downloaded. */
  runUrl?: string;
}

export interface GitHubFacts {
  openPromotions: OpenPromotion[];
  evidence: EvidenceArtifact[];
  /** Calls made, for the footer. */
  calls: number;
}

/** Everything the pages are rendered from: collected by the flow, judged here, rendered by the page modules. */
export interface SiteData {
  /** When the site was built (the clock). */
  builtAt: string;
  /** The instant the state is judged at: the build time, or the --at time. */
  now: string;
  ref: string;
  head: string;
  headDate: string;
  /** Set when the site shows the registry as of an earlier commit or date. */
  at?: { asked: string; time: string; commit: string; commitDate: string };
  repo?: RepoLinks;
  /** The registry at the commit shown. */
  registry: Registry;
  /** Files that failed to load at that commit (they are left out of the pages). */
  problems: number;
  /** First-parent commits that touched the registry, newest first, up to the commit shown. */
  commits: TrailCommit[];
  /** stages.yaml of each model at every commit that changed it, oldest first. */
  snapshots: Map<string, StagesSnapshot[]>;
  /** Every audit event at the branch head: merge records name approvers, and records are never edited. */
  records: AuditEvent[];
  integrity: IntegrityReport | { error: string };
  github?: GitHubFacts | { error: string };
  registryPrefix: string;
}

/** 2026-01-03T00:00:00Z -> 2026-01-03 00:00 UTC; anything unparsable as given. */
export function whenText(iso: string | undefined): string {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(ms)) return iso ?? 'not set';
  const utc = new Date(ms).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC`;
}

// ---- schedule ----------------------------------------------------------------------------------------------

export interface ScheduleState {
  tone: Tone;
  /** A word or two: "scheduled", "paused", "cooling down", "failing", "due", "disabled", "no schedule". */
  label: string;
  /** One sentence with the times. */
  detail: string;
  nextRun?: string;
  failureStreak: number;
}

/** The scheduler's view of one model at `now`, in the order the scheduler itself checks. */
export function scheduleState(schedule: Schedule | undefined, model: Model, now: string): ScheduleState {
  if (!schedule)
    return { tone: 'neutral', label: 'no schedule', detail: 'no schedule.yaml', failureStreak: 0 };
  const streak = schedule.failure_streak ?? 0;
  const base = { nextRun: schedule.next_run, failureStreak: streak };
  const failing = streak > 0 ? `; ${streak} failure${streak === 1 ? '' : 's'} in a row` : '';
  if (model.schedule?.enabled === false)
    return { ...base, tone: 'neutral', label: 'disabled', detail: 'schedule.enabled is false in model.yaml' };
  if (isPaused(schedule, Date.parse(now)))
    return {
      ...base,
      tone: 'warn',
      label: 'paused',
      detail: `paused ${schedule.paused_until ? `until ${whenText(schedule.paused_until)}` : 'until resumed'}${schedule.paused_reason ? `: ${schedule.paused_reason}` : ''}${schedule.paused_by ? ` (by ${schedule.paused_by})` : ''}`,
    };
  if (isCoolingDown(schedule, Date.parse(now)))
    return {
      ...base,
      tone: 'bad',
      label: 'cooling down',
      detail: `cooling down until ${whenText(schedule.cooldown_until)} after a failure${failing}${schedule.last_failure_reason ? `: ${schedule.last_failure_reason}` : ''}`,
    };
  if (streak > 0)
    return {
      ...base,
      // The runbook escalates from two failures in a row.
      tone: streak >= 2 ? 'bad' : 'warn',
      label: streak >= 2 ? 'failing, escalate' : 'failed once',
      detail: `next run ${whenText(schedule.next_run)}${failing}${schedule.last_failure_reason ? `: ${schedule.last_failure_reason}` : ''}`,
    };
  const next = schedule.next_run ? Date.parse(schedule.next_run) : NaN;
  if (!Number.isNaN(next) && next <= Date.parse(now))
    return { ...base, tone: 'info', label: 'due', detail: `due since ${whenText(schedule.next_run)}` };
  return {
    ...base,
    tone: 'ok',
    label: 'scheduled',
    detail: schedule.next_run ? `next run ${whenText(schedule.next_run)}` : 'no next run set',
  };
}

// ---- stages and sign-offs ----------------------------------------------------------------------------------

/** What the integrity audit said about the commit that moved a pointer. */
export interface GateStatus {
  tone: Tone;
  label: string;
  detail?: string;
}

/** Commit -> the audit's word on it: a finding, or an emergency push the policy allowed. */
export function integrityByCommit(integrity: SiteData['integrity']): Map<string, GateStatus> {
  const out = new Map<string, GateStatus>();
  if ('error' in integrity) return out;
  for (const f of integrity.allowed)
    out.set(f.sha, { tone: 'warn', label: 'emergency push, allowed', detail: f.missing });
  for (const f of integrity.findings)
    out.set(f.sha, { tone: 'bad', label: f.kind.replace(/-/g, ' '), detail: `missing: ${f.missing}` });
  return out;
}

export interface StageEntry {
  tenure: StageTenure;
  signoff?: RecordedSignoff;
  gate: GateStatus;
  /** The tenure before this one on the same stage, for "what served before". */
  previous?: StageTenure;
}

function gateStatusOf(
  tenure: StageTenure,
  signoff: RecordedSignoff | undefined,
  audit: Map<string, GateStatus>,
) {
  const flagged = audit.get(tenure.sha);
  if (flagged) return flagged;
  if (signoff) {
    if (signoff.gateCheck === 'success' && signoff.missingRoles.length === 0)
      return { tone: 'ok' as const, label: 'signed off' };
    return {
      tone: 'bad' as const,
      label: signoff.gateCheck ? `gate ${signoff.gateCheck}` : 'no gate check',
      ...(signoff.missingRoles.length ? { detail: `missing: ${signoff.missingRoles.join(', ')}` } : {}),
    };
  }
  if (tenure.pullRequest !== undefined) return { tone: 'neutral' as const, label: 'merged, no record' };
  return { tone: 'neutral' as const, label: 'before the gate' };
}

/** Stage names in the policy's order, highest first (production before staging), then any others by name. */
export function orderStages(stages: string[], order: string[]): string[] {
  const rank = (s: string) => {
    const i = order.indexOf(s);
    return i < 0 ? -1 : i;
  };
  return [...new Set(stages)].sort((a, b) => rank(b) - rank(a) || a.localeCompare(b));
}

/** Every stage change of one model, newest first, with who signed it off and the audit's word on it. */
export function stageTimeline(
  model: string,
  snapshots: StagesSnapshot[],
  records: AuditEvent[],
  integrity: Map<string, GateStatus>,
): StageEntry[] {
  const entries: StageEntry[] = [];
  for (const stage of stagesNamed(snapshots)) {
    const history = stageHistory(snapshots, model, stage);
    history.forEach((tenure, i) => {
      const signoff = recordedSignoff(tenure, records);
      entries.push({
        tenure,
        ...(signoff ? { signoff } : {}),
        gate: gateStatusOf(tenure, signoff, integrity),
        ...(i > 0 ? { previous: history[i - 1] } : {}),
      });
    });
  }
  return entries.sort(
    (a, b) =>
      Date.parse(b.tenure.since) - Date.parse(a.tenure.since) || a.tenure.stage.localeCompare(b.tenure.stage),
  );
}

const timelines = new WeakMap<SiteData, Map<string, StageEntry[]>>();

/**
 * A model's stage timeline, worked out once per site (the overview and the model's page both show it), with the
 * merge records narrowed to the model's own first: a registry keeps thousands.
 */
export function modelTimeline(data: SiteData, model: string): StageEntry[] {
  let cache = timelines.get(data);
  if (!cache) {
    cache = new Map();
    timelines.set(data, cache);
  }
  const cached = cache.get(model);
  if (cached) return cached;
  let audit = auditVerdicts.get(data);
  if (!audit) {
    audit = integrityByCommit(data.integrity);
    auditVerdicts.set(data, audit);
  }
  const timeline = stageTimeline(
    model,
    data.snapshots.get(model) ?? [],
    data.records.filter((r) => r.model === model),
    audit,
  );
  cache.set(model, timeline);
  return timeline;
}
const auditVerdicts = new WeakMap<SiteData, Map<string, GateStatus>>();

/** The tenure behind each pointer in stages.yaml as shown: the newest entry per stage that still holds. */
export function currentStages(
  stages: Record<string, { version: string; weight?: number }>,
  timeline: StageEntry[],
  order: string[],
): { stage: string; version: string; weight?: number; entry?: StageEntry }[] {
  return orderStages(Object.keys(stages), order).map((stage) => {
    const pointer = stages[stage]!;
    const entry = timeline.find(
      (e) => e.tenure.stage === stage && e.tenure.until === undefined && e.tenure.version === pointer.version,
    );
    return {
      stage,
      version: pointer.version,
      ...(pointer.weight === undefined ? {} : { weight: pointer.weight }),
      ...(entry ? { entry } : {}),
    };
  });
}

/** Versions of one model, oldest first: by creation time, then by name with numbers compared as numbers. */
export function versionsInOrder(versions: Iterable<ModelVersion>): ModelVersion[] {
  return [...versions].sort(
    (a, b) =>
      (Date.parse(a.created_at) || 0) - (Date.parse(b.created_at) || 0) ||
      a.id.localeCompare(b.id, 'en', { numeric: true }),
  );
}

/** The metrics charted and listed first: the model's key metrics, else every metric its versions report. */
export function keyMetrics(model: Model, versions: ModelVersion[], max = 6): string[] {
  if (model.key_metrics?.length) return model.key_metrics.slice(0, max);
  const seen = new Set<string>();
  for (const v of versions) for (const k of Object.keys(v.metrics ?? {})) seen.add(k);
  return [...seen].sort().slice(0, max);
}

// ---- incidents ---------------------------------------------------------------------------------------------

/**
 * The incident response protocol's targets (shared/seeds/002): response (detection to classification) per
 * severity, MTTR for P0 (< 30 min) and P1 (< 2 h), and rollback execution under 2 minutes.
 */
export const RESPONSE_TARGETS: Record<Severity, { response: number; mttr?: number; label: string }> = {
  P0: { response: 5 * 60, mttr: 30 * 60, label: 'Critical: complete outage or data loss' },
  P1: { response: 15 * 60, mttr: 2 * 3600, label: 'High: severe degradation affecting users' },
  P2: { response: 3600, label: 'Medium: moderate impact, workaround available' },
  P3: { response: 4 * 3600, label: 'Low: minor issue, minimal user impact' },
  P4: { response: 24 * 3600, label: 'Informational: no immediate impact' },
};
export const ROLLBACK_TARGET_SECONDS = 120;
export const SEVERITIES: Severity[] = ['P0', 'P1', 'P2', 'P3', 'P4'];

export interface IncidentView {
  incident: Incident;
  /** Seconds from detection to classification, the first completed rollback, and resolution (null: not yet). */
  toClassify: number | null;
  toRollback: number | null;
  toResolve: number | null;
  responseMet: boolean | null;
  rollbackMet: boolean | null;
  mttrMet: boolean | null;
}

export interface SeverityView {
  severity: Severity;
  target: (typeof RESPONSE_TARGETS)[Severity];
  incidents: IncidentView[];
  open: number;
  /** Mean detection-to-resolution over resolved incidents, or null. */
  meanMttr: number | null;
  /** Resolved incidents over the MTTR target (when the severity has one). */
  breaches: number;
}

const seconds = (from: string, to: string | undefined): number | null => {
  if (!to) return null;
  const d = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(d) ? Math.max(0, d) : null;
};

export function incidentView(incident: Incident): IncidentView {
  const target = RESPONSE_TARGETS[incident.severity] ?? RESPONSE_TARGETS.P4;
  const classified = incident.classified_at ?? incident.timeline?.find((e) => e.event === 'classified')?.at;
  const rolled = incident.timeline?.find((e) => e.event === 'rollback-completed');
  const toClassify = seconds(incident.detected_at, classified);
  const toRollback = rolled ? (rolled.duration ?? seconds(incident.detected_at, rolled.at)) : null;
  const toResolve =
    incident.status === 'resolved' ? seconds(incident.detected_at, incident.resolved_at) : null;
  return {
    incident,
    toClassify,
    toRollback,
    toResolve,
    responseMet: toClassify === null ? null : toClassify <= target.response,
    rollbackMet: toRollback === null ? null : toRollback <= ROLLBACK_TARGET_SECONDS,
    mttrMet: toResolve === null || target.mttr === undefined ? null : toResolve <= target.mttr,
  };
}

/** Incidents grouped by severity, newest first within each, with MTTR against the targets. */
export function incidentsBySeverity(incidents: Iterable<Incident>): SeverityView[] {
  const all = [...incidents].map(incidentView);
  return SEVERITIES.map((severity) => {
    const mine = all
      .filter((v) => v.incident.severity === severity)
      .sort((a, b) => Date.parse(b.incident.detected_at) - Date.parse(a.incident.detected_at));
    const resolved = mine.map((v) => v.toResolve).filter((v): v is number => v !== null);
    return {
      severity,
      target: RESPONSE_TARGETS[severity],
      incidents: mine,
      open: mine.filter((v) => v.incident.status === 'open').length,
      meanMttr: resolved.length ? resolved.reduce((a, b) => a + b, 0) / resolved.length : null,
      breaches: mine.filter((v) => v.mttrMet === false).length,
    };
  });
}

// ---- audit log ---------------------------------------------------------------------------------------------

/** Every registry event, newest first: one per Tollgate commit (or per change inferred) and per audit file. */
export function auditRows(
  commits: TrailCommit[],
  audit: Iterable<AuditEvent>,
  registryPrefix: string,
): RegistryEvent[] {
  const files = [...audit]
    .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))
    .map((event) => ({ path: '', event }));
  return mergeEvents(registryEventsFromTrail(commits, registryPrefix), auditFileEvents(files)).reverse();
}
