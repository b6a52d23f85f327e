// What a merged pull request leaves in the registry (pure): one audit event per stage pointer it moved, naming the
// approvers the gate counted on the head that merged and the gate's check run; and, for a rollback pull request,
// the `rollback-completed` entry on its incident. Nothing for a pull request that moves no stage pointer — state-only
// pull requests included, so the state pull request these records travel in records nothing when it merges.
import { createHash } from 'node:crypto';
import { TollgateError } from '../errors.ts';
import { appendTimeline, formatDuration } from '../incident/record.ts';
import { fnv1a } from '../scheduler/schedule.ts';
import { AUDIT_ID, INCIDENT_ID, MERGE_RECORD_ID } from '../registry/names.ts';
import { auditPath, incidentPath } from '../registry/paths.ts';
import {
  API_VERSION,
  type AuditEvent,
  type Incident,
  type RegistryChange,
  type TimelineEntry,
} from '../registry/types.ts';
import type { GateVerdict } from './types.ts';

export interface MergedPullRequest {
  number: number;
  title: string;
  /** The commit the merge put on the base branch (merge, squash or last rebased commit). */
  mergeSha: string;
  /** ISO-8601. */
  mergedAt: string;
  /** Login of whoever merged it (or enabled auto-merge). */
  mergedBy: string;
  /** The pull request head that merged: what the gate judged. */
  headSha: string;
  /** The description the reviewers saw, as it stood at the merge; absent when the source did not say. */
  body?: string;
}

/** The gate's check run on the merged head, as GitHub lists it. */
export interface GateCheckRunFact {
  name: string;
  id: number;
  status: string;
  conclusion: string | null;
  url?: string;
  completedAt?: string;
  /** The App GitHub filed the run under. */
  appId?: number;
  appSlug?: string;
}

/** A commit of the pull request: its trailers say whether it is a rollback and for which incident. */
export interface MergedCommit {
  sha: string;
  /** ISO-8601 author date: when the rollback was made, if the incident record does not say. */
  authorDate: string;
  trailers: Record<string, string[]>;
}

export interface MergedRecordInput {
  pull: MergedPullRequest;
  /** Semantic diff of what the pull request changed (fork point..head). */
  changes: RegistryChange[];
  /** The gate re-evaluated on the merged head, with the reviews submitted up to the merge. */
  verdict: GateVerdict;
  /** The name the gate posts its check under (to say which one was missing). */
  checkName: string;
  /** The newest run of the gate's name on the merged head from the pinned App: the only one trusted. */
  checkRun?: GateCheckRunFact;
  /** The App the gate runs as; unset, no run is trusted and the record says why. */
  pinnedAppId?: number;
  /** Runs of the gate's name on the merged head from any other App: forgery attempts, recorded as such. */
  foreignCheckRuns?: GateCheckRunFact[];
  commits: MergedCommit[];
  /** The incident records as they stand on the base branch now (they include the merge commit's). */
  incidents: Incident[];
}

export interface Approver {
  role: string;
  login: string;
  commit: string;
  at: string;
}

export interface RollbackCompletion {
  incident: string;
  /** When the rollback started: the incident's `rollback-started` entry, else the rollback commit's author date. */
  startedAt: string;
  startedFrom: 'timeline' | 'commit';
  /** Seconds from start to merge. */
  seconds: number;
}

export interface MergedRecord {
  /** The registry writes, audit events first; empty when there is nothing to record. */
  writes: { path: string; document: AuditEvent | Incident }[];
  audit: AuditEvent[];
  /** Incidents with their new `rollback-completed` entry (absent when already there). */
  incidents: Incident[];
  rollback?: RollbackCompletion;
  message: string;
  trailers: Record<string, string | string[]>;
}

const SHA = /^[0-9a-f]{40}$/;

/** The SHA-256 (hex) of a pull request body's UTF-8 text, as merge records and the evidence bundle state it. */
export function bodyDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

const iso = (at: string): string => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

const trailer = (commit: MergedCommit, key: string): string[] =>
  Object.entries(commit.trailers)
    .filter(([k]) => k.toLowerCase() === key.toLowerCase())
    .flatMap(([, values]) => values.map((v) => v.trim()))
    .filter((v) => v !== '');

/** `<merged-at stamp>-pr<N>-<sha8>-<model>-<stage>`, or a hash of model and stage when that is too long. */
export function mergedAuditId(pull: MergedPullRequest, model: string, stage: string): string {
  const at = iso(pull.mergedAt);
  const stamp = `${at.slice(0, 10).replaceAll('-', '')}T${at.slice(11, 19).replaceAll(':', '')}Z`;
  const head = `pr${pull.number}-${pull.mergeSha.slice(0, 8)}`;
  const named = `${head}-${model}-${stage}`;
  const tail =
    named.length <= 48 ? named : `${head}-${fnv1a(`${model}/${stage}`).toString(16).padStart(8, '0')}`;
  const id = `${stamp}-${tail}`;
  if (!AUDIT_ID.test(id) || !MERGE_RECORD_ID.test(id))
    throw new TollgateError(`cannot build an audit id for pull request #${pull.number}`);
  return id;
}

/** Who signed off, as the gate counted them: one entry per satisfied role. */
export function approversOf(verdict: GateVerdict): Approver[] {
  return verdict.requirements.flatMap((r) =>
    r.satisfiedBy
      ? [{ role: r.role, login: r.satisfiedBy.login, commit: r.satisfiedBy.commit, at: r.satisfiedBy.at }]
      : [],
  );
}

function checkRunDetails(input: MergedRecordInput): Record<string, unknown> {
  const run = input.checkRun;
  if (!run)
    return {
      name: input.checkName,
      found: false,
      note:
        input.pinnedAppId === undefined
          ? "app-id is not set, so no check run can be told to be the gate's own"
          : `no gate check run from App id ${input.pinnedAppId} on the merged head`,
    };
  return {
    name: run.name,
    id: run.id,
    status: run.status,
    conclusion: run.conclusion,
    ...(run.appId !== undefined ? { app_id: run.appId } : {}),
    ...(run.url ? { url: run.url } : {}),
    ...(run.completedAt ? { completed_at: run.completedAt } : {}),
    ...(run.conclusion === 'success' ? {} : { note: 'the gate check had not passed on the merged head' }),
  };
}

/** Runs of the gate's name another App posted on the merged head, as the record keeps them. */
function foreignRunDetails(runs: GateCheckRunFact[]): Record<string, unknown>[] {
  return runs.map((run) => ({
    id: run.id,
    app_id: run.appId ?? null,
    ...(run.appSlug ? { app_slug: run.appSlug } : {}),
    status: run.status,
    conclusion: run.conclusion,
    ...(run.url ? { url: run.url } : {}),
  }));
}

/** The rollback-started entry for this model, else the latest one before the merge. */
function rollbackStarted(incident: Incident, model: string | undefined, before: string): string | undefined {
  const started = incident.timeline.filter(
    (e) => e.event === 'rollback-started' && Date.parse(e.at) <= Date.parse(before),
  );
  const forModel = model ? started.filter((e) => e.detail?.includes(model)) : [];
  return (forModel.at(-1) ?? started.at(-1))?.at;
}

export function recordMergedPullRequest(input: MergedRecordInput): MergedRecord {
  const { pull } = input;
  if (!SHA.test(pull.mergeSha) || !SHA.test(pull.headSha))
    throw new TollgateError(`pull request #${pull.number} has no merge commit or head GitHub could name`);
  if (Number.isNaN(Date.parse(pull.mergedAt)))
    throw new TollgateError(`pull request #${pull.number} has no merge time ("${pull.mergedAt}")`);
  const moves = input.changes.filter(
    (c): c is Extract<RegistryChange, { kind: 'stage-changed' }> => c.kind === 'stage-changed',
  );
  const empty: MergedRecord = { writes: [], audit: [], incidents: [], message: '', trailers: {} };
  if (moves.length === 0) return empty;

  const mergedAt = iso(pull.mergedAt);
  const rollbackCommits = input.commits.filter((c) => trailer(c, 'Tollgate-Event').includes('rollback'));
  const incidentIds = [
    ...new Set(rollbackCommits.flatMap((c) => trailer(c, 'Incident')).filter((id) => INCIDENT_ID.test(id))),
  ];
  const approvers = approversOf(input.verdict);
  // Who asked for the change: the Requested-By trailers of the pull request's commits (the promote commit's).
  const requestedBy = [...new Set(input.commits.flatMap((c) => trailer(c, 'Requested-By')))].sort();
  const missing = input.verdict.requirements.filter((r) => !r.satisfiedBy).map((r) => r.role);
  const checkRun = checkRunDetails(input);

  let rollback: RollbackCompletion | undefined;
  const incidents: Incident[] = [];
  const incidentId = incidentIds[0];
  const record = incidentId ? input.incidents.find((i) => i.id === incidentId) : undefined;
  if (rollbackCommits.length > 0 && incidentId) {
    const first = moves[0]!;
    const fromTimeline = record ? rollbackStarted(record, first.model, mergedAt) : undefined;
    const fallback = rollbackCommits.map((c) => iso(c.authorDate)).sort()[0]!;
    const startedAt = fromTimeline ?? fallback;
    rollback = {
      incident: incidentId,
      startedAt,
      startedFrom: fromTimeline ? 'timeline' : 'commit',
      seconds: Math.max(0, Math.round((Date.parse(mergedAt) - Date.parse(startedAt)) / 1000)),
    };
    const named = (e: TimelineEntry) =>
      e.event === 'rollback-completed' &&
      (e.detail?.includes(`#${pull.number} `) ||
        rollbackCommits.some((c) => e.detail?.includes(c.sha.slice(0, 12))));
    if (record && !record.timeline.some(named)) {
      const moved = moves.map((m) => `${m.model} ${m.stage} ${m.from ?? '(none)'} -> ${m.to ?? '(none)'}`);
      const since =
        rollback.startedFrom === 'timeline'
          ? `rollback-started at ${startedAt}`
          : `the rollback commit at ${startedAt}`;
      incidents.push(
        // appendTimeline sets `duration` to the seconds since detection, as for every rollback-completed entry
        // (incident stats read it as time to roll back); the rollback's own duration is in the detail.
        appendTimeline(record, {
          at: mergedAt,
          event: 'rollback-completed',
          detail: `${moved.join('; ')}: pull request #${pull.number} merged by ${pull.mergedBy} in ${pull.mergeSha.slice(0, 12)}, ${formatDuration(rollback.seconds)} after ${since}`,
        }),
      );
    }
  }

  const event = rollbackCommits.length > 0 ? 'rollback-merged' : 'promotion-merged';
  const audit = moves.map((move): AuditEvent => {
    const details: Record<string, unknown> = {
      title: pull.title,
      head: pull.headSha,
      // The text reviewers approved against, and its digest: the evidence bundle shows both and notices a later edit.
      ...(pull.body !== undefined ? { body_sha256: bodyDigest(pull.body), body: pull.body } : {}),
      from_version: move.from ?? null,
      ...(requestedBy.length > 0 ? { requested_by: requestedBy } : {}),
      approvers,
      ...(missing.length > 0 ? { missing_roles: missing } : {}),
      gate_verdict: input.verdict.conclusion,
      check_run: checkRun,
      ...(input.foreignCheckRuns?.length
        ? { forged_check_runs: foreignRunDetails(input.foreignCheckRuns) }
        : {}),
      ...(rollback
        ? {
            rollback_started_at: rollback.startedAt,
            rollback_started_from: rollback.startedFrom,
            rollback_seconds: rollback.seconds,
          }
        : {}),
    };
    return {
      apiVersion: API_VERSION,
      kind: 'AuditEvent',
      id: mergedAuditId(pull, move.model, move.stage),
      at: mergedAt,
      event,
      actor: pull.mergedBy,
      model: move.model,
      ...(move.to !== undefined ? { version: move.to } : {}),
      stage: move.stage,
      ...(incidentId ? { incident: incidentId } : {}),
      pull_request: pull.number,
      commit: pull.mergeSha,
      details,
    };
  });

  const models = [...new Set(moves.map((m) => m.model))];
  return {
    writes: [
      ...audit.map((a) => ({ path: auditPath(a.id), document: a })),
      ...incidents.map((i) => ({ path: incidentPath(i.id), document: i })),
    ],
    audit,
    incidents,
    ...(rollback ? { rollback } : {}),
    message: `Record merge of pull request #${pull.number}: ${pull.title.replace(/[\r\n]+/g, ' ')}`,
    trailers: {
      'Tollgate-Event': 'merge-recorded',
      Model: models,
      ...(incidentId ? { Incident: incidentId } : {}),
      'Merged-Pull-Request': String(pull.number),
    },
  };
}
