// Evidence for one subject (a model or version, a pull request, an incident, a time window): collected from git
// (and a ReviewSource when given) into one plain object, then written as a folder with a hashed manifest and a
// deterministic tarball.
import { driftRecords } from '../monitor/drift-report.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TollgateError } from '../errors.ts';
import { listFiles, ObjectReader } from '../git/reader.ts';
import { assertSafeName, INCIDENT_ID, isSafeName } from '../registry/names.ts';
import {
  classifyRegistryPath,
  incidentPath,
  modelDir,
  POLICY_PATH,
  stagesPath,
  versionPath,
} from '../registry/paths.ts';
import type { AuditEvent, Incident, Model, ModelVersion, Policy, RoleMembers } from '../registry/types.ts';
import { holdsRole } from '../gate/signoffs.ts';
import type { MembershipState } from '../gate/types.ts';
import { MODEL_OWNER_ROLE } from '../policy/effective.ts';
import {
  isMergeRecord,
  readStageSnapshots,
  signoffFromRecord,
  stageHistory,
  stagesNamed,
  stagesOf,
  type StagesSnapshot,
  type StageTenure,
} from './history-at.ts';
import {
  auditFileEvents,
  mergeEvents,
  parseYaml,
  pullRequestOf,
  readBlobs,
  readTrail,
  registryEventsFromTrail,
  trailerValue,
  type TrailCommit,
} from './history.ts';
import { resolveBranchHead } from './integrity.ts';
import { renderReportHtml, renderReportMarkdown } from './report.ts';
import { gitOnlyReviews, type ReviewSource } from './reviews.ts';
import { lineageOf } from './lineage.ts';
import { collectControls, pullRequestBody } from './controls.ts';
import { signManifest, SIGNATURE_FILE } from './sign.ts';
import { tarGz } from './tar.ts';
import type {
  EvidenceSubject,
  CommitEvidence,
  PullRequestEvidence,
  VersionEvidence,
  IncidentEvidence,
  RecordEvidence,
  Evidence,
} from './types.ts';

export type {
  EvidenceSubject,
  CommitEvidence,
  ReviewEvidence,
  PullRequestEvidence,
  VersionEvidence,
  IncidentEvidence,
  RecordEvidence,
  Evidence,
} from './types.ts';

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

/**
 * The subject named by options or action inputs: exactly one of model (with an optional version), pr, incident,
 * or since and until. Empty strings count as absent (action inputs default to '').
 */
export function evidenceSubjectFrom(
  given: { model?: string; version?: string; pr?: string; incident?: string; since?: string; until?: string },
  how: { command: string; usage: string },
): EvidenceSubject {
  const v = Object.fromEntries(
    Object.entries(given).map(([k, value]) => [k, value?.trim() ? value.trim() : undefined]),
  ) as typeof given;
  const named = [
    v.model !== undefined && 'model',
    v.pr !== undefined && 'pr',
    v.incident !== undefined && 'incident',
    (v.since ?? v.until) !== undefined && 'since/until',
  ].filter((n): n is string => !!n);
  if (named.length !== 1)
    throw new TollgateError(
      named.length === 0
        ? `${how.command}: name exactly one subject: a model (and version), a pull request, an incident, or a period`
        : `${how.command}: name exactly one subject, not ${named.join(' and ')}`,
      { kind: 'usage', fix: how.usage },
    );
  if (v.version !== undefined && v.model === undefined)
    throw new TollgateError(`${how.command}: a version needs its model`, { kind: 'usage', fix: how.usage });
  if (v.model !== undefined)
    return v.version === undefined ? { model: v.model } : { model: v.model, version: v.version };
  if (v.pr !== undefined) {
    if (!/^#?\d+$/.test(v.pr))
      throw new TollgateError(`${how.command}: pull request ${v.pr} is not a number`, {
        kind: 'usage',
        fix: how.usage,
      });
    return { pr: Number(v.pr.replace('#', '')) };
  }
  if (v.incident !== undefined) return { incident: v.incident };
  if (v.since === undefined || v.until === undefined)
    throw new TollgateError(`${how.command}: a period needs both since and until`, {
      kind: 'usage',
      fix: how.usage,
    });
  return { since: v.since, until: v.until };
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

// One collator for every comparison: building one per localeCompare call dominates sorting long lists.
const VERSION_ORDER = new Intl.Collator('en', { numeric: true });

// Git is asked few, large questions: one log for the trail, and batches of objects (trees too) through one
// `git cat-file --batch`, so an export costs about as much as reading the model's history once (see
// bench/evidence.bench.ts).
export async function collectEvidence(
  repoRoot: string,
  subject: EvidenceSubject,
  options: CollectOptions = {},
): Promise<Evidence> {
  checkSubject(subject);
  const objects = new ObjectReader(repoRoot);
  try {
    return await collect(repoRoot, subject, options, objects);
  } finally {
    objects.close();
  }
}

async function collect(
  repoRoot: string,
  subject: EvidenceSubject,
  options: CollectOptions,
  objects: ObjectReader,
): Promise<Evidence> {
  const p = options.registryPrefix ?? 'registry/';
  const progress = options.onProgress ?? (() => {});
  const warnings: string[] = [];
  const { ref, head, date: headDate } = await resolveBranchHead(repoRoot, options.ref, p, objects);
  const window = 'since' in subject ? subject : undefined;

  progress(`reading the trail of ${subjectTitle(subject)} on ${ref}`);
  const inModel = 'model' in subject ? `${p}${modelDir(subject.model)}/` : undefined;
  // Blob texts by spec, each asked for once through the one cat-file process.
  const texts = new Map<string, Promise<string | undefined>>();
  const textOf = (spec: string): Promise<string | undefined> => {
    let text = texts.get(spec);
    if (!text) {
      text = objects.lookup(spec).then((o) => (o?.type === 'blob' ? o.content.toString('utf8') : undefined));
      texts.set(spec, text);
    }
    return text;
  };
  const readSome = async (specs: string[]): Promise<Map<string, string | undefined>> => {
    const unique = [...new Set(specs)];
    const read = await Promise.all(unique.map(textOf));
    return new Map(unique.map((spec, i) => [spec, read[i]]));
  };
  // A whole-model export keeps every commit and every record it changed: their blobs are read, and the newest
  // record of each version parsed, while git still walks the history (the walk is most of the export's time).
  const keepsAll = 'model' in subject && !subject.version;
  const newestSeen = new Set<string>();
  const parsedEarly = new Map<string, Promise<unknown>>();
  // Asked in batches: git prints (and flushes) commit by commit, and a write to cat-file per commit costs more
  // than the read it asks for.
  let ahead: { blob: string; version: boolean }[] = [];
  const sendAhead = () => {
    for (const { blob, version } of ahead) {
      const text = textOf(blob);
      if (version)
        parsedEarly.set(
          blob,
          text.then(parseYaml, () => undefined),
        );
      else void text.catch(() => undefined);
    }
    ahead = [];
  };
  const readAhead = (c: TrailCommit): void => {
    for (const f of c.files) {
      if (f.status === 'D' || !f.blob) {
        newestSeen.add(f.path);
        continue;
      }
      const newest = !newestSeen.has(f.path);
      newestSeen.add(f.path);
      const place = newest && f.path.startsWith(p) ? classifyRegistryPath(f.path.slice(p.length)) : undefined;
      ahead.push({ blob: f.blob, version: place?.kind === 'ModelVersion' });
    }
    if (ahead.length >= 64) sendAhead();
  };
  const trailRead = readTrail(repoRoot, {
    ref: head,
    paths: inModel ? [inModel] : [p],
    ...(window ? { since: window.since, until: window.until } : {}),
    ...(keepsAll ? { onCommit: readAhead } : {}),
  });
  // While git walks the history: incidents, audit events and (for a model) its versions at the head, parsed.
  const headRead = (async () => {
    const tree = await listFiles(objects, head, [
      `${p}incidents/`,
      `${p}audit/`,
      // A whole-model export finds its versions in the trail's records instead (see below).
      ...('model' in subject && subject.version
        ? [`${p}${versionPath(subject.model, subject.version)}`]
        : []),
    ]);
    const kindOf = (f: { path: string }) => classifyRegistryPath(f.path.slice(p.length))?.kind;
    const incidentFiles = tree.filter((f) => kindOf(f) === 'Incident');
    const auditFiles = tree.filter((f) => kindOf(f) === 'AuditEvent');
    const versionFiles = tree.filter((f) => kindOf(f) === 'ModelVersion');
    const blobs = await readBlobs(
      objects,
      [...incidentFiles, ...auditFiles, ...versionFiles].map((f) => f.oid),
    );
    const parsed = new Map<string, unknown>();
    for (const f of versionFiles) parsed.set(f.oid, parseYaml(blobs.get(f.oid)));
    return { tree, incidentFiles, auditFiles, blobs, parsed };
  })();
  // Both run before either is awaited, so a failure in one must not go unhandled.
  const [trailResult, headResult] = await Promise.allSettled([trailRead, headRead]);
  sendAhead();
  if (trailResult.status === 'rejected') throw trailResult.reason;
  if (headResult.status === 'rejected') throw headResult.reason;
  let commits = trailResult.value;
  const { tree, incidentFiles, auditFiles, parsed } = headResult.value;
  const first = headResult.value.blobs;
  const allIncidents = incidentFiles
    .map((f) => parseYaml(first.get(f.oid)) as Incident | undefined)
    .filter((i): i is Incident => !!i && typeof i === 'object' && typeof i.id === 'string');
  // A model's trail also holds the commits of the incidents that concern it.
  const concerning = new Set(
    'model' in subject
      ? allIncidents
          .filter((i) => Array.isArray(i.models) && i.models.includes(subject.model))
          .map((i) => i.id)
      : [],
  );
  const aboutConcerningIncident = (path: string): boolean => {
    const place = path.startsWith(p) ? classifyRegistryPath(path.slice(p.length)) : undefined;
    return (place?.kind === 'Incident' || place?.kind === 'Postmortem') && concerning.has(place.id);
  };
  if (inModel && concerning.size > 0) {
    // A second walk, only when there are such incidents: git uses its changed-path filters for one path only.
    const incidentCommits = (await readTrail(repoRoot, { ref: head, paths: [`${p}incidents/`] })).filter(
      (c) => c.files.some((f) => aboutConcerningIncident(f.path)),
    );
    commits = mergeTrails(commits, incidentCommits);
  }
  progress(`${commits.length} commits read`);

  // Models in scope.
  const models = new Set<string>();
  if ('model' in subject) models.add(subject.model);
  else
    for (const e of registryEventsFromTrail(commits, p)) {
      if (!isSafeName(e.model)) continue;
      if ('pr' in subject && e.pullRequest !== subject.pr) continue;
      if ('incident' in subject && e.incident !== subject.incident) continue;
      models.add(e.model);
    }

  // Stage snapshots come from the trail itself when it holds every stages.yaml change (no time window).
  const stageSpecs: string[] = [];
  const stageCommits = new Map<string, TrailCommit[]>();
  if (!window)
    for (const model of models) {
      const path = `${p}${stagesPath(model)}`;
      const touching = commits.filter((c) => c.files.some((f) => f.path === path)).reverse();
      stageCommits.set(model, touching);
      for (const c of touching) stageSpecs.push(blobAt(c, path));
    }
  // Records: the subject's registry files as each relevant commit left them.
  const scoped = (path: string): boolean => {
    if (!path.startsWith(p)) return false;
    if (!('model' in subject)) return true;
    if (!subject.version && aboutConcerningIncident(path)) return true;
    if (path.startsWith(`${p}${modelDir(subject.model)}/`)) {
      if (!subject.version) return true;
      const place = classifyRegistryPath(path.slice(p.length));
      return place?.kind === 'Stages' || (place?.kind === 'ModelVersion' && place.id === subject.version);
    }
    return false;
  };
  const recordSpecsOf = (list: TrailCommit[]) =>
    list.flatMap((c) =>
      c.files
        .filter((f) => f.status !== 'D' && scoped(f.path))
        .map((f) => ({ sha: c.sha, path: f.path, spec: f.blob ?? `${c.sha}:${f.path}` })),
    );

  // A whole-model export keeps every commit, so its records can come in the same batch as the stage files.
  const stageBlobs = await readSome([
    ...stageSpecs,
    ...(keepsAll ? recordSpecsOf(commits).map((r) => r.spec) : []),
  ]);
  if ('incident' in subject)
    for (const m of allIncidents.find((i) => i.id === subject.incident)?.models ?? [])
      if (isSafeName(m)) models.add(m);

  let tenures: StageTenure[] = [];
  for (const model of [...models].sort()) {
    const path = `${p}${stagesPath(model)}`;
    const snapshots: StagesSnapshot[] = stageCommits.has(model)
      ? stageCommits.get(model)!.map((commit) => ({
          commit,
          stages: stagesOf(parseYaml(stageBlobs.get(blobAt(commit, path)))),
        }))
      : await readStageSnapshots(repoRoot, model, { ref: head, registryPrefix: p });
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
  const auditParsed = auditFiles
    .map((f) => ({ path: f.path, event: parseYaml(first.get(f.oid)) as AuditEvent | undefined }))
    .filter((a): a is { path: string; event: AuditEvent } => isAuditEvent(a.event));
  const audit = auditFileEvents(auditParsed).filter((e) => {
    if ('model' in subject)
      return e.model === subject.model && (!subject.version || e.version === subject.version);
    if ('pr' in subject) return e.pullRequest === subject.pr;
    if ('incident' in subject) return e.incident === subject.incident;
    const t = Date.parse(e.at);
    return t >= Date.parse(subject.since) && t <= Date.parse(subject.until);
  });
  const events = mergeEvents(registryEventsFromTrail(commits, p), audit);

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
  const versionKeys = new Map<string, { model: string; version: string; spec: string }>();
  const addVersion = (model: string, version: string, blob?: string) => {
    if (isSafeName(model) && isSafeName(version))
      versionKeys.set(`${model}\0${version}`, {
        model,
        version,
        spec: blob ?? `${head}:${p}${versionPath(model, version)}`,
      });
  };
  if ('model' in subject) {
    if (subject.version) addVersion(subject.model, subject.version);
    else {
      // The trail holds every first-parent change below the model folder, so the newest change of each version
      // file is its content at the head (or its removal).
      const seen = new Set<string>();
      for (const c of commits)
        for (const f of c.files) {
          if (seen.has(f.path) || !f.path.startsWith(p)) continue;
          seen.add(f.path);
          const place = classifyRegistryPath(f.path.slice(p.length));
          if (place?.kind === 'ModelVersion' && place.model === subject.model && f.status !== 'D' && f.blob)
            addVersion(place.model, place.id, f.blob);
        }
    }
    for (const f of tree) {
      const place = classifyRegistryPath(f.path.slice(p.length));
      if (place?.kind === 'ModelVersion' && place.model === subject.model)
        addVersion(place.model, place.id, f.oid);
    }
  } else {
    for (const e of events) if (e.model && e.version) addVersion(e.model, e.version);
    for (const t of tenures) addVersion(t.model, t.version);
  }

  // Pull requests.
  const reviews = options.reviews ?? gitOnlyReviews(commits);
  const numbers = [
    ...new Set(commits.map((c) => pullRequestOf(c)).filter((n): n is number => n !== undefined)),
  ];
  if ('pr' in subject && !numbers.includes(subject.pr)) numbers.push(subject.pr);
  numbers.sort((a, b) => a - b);
  const landedBy = new Map<number, TrailCommit>();
  for (const c of [...commits].reverse()) {
    const n = pullRequestOf(c);
    if (n !== undefined && !landedBy.has(n)) landedBy.set(n, c);
  }
  // All asked at once: a GitHub source limits its own concurrency and memoises each answer.
  let fetched = 0;
  const prRecords = await Promise.all(
    numbers.map(async (number) => {
      const pr = await reviews.pullRequest(number);
      if (++fetched % 100 === 0) progress(`pull requests: ${fetched}/${numbers.length}`);
      return { number, pr, landed: landedBy.get(number) };
    }),
  );
  if (!options.reviews && numbers.length > 0)
    warnings.push('reviews and gate checks are not in git: export with GitHub access to include them');

  const recordSpecs = recordSpecsOf(commits);
  // The last batch: records not read yet, versions at the head, and what reviewer roles need.
  // The policy, and the model.yaml of each model the landing commit changed (a merge carries no Model trailer,
  // so its changed files say which), as they stood at its first parent: the rules the change was judged by.
  const roleSpecs = (c: TrailCommit): { policy: string; models: { model: string; spec: string }[] } => {
    const parent = c.parents[0] ?? c.sha;
    const models = new Set<string>();
    const named = trailerValue(c.trailers, 'Model');
    if (isSafeName(named)) models.add(named);
    for (const f of c.files) {
      const place = f.path.startsWith(p) ? classifyRegistryPath(f.path.slice(p.length)) : undefined;
      if (place && 'model' in place && isSafeName(place.model)) models.add(place.model);
    }
    return {
      policy: `${parent}:${p}${POLICY_PATH}`,
      models: [...models]
        .sort()
        .map((model) => ({ model, spec: `${parent}:${p}models/${model}/model.yaml` })),
    };
  };
  const roleSpecList = (c: TrailCommit): string[] => {
    const specs = roleSpecs(c);
    return [specs.policy, ...specs.models.map((m) => m.spec)];
  };
  progress(`reading ${recordSpecs.length} records and ${versionKeys.size} versions`);
  const second = await readSome([
    ...recordSpecs.map((r) => r.spec).filter((spec) => !stageBlobs.has(spec)),
    ...[...versionKeys.values()]
      .filter((k) => !parsed.has(k.spec) && !stageBlobs.has(k.spec))
      .map((k) => k.spec),
    ...prRecords.flatMap((r) => (r.pr?.reviews.length && r.landed ? roleSpecList(r.landed) : [])),
  ]);
  const records = recordSpecs
    .map((r) => ({ sha: r.sha, path: r.path, text: second.get(r.spec) ?? stageBlobs.get(r.spec) }))
    .filter((r): r is RecordEvidence => r.text !== undefined);

  for (const [spec, doc] of parsedEarly) parsed.set(spec, await doc);
  const versions: VersionEvidence[] = [];
  const docs = new Map<string, ModelVersion>();
  for (const k of [...versionKeys.values()].sort((a, b) =>
    VERSION_ORDER.compare(`${a.model}/${a.version}`, `${b.model}/${b.version}`),
  )) {
    const doc = (
      parsed.has(k.spec) ? parsed.get(k.spec) : parseYaml(second.get(k.spec) ?? stageBlobs.get(k.spec))
    ) as ModelVersion | undefined;
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
    docs.set(`${k.model}/${k.version}`, doc);
  }
  for (const v of versions) {
    const doc = docs.get(`${v.model}/${v.version}`)!;
    v.lineage = lineageOf(doc, doc.parent ? docs.get(`${v.model}/${doc.parent}`)?.data : undefined);
  }

  const mergeRecords = auditParsed.map((a) => a.event).filter(isMergeRecord);
  const pullRequests: PullRequestEvidence[] = await Promise.all(
    prRecords.map(async ({ number, pr, landed }): Promise<PullRequestEvidence> => {
      const ownRecords = mergeRecords.filter(
        (a) => a.pull_request === number && (!a.commit || !landed || a.commit === landed.sha),
      );
      const recorded = ownRecords.map(signoffFromRecord);
      const described = pullRequestBody(ownRecords, pr?.body);
      warnings.push(...described.warnings);
      const withRecords = {
        ...(recorded.length ? { recorded } : {}),
        ...(described.body ? { body: described.body } : {}),
      };
      if (!pr) return { number, found: false, reviewsKnown: false, reviews: [], ...withRecords };
      const slots = landed && pr.reviews.length ? roleSlots(second, roleSpecs(landed)) : [];
      const reviewerRoles = new Map(
        await Promise.all(
          [...new Set(pr.reviews.map((r) => r.login))].map(
            async (login) => [login, await rolesHeld(login, slots, reviews)] as const,
          ),
        ),
      );
      return {
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
          .map((r) => {
            const held = reviewerRoles.get(r.login)!;
            return {
              reviewer: r.login,
              roles: held.roles,
              ...(held.unknown.length ? { rolesUnknown: held.unknown } : {}),
              state: r.state,
              commit: r.commitId,
              at: r.submittedAt,
              ...(held.teams.length ? { teams: held.teams } : {}),
            };
          }),
        ...(pr.gateCheck ? { gate: pr.gateCheck } : {}),
        ...(pr.gateChecks ? { gateRuns: pr.gateChecks } : {}),
        ...withRecords,
      };
    }),
  );

  warnings.push(...(options.reviews?.warnings?.() ?? []));
  progress('reading the rules each stage move was judged by');
  const controls = await collectControls({ tenures, commits, prefix: p, pullRequests, read: readSome });

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
  // An incident is never shown as opened before it was detected: a record committed earlier than the detection
  // time it states (a clock ahead, a detection time from the alert) is placed at its detection, and said so.
  const detected = new Map(incidents.map((i) => [i.id, i.detectedAt]));
  for (const e of events) {
    const at = e.incident !== undefined ? detected.get(e.incident) : undefined;
    if (e.event !== 'incident-opened' || at === undefined || !(Date.parse(e.at) < Date.parse(at))) continue;
    warnings.push(
      `incident ${e.incident}: its record was committed ${e.at}, before the detection time it states (${at})`,
    );
    e.summary = `${e.summary ?? ''} (committed ${e.at}, before the detection it records)`.trim();
    e.at = at;
  }
  events.sort((a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0));
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
    controls,
    driftReports: driftRecords(
      auditParsed.map((a) => a.event),
      'model' in subject ? subject.model : undefined,
    ),
  };
}

/**
 * Two first-parent trails of the same branch (newest first) as one: a commit in both gets both file lists.
 * Interleaved by committer time, which is how the events are ordered anyway.
 */
export function mergeTrails(a: TrailCommit[], b: TrailCommit[]): TrailCommit[] {
  const inA = new Map(a.map((c) => [c.sha, c]));
  const extra: TrailCommit[] = [];
  for (const c of b) {
    const same = inA.get(c.sha);
    if (same)
      inA.set(c.sha, {
        ...same,
        files: [...same.files, ...c.files.filter((f) => !same.files.some((g) => g.path === f.path))],
      });
    else extra.push(c);
  }
  const left = a.map((c) => inA.get(c.sha)!);
  const out: TrailCommit[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < extra.length) {
    const x = left[i];
    const y = extra[j];
    if (
      y === undefined ||
      (x !== undefined && Date.parse(x.committer.date) >= Date.parse(y.committer.date))
    ) {
      out.push(x!);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/** The blob a commit left at `path` (or a `rev:path` spec when the trail did not say). */
function blobAt(c: TrailCommit, path: string): string {
  return c.files.find((f) => f.path === path)?.blob ?? `${c.sha}:${path}`;
}

function isAuditEvent(doc: unknown): doc is AuditEvent {
  return !!doc && typeof doc === 'object' && (doc as { kind?: unknown }).kind === 'AuditEvent';
}

/** The roles (and who fills them) of the policy and the model's owners, as read at the merge's parent. */
function roleSlots(
  blobs: Map<string, string | undefined>,
  specs: { policy: string; models: { model: string; spec: string }[] },
): { role: string; members: RoleMembers }[] {
  const policy = parseYaml(blobs.get(specs.policy)) as Policy | undefined;
  // Read from whatever the commit held: keep only lists of names, so a malformed file cannot break the export.
  const names = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const members = (value: unknown): RoleMembers | undefined =>
    value && typeof value === 'object'
      ? {
          users: names((value as RoleMembers).users),
          teams: names((value as RoleMembers).teams),
        }
      : undefined;
  const slots: { role: string; members: RoleMembers }[] = [];
  const roles = policy && typeof policy === 'object' ? policy.roles : undefined;
  for (const [role, value] of Object.entries(roles && typeof roles === 'object' ? roles : {})) {
    const m = members(value);
    if (m) slots.push({ role, members: m });
  }
  for (const { model, spec } of specs.models) {
    const doc = parseYaml(blobs.get(spec)) as Model | undefined;
    const owners = doc && typeof doc === 'object' ? members(doc.owners) : undefined;
    // As the gate shows it: `model-owner`, or `model-owner (fraud)` when the change touched several models.
    const role = specs.models.length === 1 ? MODEL_OWNER_ROLE : `${MODEL_OWNER_ROLE} (${model})`;
    if (owners) slots.push({ role, members: owners });
  }
  return slots;
}

/**
 * The roles `login` held: listed by name, or an active member of a listed team, decided by the gate's own rule
 * (holdsRole). A role held only through teams the source cannot read is unknown, not denied.
 */
async function rolesHeld(
  login: string,
  slots: { role: string; members: RoleMembers }[],
  reviews: ReviewSource,
): Promise<{ roles: string[]; unknown: string[]; teams: { team: string; state: string }[] }> {
  const roles: string[] = [];
  const unknown: string[] = [];
  const asked = new Map<string, string>();
  for (const { role, members } of slots) {
    if (holdsRole(login, members, {}).holds) {
      roles.push(role);
      continue;
    }
    const teams = members.teams ?? [];
    if (teams.length === 0) continue;
    const states = await Promise.all(
      teams.map(async (team) => [team, (await reviews.teamMembership?.(team, login)) ?? 'unknown'] as const),
    );
    const known: Record<string, Record<string, MembershipState>> = {};
    for (const [team, state] of states) {
      asked.set(team, state);
      if (state !== 'unknown') known[team] = { [login]: state };
    }
    if (holdsRole(login, members, known).holds) roles.push(role);
    else if (states.some(([, state]) => state === 'unknown')) unknown.push(role);
  }
  return {
    roles: roles.sort(),
    unknown: unknown.sort(),
    teams: [...asked].sort(([a], [b]) => a.localeCompare(b)).map(([team, state]) => ({ team, state })),
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
      ...(evidence.summary ? { summary: evidence.summary } : {}),
      ...(evidence.findings ? { findings: evidence.findings } : {}),
      ...(evidence.controls ? { controls: controlsJson(evidence.controls) } : {}),
      warnings: evidence.warnings,
    }),
  );
  if (evidence.findings) files.set('findings.json', json(evidence.findings));
  files.set('commits.json', json(evidence.commits));
  files.set('events.json', json(evidence.events));
  files.set('stage-history.json', json(evidence.stageHistory));
  // A description's text is its own file (controls/pr-body/), named here by digest and path.
  files.set(
    'pull-requests.json',
    json(
      evidence.pullRequests.map((pr) => {
        if (!pr.body) return pr;
        const { text: _text, ...body } = pr.body;
        return { ...pr, body };
      }),
    ),
  );
  if (evidence.controls) {
    files.set('controls.json', json(controlsJson(evidence.controls)));
    for (const d of evidence.controls.documents) files.set(d.file, Buffer.from(d.text));
  }
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
  files.set('drift-reports.json', json(evidence.driftReports ?? { drift: [], fairness: [] }));
  files.set(
    'lineage.json',
    json(
      evidence.versions.map((v) => ({
        model: v.model,
        version: v.version,
        ...(v.lineage ?? { warnings: [] }),
      })),
    ),
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

/** The controls as data: every document by digest and bundle file (texts are files of their own), every move. */
function controlsJson(controls: NonNullable<Evidence['controls']>): unknown {
  return {
    documents: controls.documents.map(({ text: _text, ...d }) => d),
    promotions: controls.promotions,
  };
}

export async function writeEvidenceBundle(
  evidence: Evidence,
  outDir: string,
  options: {
    onProgress?: (message: string) => void;
    /** Sign manifest.json (manifest.sig.json beside it) with this Ed25519 key, at this time. */
    sign?: { privateKeyPem: string; at: Date; where?: string };
  } = {},
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
  const manifestBytes = json(manifest);
  // Sign before writing anything else: a bad key leaves no half-signed bundle behind.
  const signature = options.sign
    ? signManifest(manifestBytes, options.sign.privateKeyPem, options.sign.at, options.sign.where)
    : undefined;
  writeFileSync(join(outDir, 'manifest.json'), manifestBytes);
  if (signature) writeFileSync(join(outDir, SIGNATURE_FILE), json(signature));
  options.onProgress?.(`bundle written: ${outDir}/manifest.json`);
  return manifest;
}
