// Which version held a stage, from when to when, put there by which commit and pull request.
import { stagesPath } from '../registry/paths.ts';
import type { AuditEvent, StagePointer } from '../registry/types.ts';
import { parseYaml, pullRequestOf, readBlobs, readTrail, trailerValue, type TrailCommit } from './history.ts';
import {
  standingApprovals,
  type PullRequestRecord,
  type ReviewRecord,
  type ReviewSource,
} from './reviews.ts';

/** The stage pointers of one model as they stood after one commit. */
export interface StagesSnapshot {
  commit: TrailCommit;
  /** stage -> pointer; undefined when stages.yaml was missing or unreadable at that commit. */
  stages: Record<string, StagePointer> | undefined;
}

export interface StageTenure {
  model: string;
  stage: string;
  version: string;
  weight?: number;
  /** When the commit that set it was committed (landed on the branch). */
  since: string;
  /** When the next pointer change replaced it, and that commit; absent while it still holds. */
  until?: string;
  endedBy?: string;
  sha: string;
  subject: string;
  pullRequest?: number;
  requestedBy?: string;
  event?: string;
  incident?: string;
}

/** stages.yaml of `model` at every first-parent commit that changed it, oldest first. */
export async function readStageSnapshots(
  repoRoot: string,
  model: string,
  options: { ref?: string; registryPrefix?: string } = {},
): Promise<StagesSnapshot[]> {
  const path = `${options.registryPrefix ?? 'registry/'}${stagesPath(model)}`;
  const commits = (await readTrail(repoRoot, { paths: [path], ref: options.ref })).reverse();
  const blobs = await readBlobs(
    repoRoot,
    commits.map((c) => `${c.sha}:${path}`),
  );
  return commits.map((commit) => ({
    commit,
    stages: stagesOf(parseYaml(blobs.get(`${commit.sha}:${path}`))),
  }));
}

export function stagesOf(doc: unknown): Record<string, StagePointer> | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const stages = (doc as { stages?: unknown }).stages;
  if (!stages || typeof stages !== 'object') return undefined;
  const out: Record<string, StagePointer> = {};
  for (const [name, pointer] of Object.entries(stages as Record<string, unknown>)) {
    if (pointer && typeof pointer === 'object' && typeof (pointer as StagePointer).version === 'string')
      out[name] = pointer as StagePointer;
  }
  return out;
}

/** Every tenure of `stage`, oldest first, from snapshots in commit order (oldest first). */
export function stageHistory(snapshots: StagesSnapshot[], model: string, stage: string): StageTenure[] {
  const tenures: StageTenure[] = [];
  let current: StageTenure | undefined;
  for (const { commit, stages } of snapshots) {
    const pointer = stages?.[stage];
    if (pointer?.version === current?.version && pointer?.weight === current?.weight) continue;
    if (current) {
      current.until = commit.committer.date;
      current.endedBy = commit.sha;
    }
    current = undefined;
    if (!pointer) continue;
    current = {
      model,
      stage,
      version: pointer.version,
      ...(pointer.weight === undefined ? {} : { weight: pointer.weight }),
      since: commit.committer.date,
      sha: commit.sha,
      subject: commit.subject,
    };
    const pr = pullRequestOf(commit);
    if (pr !== undefined) current.pullRequest = pr;
    for (const [field, key] of [
      ['requestedBy', 'Requested-By'],
      ['event', 'Tollgate-Event'],
      ['incident', 'Incident'],
    ] as const) {
      const value = trailerValue(commit.trailers, key);
      if (value !== undefined) current[field] = value;
    }
    tenures.push(current);
  }
  return tenures;
}

/** Every stage named in any snapshot, sorted. */
export function stagesNamed(snapshots: StagesSnapshot[]): string[] {
  return [...new Set(snapshots.flatMap((s) => Object.keys(s.stages ?? {})))].sort();
}

/** The tenure that held the stage at `time`, if any version did. */
export function versionAt(history: StageTenure[], time: string | Date): StageTenure | undefined {
  const t = typeof time === 'string' ? Date.parse(time) : time.getTime();
  return history.find((h) => Date.parse(h.since) <= t && (h.until === undefined || t < Date.parse(h.until)));
}

/** What the gate's merge record (src/gate/merged.ts, under registry/audit/) says about a tenure's pull request. */
export interface RecordedSignoff {
  /** The audit event's id: the file an auditor opens. */
  record: string;
  event: string;
  /** Each approval the gate counted: the role it filled, and the commit and time it was given on (when recorded). */
  approvers: { role: string; login: string; commit?: string; at?: string }[];
  missingRoles: string[];
  /** The gate check run's conclusion on the merged head; null when the record found no check run. */
  gateCheck: string | null;
  model?: string;
  stage?: string;
  version?: string;
  fromVersion?: string;
  /** The Requested-By of the pull request's commits. */
  requestedBy?: string[];
  /** The gate re-evaluated at the merge: success or failure. */
  gateVerdict?: string;
  checkRun?: { id?: number; url?: string; completedAt?: string };
  at?: string;
  mergedBy?: string;
  /** SHA-256 of the pull request description the record kept (details.body_sha256). */
  bodySha256?: string;
}

const MERGE_RECORDS = new Set(['promotion-merged', 'rollback-merged']);

export function isMergeRecord(a: AuditEvent): boolean {
  return MERGE_RECORDS.has(a.event);
}

/**
 * The merge record of the commit that began `tenure`: git alone then still says who signed off and how the gate's
 * check ended, as the gate recorded it at the merge. Matched on the merge commit, or on the pull request when the
 * record names no commit; the model, stage and version must agree.
 */
export function recordedSignoff(tenure: StageTenure, events: AuditEvent[]): RecordedSignoff | undefined {
  const found = events.find(
    (a) =>
      isMergeRecord(a) &&
      a.model === tenure.model &&
      a.stage === tenure.stage &&
      (a.version === undefined || a.version === tenure.version) &&
      (a.commit !== undefined
        ? a.commit === tenure.sha
        : tenure.pullRequest !== undefined && a.pull_request === tenure.pullRequest),
  );
  return found ? signoffFromRecord(found) : undefined;
}

/** What one merge record says, read from whatever the file holds: a hand-edited record cannot break a reader. */
export function signoffFromRecord(a: AuditEvent): RecordedSignoff {
  const details = a.details ?? {};
  const approvers = (Array.isArray(details.approvers) ? (details.approvers as unknown[]) : [])
    .map((x) => (x && typeof x === 'object' ? (x as { role?: unknown; login?: unknown }) : {}))
    .filter(
      (x): x is { role: string; login: string; commit?: unknown; at?: unknown } =>
        typeof x.login === 'string' && typeof x.role === 'string',
    )
    .map(({ role, login, commit, at }) => ({
      role,
      login,
      ...(typeof commit === 'string' ? { commit } : {}),
      ...(typeof at === 'string' ? { at } : {}),
    }));
  const missingRoles = Array.isArray(details.missing_roles)
    ? (details.missing_roles as unknown[]).filter((r): r is string => typeof r === 'string')
    : [];
  const run = details.check_run as { found?: unknown; conclusion?: unknown } | undefined;
  const gateCheck = run && run.found !== false && typeof run.conclusion === 'string' ? run.conclusion : null;
  const full = details.check_run as { id?: unknown; url?: unknown; completed_at?: unknown } | undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const checkRun = {
    ...(typeof full?.id === 'number' ? { id: full.id } : {}),
    ...(str(full?.url) ? { url: str(full?.url)! } : {}),
    ...(str(full?.completed_at) ? { completedAt: str(full?.completed_at)! } : {}),
  };
  const requestedBy = Array.isArray(details.requested_by)
    ? (details.requested_by as unknown[]).filter((r): r is string => typeof r === 'string')
    : [];
  return {
    record: a.id,
    event: a.event,
    approvers,
    missingRoles,
    gateCheck,
    ...(a.model ? { model: a.model } : {}),
    ...(a.stage ? { stage: a.stage } : {}),
    ...(a.version ? { version: a.version } : {}),
    ...(str(details.from_version) ? { fromVersion: str(details.from_version)! } : {}),
    ...(requestedBy.length ? { requestedBy } : {}),
    ...(str(details.gate_verdict) ? { gateVerdict: str(details.gate_verdict)! } : {}),
    ...(Object.keys(checkRun).length ? { checkRun } : {}),
    at: a.at,
    mergedBy: a.actor,
    ...(str(details.body_sha256) ? { bodySha256: str(details.body_sha256)! } : {}),
  };
}

export interface VersionAtAnswer {
  tenure?: StageTenure;
  pullRequest?: PullRequestRecord;
  /** Standing approvals on the pull request, when the ReviewSource knows them. */
  approvedBy?: ReviewRecord[];
}

/** versionAt, read from git, with the pull request and its approvals from `reviews` when given. */
export async function explainVersionAt(
  repoRoot: string,
  model: string,
  stage: string,
  time: string | Date,
  options: { ref?: string; registryPrefix?: string; reviews?: ReviewSource } = {},
): Promise<VersionAtAnswer> {
  const history = stageHistory(await readStageSnapshots(repoRoot, model, options), model, stage);
  const tenure = versionAt(history, time);
  if (!tenure || tenure.pullRequest === undefined || !options.reviews) return { tenure };
  const pullRequest = await options.reviews.pullRequest(tenure.pullRequest);
  if (!pullRequest) return { tenure };
  return {
    tenure,
    pullRequest,
    ...(pullRequest.reviewsKnown === false ? {} : { approvedBy: standingApprovals(pullRequest) }),
  };
}

/** What an audit record says served a stage at a time git's stage history does not cover (e.g. before adoption). */
export interface RecordedHolder {
  version: string;
  record: string;
  event: string;
  at: string;
}

/**
 * The version the audit records say held `stage` of `model` at `time`: the latest record naming that model, stage
 * and a version at or before `time` (pure). For times before stages.yaml was tracked in git.
 */
export function versionFromAuditRecords(
  events: AuditEvent[],
  model: string,
  stage: string,
  time: string | Date,
): RecordedHolder | undefined {
  const t = typeof time === 'string' ? Date.parse(time) : time.getTime();
  const found = events
    .filter((a) => a.model === model && a.stage === stage && a.version !== undefined && Date.parse(a.at) <= t)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    .at(-1);
  return found ? { version: found.version!, record: found.id, event: found.event, at: found.at } : undefined;
}
