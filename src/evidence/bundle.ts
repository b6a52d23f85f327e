// Evidence for one subject (a model or version, a pull request, an incident, a time window): collected from git
// (and a ReviewSource when given) into one plain object, then written as a folder with a hashed manifest and a
// deterministic tarball.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TollgateError } from '../errors.ts';
import { git } from '../git/run.ts';
import { assertSafeName, INCIDENT_ID, isSafeName } from '../registry/names.ts';
import { classifyRegistryPath, incidentPath, modelDir, POLICY_PATH, versionPath } from '../registry/paths.ts';
import type { GateResult, Incident, Model, ModelVersion, Policy, TimelineEntry } from '../registry/types.ts';
import { readStageSnapshots, stageHistory, stagesNamed, type StageTenure } from './history-at.ts';
import {
  auditFileEvents,
  mergeEvents,
  parseYaml,
  pullRequestOf,
  readAuditEvents,
  readBlobs,
  readTrail,
  registryEventsFromTrail,
  trailerValue,
  type ChangedFile,
  type Person,
  type RegistryEvent,
  type Trailer,
  type TrailCommit,
} from './history.ts';
import { defaultBranchRef } from './integrity.ts';
import { renderReportHtml, renderReportMarkdown } from './report.ts';
import { gitOnlyReviews, type GateCheckRecord, type ReviewSource } from './reviews.ts';
import { tarGz } from './tar.ts';

export type EvidenceSubject =
  | { model: string; version?: string }
  | { pr: number }
  | { incident: string }
  | { since: string; until: string };

export interface CommitEvidence {
  sha: string;
  parents: string[];
  author: Person;
  committer: Person;
  subject: string;
  trailers: Trailer[];
  signature: TrailCommit['signature'];
  files: ChangedFile[];
  pullRequest?: number;
}

export interface ReviewEvidence {
  reviewer: string;
  /** Roles the policy in force at the merge listed this login under by name; teams are not resolved from git. */
  roles: string[];
  state: string;
  commit: string;
  at: string;
}

export interface PullRequestEvidence {
  number: number;
  found: boolean;
  title?: string;
  author?: string;
  mergedAt?: string;
  mergedBy?: string;
  mergeCommit?: string;
  /** False when the reviews came from git alone, which cannot know them. */
  reviewsKnown: boolean;
  reviews: ReviewEvidence[];
  gate?: GateCheckRecord;
}

export interface VersionEvidence {
  model: string;
  version: string;
  createdAt?: string;
  run?: { url?: string; workflow?: string; actor?: string; commit?: string };
  validation?: { passed: boolean; gates: GateResult[] };
  drift?: Record<string, number>;
  fairness?: Record<string, number>;
  held?: ModelVersion['held'];
}

export interface IncidentEvidence {
  id: string;
  title?: string;
  severity?: string;
  status?: string;
  models: string[];
  detectedAt?: string;
  resolvedAt?: string;
  rollback?: Incident['rollback'];
  timeline: TimelineEntry[];
}

export interface RecordEvidence {
  sha: string;
  path: string;
  text: string;
}

export interface Evidence {
  format: 'tollgate-evidence/v1';
  subject: EvidenceSubject;
  title: string;
  ref: string;
  head: string;
  /** The head commit's committer time: the bundle's fixed file time. */
  headDate: string;
  /** Newest first, as git log lists them. */
  commits: CommitEvidence[];
  /** Oldest first: commit events and audit-file events. */
  events: RegistryEvent[];
  stageHistory: StageTenure[];
  pullRequests: PullRequestEvidence[];
  versions: VersionEvidence[];
  incidents: IncidentEvidence[];
  rollbacks: RegistryEvent[];
  records: RecordEvidence[];
  warnings: string[];
}

export interface CollectOptions {
  ref?: string;
  reviews?: ReviewSource;
  registryPrefix?: string;
  onProgress?: (message: string) => void;
}

export function subjectTitle(subject: EvidenceSubject): string {
  if ('model' in subject)
    return `model ${subject.model}${subject.version ? ` version ${subject.version}` : ''}`;
  if ('pr' in subject) return `pull request #${subject.pr}`;
  if ('incident' in subject) return `incident ${subject.incident}`;
  return `registry changes from ${subject.since} to ${subject.until}`;
}

function checkSubject(subject: EvidenceSubject): void {
  if ('model' in subject) {
    assertSafeName('model', subject.model);
    if (subject.version !== undefined) assertSafeName('version', subject.version);
  } else if ('pr' in subject) {
    if (!Number.isSafeInteger(subject.pr) || subject.pr < 1)
      throw new TollgateError(`evidence: pull request number ${subject.pr} is not a positive integer`, {
        fix: 'pass --pr N with the number GitHub shows',
      });
  } else if ('incident' in subject) {
    if (!INCIDENT_ID.test(subject.incident))
      throw new TollgateError(`evidence: ${subject.incident} is not an incident id`, {
        fix: 'incident ids look like INC-20260101-100000-abc (see registry/incidents/)',
      });
  } else if (Number.isNaN(Date.parse(subject.since)) || Number.isNaN(Date.parse(subject.until)))
    throw new TollgateError(
      `evidence: --since ${subject.since} / --until ${subject.until} must be ISO-8601 times`,
      {
        fix: 'e.g. --since 2026-01-01T00:00:00Z --until 2026-02-01T00:00:00Z',
      },
    );
}

/** Files below `dir` at `rev`, with their blob ids. */
async function listTree(
  repoRoot: string,
  rev: string,
  dir: string,
): Promise<{ oid: string; path: string }[]> {
  const out = await git(repoRoot, ['ls-tree', '-r', '-z', rev, '--', dir]);
  return out
    .split('\0')
    .filter((l) => l !== '')
    .map((l) => {
      const [meta, path] = l.split('\t') as [string, string];
      return { oid: meta.split(' ')[2]!, path };
    });
}

export async function collectEvidence(
  repoRoot: string,
  subject: EvidenceSubject,
  options: CollectOptions = {},
): Promise<Evidence> {
  checkSubject(subject);
  const p = options.registryPrefix ?? 'registry/';
  const progress = options.onProgress ?? (() => {});
  const warnings: string[] = [];
  const ref = options.ref ?? (await defaultBranchRef(repoRoot, p));
  const [head, headDate] = (await git(repoRoot, ['log', '-1', '--format=%H%x00%cI', ref])).split('\0') as [
    string,
    string,
  ];

  progress(`reading the trail of ${subjectTitle(subject)} on ${ref}`);
  const inModel = 'model' in subject ? `${p}${modelDir(subject.model)}/` : undefined;
  let commits = await readTrail(repoRoot, {
    ref: head,
    paths: inModel ? [inModel] : [p],
    ...('since' in subject ? { since: subject.since, until: subject.until } : {}),
  });
  progress(`${commits.length} commits read`);

  // Incidents at the head: the subject's own, those naming the model, or those the commits name.
  const incidentFiles = (await listTree(repoRoot, head, `${p}incidents/`)).filter(
    (f) => classifyRegistryPath(f.path.slice(p.length))?.kind === 'Incident',
  );
  const incidentBlobs = await readBlobs(
    repoRoot,
    incidentFiles.map((f) => f.oid),
  );
  const allIncidents = incidentFiles
    .map((f) => parseYaml(incidentBlobs.get(f.oid)) as Incident | undefined)
    .filter((i): i is Incident => !!i && typeof i === 'object' && typeof i.id === 'string');

  // Stage history of every model in scope, all stages.
  const models = new Set<string>();
  if ('model' in subject) models.add(subject.model);
  else
    for (const e of registryEventsFromTrail(commits, p)) {
      if (!isSafeName(e.model)) continue;
      if ('pr' in subject && e.pullRequest !== subject.pr) continue;
      if ('incident' in subject && e.incident !== subject.incident) continue;
      models.add(e.model);
    }
  if ('incident' in subject)
    for (const m of allIncidents.find((i) => i.id === subject.incident)?.models ?? []) models.add(m);
  let tenures: StageTenure[] = [];
  for (const model of [...models].sort()) {
    progress(`reading the stage history of ${model}`);
    const snapshots = await readStageSnapshots(repoRoot, model, { ref: head, registryPrefix: p });
    for (const stage of stagesNamed(snapshots)) tenures.push(...stageHistory(snapshots, model, stage));
  }

  // Narrow the commits (and tenures) to the subject.
  if ('model' in subject && subject.version !== undefined) {
    const v = subject.version;
    const vPath = `${p}${versionPath(subject.model, v)}`;
    tenures = tenures.filter((t) => t.version === v);
    const pointerShas = new Set(tenures.flatMap((t) => [t.sha, ...(t.endedBy ? [t.endedBy] : [])]));
    commits = commits.filter(
      (c) =>
        pointerShas.has(c.sha) ||
        c.files.some((f) => f.path === vPath) ||
        trailerValue(c.trailers, 'Version') === v,
    );
  } else if ('pr' in subject) {
    commits = commits.filter((c) => pullRequestOf(c) === subject.pr);
  } else if ('incident' in subject) {
    const id = subject.incident;
    const own = [`${p}${incidentPath(id)}`, `${p}incidents/${id}.postmortem.md`];
    commits = commits.filter(
      (c) => trailerValue(c.trailers, 'Incident') === id || c.files.some((f) => own.includes(f.path)),
    );
  }
  if (!('model' in subject)) {
    const shas = new Set(commits.map((c) => c.sha));
    tenures = tenures.filter((t) => shas.has(t.sha) || (t.endedBy !== undefined && shas.has(t.endedBy)));
  }
  tenures.sort((a, b) => Date.parse(a.since) - Date.parse(b.since) || a.stage.localeCompare(b.stage));

  // Events: the commits' own plus the audit files that concern the subject.
  const commitEvents = registryEventsFromTrail(commits, p);
  const audit = auditFileEvents(await readAuditEvents(repoRoot, head, p)).filter((e) => {
    if ('model' in subject)
      return e.model === subject.model && (!subject.version || e.version === subject.version);
    if ('pr' in subject) return e.pullRequest === subject.pr;
    if ('incident' in subject) return e.incident === subject.incident;
    const t = Date.parse(e.at);
    return t >= Date.parse(subject.since) && t <= Date.parse(subject.until);
  });
  const events = mergeEvents(commitEvents, audit);

  // Incidents in scope.
  const incidentIds = new Set(events.map((e) => e.incident).filter((i): i is string => !!i));
  if ('incident' in subject) incidentIds.add(subject.incident);
  const incidents = allIncidents
    .filter(
      (i) =>
        incidentIds.has(i.id) ||
        ('model' in subject &&
          !subject.version &&
          Array.isArray(i.models) &&
          i.models.includes(subject.model)),
    )
    .map((i): IncidentEvidence => ({
      id: i.id,
      title: i.title,
      severity: i.severity,
      status: i.status,
      models: i.models ?? [],
      detectedAt: i.detected_at,
      resolvedAt: i.resolved_at,
      rollback: i.rollback,
      timeline: i.timeline ?? [],
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  if ('incident' in subject && !incidents.some((i) => i.id === subject.incident))
    warnings.push(`no incident record ${incidentPath(subject.incident)} at ${ref}`);

  // Versions in scope, as recorded at the head.
  const versionKeys = new Map<string, { model: string; version: string }>();
  const addVersion = (model: string, version: string) => {
    if (isSafeName(model) && isSafeName(version)) versionKeys.set(`${model}\0${version}`, { model, version });
  };
  if ('model' in subject) {
    if (subject.version) addVersion(subject.model, subject.version);
    else
      for (const f of await listTree(repoRoot, head, `${p}${modelDir(subject.model)}/versions/`)) {
        const place = classifyRegistryPath(f.path.slice(p.length));
        if (place?.kind === 'ModelVersion') addVersion(place.model, place.id);
      }
  }
  for (const e of events) if (e.model && e.version && !('model' in subject)) addVersion(e.model, e.version);
  for (const t of tenures) if (!('model' in subject)) addVersion(t.model, t.version);
  const versionSpecs = [...versionKeys.values()].map((k) => `${head}:${p}${versionPath(k.model, k.version)}`);
  const versionBlobs = await readBlobs(repoRoot, versionSpecs);
  const versions: VersionEvidence[] = [];
  for (const k of [...versionKeys.values()].sort((a, b) =>
    `${a.model}/${a.version}`.localeCompare(`${b.model}/${b.version}`, 'en', { numeric: true }),
  )) {
    const doc = parseYaml(versionBlobs.get(`${head}:${p}${versionPath(k.model, k.version)}`)) as
      ModelVersion | undefined;
    if (!doc || typeof doc !== 'object') {
      warnings.push(`no version record ${versionPath(k.model, k.version)} at ${ref}`);
      continue;
    }
    versions.push({
      model: k.model,
      version: k.version,
      createdAt: doc.created_at,
      run: doc.source
        ? {
            url: doc.source.run_url,
            workflow: doc.source.workflow,
            actor: doc.source.actor,
            commit: doc.source.commit,
          }
        : undefined,
      validation: doc.validation,
      ...(doc.drift ? { drift: doc.drift } : {}),
      ...(doc.fairness ? { fairness: doc.fairness } : {}),
      ...(doc.held ? { held: doc.held } : {}),
    });
  }

  // Pull requests, with reviewer roles from the policy in force just before the merge.
  const reviews = options.reviews ?? gitOnlyReviews(commits);
  const numbers = [
    ...new Set(commits.map((c) => pullRequestOf(c)).filter((n): n is number => n !== undefined)),
  ];
  if ('pr' in subject && !numbers.includes(subject.pr)) numbers.push(subject.pr);
  numbers.sort((a, b) => a - b);
  const pullRequests: PullRequestEvidence[] = [];
  for (const [i, number] of numbers.entries()) {
    if (i % 25 === 0 && numbers.length > 25) progress(`pull requests: ${i}/${numbers.length}`);
    const landed = [...commits].reverse().find((c) => pullRequestOf(c) === number);
    const pr = await reviews.pullRequest(number);
    if (!pr) {
      pullRequests.push({ number, found: false, reviewsKnown: false, reviews: [] });
      continue;
    }
    const roles = landed ? await rolesAt(repoRoot, landed, p) : () => [];
    pullRequests.push({
      number,
      found: true,
      title: pr.title,
      ...(pr.author ? { author: pr.author } : {}),
      ...(pr.mergedAt ? { mergedAt: pr.mergedAt } : {}),
      ...(pr.mergedBy ? { mergedBy: pr.mergedBy } : {}),
      ...(landed ? { mergeCommit: landed.sha } : {}),
      reviewsKnown: pr.reviewsKnown !== false,
      reviews: [...pr.reviews]
        .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt))
        .map((r) => ({
          reviewer: r.login,
          roles: roles(r.login),
          state: r.state,
          commit: r.commitId,
          at: r.submittedAt,
        })),
      ...(pr.gateCheck ? { gate: pr.gateCheck } : {}),
    });
  }
  if (!options.reviews && numbers.length > 0)
    warnings.push('reviews and gate checks are not in git: export with GitHub access to include them');

  // Records: the subject's registry files as each relevant commit left them.
  const scoped = (path: string): boolean => {
    if (!path.startsWith(p)) return false;
    if (!('model' in subject)) return true;
    if (path.startsWith(`${p}${modelDir(subject.model)}/`)) {
      if (!subject.version) return true;
      const place = classifyRegistryPath(path.slice(p.length));
      return place?.kind === 'Stages' || (place?.kind === 'ModelVersion' && place.id === subject.version);
    }
    return false;
  };
  const recordSpecs = commits.flatMap((c) =>
    c.files.filter((f) => f.status !== 'D' && scoped(f.path)).map((f) => ({ sha: c.sha, path: f.path })),
  );
  progress(`reading ${recordSpecs.length} records`);
  const recordBlobs = await readBlobs(
    repoRoot,
    recordSpecs.map((r) => `${r.sha}:${r.path}`),
  );
  const records = recordSpecs
    .map((r) => ({ ...r, text: recordBlobs.get(`${r.sha}:${r.path}`) }))
    .filter((r): r is RecordEvidence => r.text !== undefined);

  const commitEvidence = commits.map((c): CommitEvidence => ({
    sha: c.sha,
    parents: c.parents,
    author: c.author,
    committer: c.committer,
    subject: c.subject,
    trailers: c.trailers,
    signature: c.signature,
    files: c.files,
    ...(pullRequestOf(c) === undefined ? {} : { pullRequest: pullRequestOf(c)! }),
  }));
  progress('evidence collected');
  return {
    format: 'tollgate-evidence/v1',
    subject,
    title: subjectTitle(subject),
    ref,
    head,
    headDate,
    commits: commitEvidence,
    events,
    stageHistory: tenures,
    pullRequests,
    versions,
    incidents,
    rollbacks: events.filter((e) => e.event.includes('rollback')),
    records,
    warnings,
  };
}

/** A lookup login -> role names, from the policy and the model owners just before `landed` was merged. */
async function rolesAt(
  repoRoot: string,
  landed: TrailCommit,
  p: string,
): Promise<(login: string) => string[]> {
  const parent = landed.parents[0] ?? landed.sha;
  const model = trailerValue(landed.trailers, 'Model');
  const specs = [`${parent}:${p}${POLICY_PATH}`];
  if (isSafeName(model)) specs.push(`${parent}:${p}models/${model}/model.yaml`);
  const blobs = await readBlobs(repoRoot, specs);
  const policy = parseYaml(blobs.get(specs[0]!)) as Policy | undefined;
  const modelDoc = specs[1] ? (parseYaml(blobs.get(specs[1])) as Model | undefined) : undefined;
  const named = (users: unknown, login: string) =>
    Array.isArray(users) &&
    users.some((u) => typeof u === 'string' && u.toLowerCase() === login.toLowerCase());
  return (login) => {
    const roles = Object.entries(policy?.roles ?? {})
      .filter(([, members]) => named(members?.users, login))
      .map(([role]) => role);
    if (named(modelDoc?.owners?.users, login)) roles.push('model-owner');
    return roles.sort();
  };
}

export interface ManifestEntry {
  path: string;
  sha256: string;
  size: number;
}

export interface BundleManifest {
  format: 'tollgate-evidence-bundle/v1';
  subject: EvidenceSubject;
  title: string;
  ref: string;
  head: string;
  files: ManifestEntry[];
  /** bundle.tar.gz holds every file listed above; the manifest itself is outside it. */
  tarball: ManifestEntry;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/** The bundle's files (everything but the manifest and the tarball), path -> bytes. */
export function bundleFiles(evidence: Evidence): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  files.set(
    'evidence.json',
    json({
      format: evidence.format,
      subject: evidence.subject,
      title: evidence.title,
      ref: evidence.ref,
      head: evidence.head,
      warnings: evidence.warnings,
    }),
  );
  files.set('commits.json', json(evidence.commits));
  files.set('events.json', json(evidence.events));
  files.set('stage-history.json', json(evidence.stageHistory));
  files.set('pull-requests.json', json(evidence.pullRequests));
  files.set(
    'runs.json',
    json(
      evidence.versions.filter((v) => v.run).map((v) => ({ model: v.model, version: v.version, ...v.run })),
    ),
  );
  files.set(
    'validation.json',
    json(evidence.versions.map((v) => ({ model: v.model, version: v.version, ...(v.validation ?? {}) }))),
  );
  const drift = evidence.versions.filter((v) => v.drift);
  if (drift.length)
    files.set('drift.json', json(drift.map((v) => ({ model: v.model, version: v.version, drift: v.drift }))));
  const fairness = evidence.versions.filter((v) => v.fairness);
  if (fairness.length)
    files.set(
      'fairness.json',
      json(fairness.map((v) => ({ model: v.model, version: v.version, fairness: v.fairness }))),
    );
  files.set('incidents.json', json(evidence.incidents));
  files.set('rollbacks.json', json(evidence.rollbacks));
  for (const r of evidence.records) {
    if (r.path.split('/').some((s) => s === '' || s === '.' || s === '..'))
      throw new TollgateError(`evidence: refusing the record path ${r.path}`);
    files.set(`records/${r.sha}/${r.path}`, Buffer.from(r.text));
  }
  files.set('report.md', Buffer.from(renderReportMarkdown(evidence)));
  files.set('report.html', Buffer.from(renderReportHtml(evidence)));
  return files;
}

export async function writeEvidenceBundle(
  evidence: Evidence,
  outDir: string,
  options: { onProgress?: (message: string) => void } = {},
): Promise<BundleManifest> {
  if (existsSync(outDir) && readdirSync(outDir).length > 0)
    throw new TollgateError(`evidence: ${outDir} exists and is not empty`, {
      fix: 'choose a new folder with --out, or remove this one',
    });
  const files = bundleFiles(evidence);
  options.onProgress?.(`writing ${files.size} files to ${outDir}`);
  const entries: ManifestEntry[] = [];
  for (const [path, data] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const full = join(outDir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, data);
    entries.push({ path, sha256: sha256(data), size: data.length });
  }
  const mtime = Math.floor(Date.parse(evidence.headDate) / 1000) || 0;
  const tarball = tarGz(
    [...files.entries()].map(([path, data]) => ({ path, data })),
    mtime,
  );
  writeFileSync(join(outDir, 'bundle.tar.gz'), tarball);
  const manifest: BundleManifest = {
    format: 'tollgate-evidence-bundle/v1',
    subject: evidence.subject,
    title: evidence.title,
    ref: evidence.ref,
    head: evidence.head,
    files: entries,
    tarball: { path: 'bundle.tar.gz', sha256: sha256(tarball), size: tarball.length },
  };
  writeFileSync(join(outDir, 'manifest.json'), json(manifest));
  options.onProgress?.(`bundle written: ${outDir}/manifest.json`);
  return manifest;
}
