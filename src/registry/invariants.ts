// Cross-file rules: what a single file's schema cannot say. `checkInvariants` is pure over a loaded Registry;
// `validateRegistry` loads (everything, or a few changed files plus what they refer to) and runs every check.
import { MODEL_OWNER_ROLE } from '../policy/effective.ts';
import { loadFiles, sortProblems } from './load.ts';
import { didYouMean, nearest } from '../suggest.ts';
import { AUDIT_ID, INCIDENT_ID, unsafeNameReason } from './names.ts';
import { isValidDocument, lineOfField } from './parse.ts';
import {
  classifyRegistryPath,
  modelPath,
  POLICY_PATH,
  retrainPath,
  schedulePath,
  stagesPath,
  versionPath,
} from './paths.ts';
import type {
  ModelEntry,
  ModelVersion,
  Policy,
  Problem,
  Registry,
  RegistryDocument,
  RegistryReader,
  RetrainRequest,
  Schedule,
} from './types.ts';

export interface InvariantOptions {
  /**
   * Which files to check; the others are only there to be referred to. Default: every file. With a subset, rules
   * that need the whole registry (retrain ids unique across models) are skipped.
   */
  checked?: (path: string) => boolean;
  /**
   * Files that failed to load (invalid YAML, unreadable): their own error is reported once, and the checks of
   * other files that refer to them are skipped instead of blaming the reference.
   */
  failed?: ReadonlySet<string>;
  /** Told how many cross-file checks were skipped because of `failed`. */
  onSkipped?: (count: number) => void;
}

type Report = (
  doc: RegistryDocument | undefined,
  file: string,
  pointer: string,
  message: string,
  fix: string,
  severity?: Problem['severity'],
) => void;

export function checkInvariants(registry: Registry, options: InvariantOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const checked = options.checked ?? (() => true);
  const report: Report = (doc, file, pointer, message, fix, severity = 'error') => {
    const line = doc ? (lineOfField(doc, pointer) ?? lineOfField(doc, '')) : undefined;
    const field = pointer.slice(1).replace(/\//g, '.');
    problems.push({ file, ...(line ? { line } : {}), ...(field ? { field } : {}), severity, message, fix });
  };
  let skipped = 0;
  // One root cause, one error: a reference to a file that failed to load is that file's error, not a new one.
  const unloaded = (path: string): boolean => {
    if (!options.failed?.has(path)) return false;
    skipped++;
    return true;
  };
  const pathOf = new Map<RegistryDocument, string>();
  for (const [path, doc] of registry.documents) {
    pathOf.set(doc, path);
    if (checked(path) && isValidDocument(doc)) checkPlace(path, doc, registry, report, unloaded);
  }
  const at = (doc: RegistryDocument) => pathOf.get(doc) ?? '';
  if (registry.policy && checked(POLICY_PATH)) checkPolicy(registry.policy, report);
  for (const entry of registry.models.values()) {
    if (entry.stages && checked(at(entry.stages))) checkStages(at(entry.stages), entry, registry.policy, report, (p) => registry.documents.has(p), unloaded);
    if (entry.schedule && checked(at(entry.schedule))) checkSchedule(at(entry.schedule), entry.schedule, report);
    if (checked(at(entry.model))) checkOwners(at(entry.model), entry, report);
    for (const version of entry.versions.values()) {
      if (checked(at(version))) checkVersion(at(version), version, entry, report, unloaded);
    }
    for (const request of entry.retrains.values()) {
      // A version file that parsed but failed its schema is already an error of its own: not a second one here.
      const invalid = (p: string) => registry.documents.has(p) || unloaded(p);
      if (checked(at(request))) checkRetrain(at(request), request, entry, report, invalid);
    }
  }
  for (const incident of registry.incidents.values()) {
    const path = at(incident);
    if (!checked(path)) continue;
    incident.models.forEach((model, i) => {
      if (!registry.models.has(model) && !registry.documents.has(modelPath(model)) && !unloaded(modelPath(model))) {
        report(incident, path, `/models/${i}`, `incident names model "${model}", which is not in the registry`,
          'correct the model name', 'warning');
      }
    });
  }
  if (!options.checked) checkUniqueRequests(registry, at, report);
  options.onSkipped?.(skipped);
  return sortProblems(problems);
}

/** A file's name and folder agree with what it says about itself, and are safe names. */
function checkPlace(
  path: string,
  doc: RegistryDocument,
  registry: Registry,
  report: Report,
  unloaded: (path: string) => boolean,
): void {
  const place = classifyRegistryPath(path);
  if (!place || place.kind === 'Postmortem') return;
  if ('model' in place) {
    const unsafe = unsafeNameReason(place.model);
    if (unsafe) {
      report(doc, path, '', `folder name "${place.model}" is not a safe model name: it ${unsafe}`,
        'rename the folder with lowercase letters, digits, "-" and "."');
      return;
    }
    const field = doc.kind === 'Model' ? 'name' : 'model';
    const said = (doc as unknown as Record<string, unknown>)[field];
    if (said !== place.model) {
      report(doc, path, `/${field}`, `${field} is "${String(said)}" but the file is in models/${place.model}/`,
        `set ${field}: ${place.model}, or move the file to models/${String(said)}/`);
    }
    if (doc.kind !== 'Model' && !registry.models.has(place.model) && !registry.documents.has(modelPath(place.model)) && !unloaded(modelPath(place.model))) {
      report(doc, path, '', `models/${place.model}/ has no model.yaml`,
        `add models/${place.model}/model.yaml (kind: Model) or remove the folder`);
    }
  }
  if ('id' in place) {
    const id = (doc as { id?: string }).id;
    if (id !== place.id) {
      report(doc, path, '/id', `id is "${String(id)}" but the file is named ${place.id}.yaml`,
        `rename the file to ${String(id)}.yaml, or set id: ${place.id}`);
    }
    const unsafe =
      place.kind === 'Incident'
        ? INCIDENT_ID.test(place.id) ? undefined : 'is not INC-YYYYMMDD-HHMMSS-<suffix>'
        : place.kind === 'AuditEvent'
          ? AUDIT_ID.test(place.id) ? undefined : 'is not <yyyymmdd>T<hhmmss>Z-<suffix>'
          : unsafeNameReason(place.id);
    if (unsafe) report(doc, path, '', `file name "${place.id}" ${unsafe.startsWith('is') ? '' : 'is unsafe: it '}${unsafe}`,
      'rename the file to a safe id');
  }
  if (place.kind === 'AuditEvent' && place.id.slice(0, 6) !== `${place.year}${place.month}`) {
    report(doc, path, '/id', `audit event ${place.id} is filed under ${place.year}/${place.month}`,
      `move it to audit/${place.id.slice(0, 4)}/${place.id.slice(4, 6)}/`);
  }
}

function checkPolicy(policy: Policy, report: Report): void {
  const roles = new Set([...Object.keys(policy.roles), MODEL_OWNER_ROLE]);
  const order = policy.stages?.order;
  policy.signoff?.rules?.forEach((rule, i) => {
    rule.require.forEach((role, j) => {
      if (!roles.has(role)) {
        report(policy, POLICY_PATH, `/signoff/rules/${i}/require/${j}`, `sign-off rule "${rule.name}" requires role "${role}", which roles does not define`,
          `add ${role} under roles, or use one of: ${[...roles].join(', ')}`);
      }
    });
    for (const field of ['stage', 'rollback'] as const) {
      const applies = rule.change === 'stage-changed' || (field === 'stage' && rule.change === 'stage-weight-changed');
      if (rule[field] !== undefined && !applies) {
        report(policy, POLICY_PATH, `/signoff/rules/${i}/${field}`, `"${field}" only applies to stage-changed${field === 'stage' ? ' and stage-weight-changed' : ''} rules`,
          `remove ${field} from rule "${rule.name}"`);
      }
    }
    if (rule.stage && order && !order.includes(rule.stage)) {
      report(policy, POLICY_PATH, `/signoff/rules/${i}/stage`, `stage "${rule.stage}" is not in stages.order`,
        `add it to stages.order or correct the name`, 'warning');
    }
  });
  policy.signoff?.policy_owners?.forEach((role, i) => {
    if (!roles.has(role)) {
      report(policy, POLICY_PATH, `/signoff/policy_owners/${i}`, `policy owner role "${role}" is not defined in roles`,
        `add ${role} under roles`);
    }
  });
  policy.no_regression?.forEach((rule, i) => {
    if (!Object.hasOwn(policy.metrics ?? {}, rule.metric)) {
      report(policy, POLICY_PATH, `/no_regression/${i}/metric`, `no_regression names "${rule.metric}", whose direction metrics does not give`,
        `add metrics.${rule.metric}.better: higher (or lower) to policy.yaml`);
    }
    if (rule.stage && order && !order.includes(rule.stage)) {
      report(policy, POLICY_PATH, `/no_regression/${i}/stage`, `stage "${rule.stage}" is not in stages.order`,
        'add it to stages.order or correct the name', 'warning');
    }
  });
  if (order) {
    for (const [stage, from] of Object.entries(policy.stages?.promote_from ?? {})) {
      for (const name of [stage, ...from]) {
        if (!order.includes(name)) {
          report(policy, POLICY_PATH, `/stages/promote_from/${stage}`, `stage "${name}" is not in stages.order`,
            'add it to stages.order or correct the name');
        }
      }
    }
  }
}

function checkStages(
  path: string,
  entry: ModelEntry,
  policy: Policy | undefined,
  report: Report,
  parsed: (path: string) => boolean,
  unloaded: (path: string) => boolean,
): void {
  const stages = entry.stages!;
  const model = entry.model.name;
  const order = policy?.stages?.order;
  for (const [stage, pointer] of Object.entries(stages.stages)) {
    const version = entry.versions.get(pointer.version);
    if (!version && unloaded(versionPath(model, pointer.version))) {
      continue;
    } else if (!version && parsed(`models/${model}/versions/${pointer.version}.yaml`)) {
      report(stages, path, `/stages/${stage}/version`,
        `stage ${stage} points to version ${pointer.version}, whose file is invalid`,
        `fix the errors in models/${model}/versions/${pointer.version}.yaml`);
    } else if (!version) {
      report(stages, path, `/stages/${stage}/version`,
        `stage ${stage} points to version ${pointer.version}, which ${model} does not have`,
        `add models/${model}/versions/${pointer.version}.yaml or point ${stage} to an existing version`);
    } else if (version.held) {
      report(stages, path, `/stages/${stage}/version`, `stage ${stage} serves version ${pointer.version}, which is held: ${version.held.reason}`,
        `move ${stage} to another version, or \`tollgate unhold\` it`, 'warning');
    }
    // A stage the policy does not know is never gated by its rules: an error, most often a typo.
    if (order && !order.includes(stage)) {
      report(stages, path, `/stages/${stage}`, `stage "${stage}" is not in the policy's stages.order (${order.join(', ')})${didYouMean(stage, order)}`,
        `rename it to ${nearest(stage, order) ?? 'one of those'}, or add it to policy.yaml stages.order`);
    }
  }
}

function checkSchedule(path: string, schedule: Schedule, report: Report): void {
  const s = schedule;
  const needs = (field: keyof Schedule, on: keyof Schedule) => {
    if (s[field] !== undefined && s[on] === undefined) {
      report(s, path, `/${field}`, `${field} is set but ${on} is not`, `set ${on}, or remove ${field}`);
    }
  };
  if (!(s.interval > 0)) report(s, path, '/interval', 'interval must be more than 0 seconds', 'set interval in seconds, e.g. 86400');
  if (s.last_run && s.next_run && s.next_run < s.last_run) {
    report(s, path, '/next_run', `next_run ${s.next_run} is before last_run ${s.last_run}`,
      'set next_run to last_run + interval');
  }
  // A pause without paused_until lasts until `tollgate schedule resume` (the automatic pause after repeated
  // failures is one); every pause says why.
  needs('paused_until', 'paused_reason');
  needs('paused_by', 'paused_reason');
  needs('last_failure_reason', 'last_failure');
  needs('cooldown_until', 'last_failure');
  if (s.failure_streak > 0 && !s.last_failure) {
    report(s, path, '/failure_streak', `failure_streak is ${s.failure_streak} but last_failure is not set`,
      'set last_failure, or failure_streak: 0');
  }
  if (s.cooldown_until && s.last_failure && s.cooldown_until < s.last_failure) {
    report(s, path, '/cooldown_until', 'cooldown_until is before last_failure', 'remove cooldown_until or correct it');
  }
}

function checkOwners(path: string, entry: ModelEntry, report: Report): void {
  const owners = entry.model.owners;
  if (!owners.teams?.length && !owners.users?.length) {
    report(entry.model, path, '/owners', 'owners names no team and no user, so no one can sign off as model-owner',
      'add owners.teams or owners.users', 'warning');
  }
}

function checkVersion(
  path: string,
  version: ModelVersion,
  entry: ModelEntry,
  report: Report,
  unloaded: (path: string) => boolean,
): void {
  const failed = version.validation.gates.filter((g) => !g.pass).map((g) => g.metric);
  if (version.validation.passed && failed.length > 0) {
    report(version, path, '/validation/passed', `validation.passed is true but gates failed: ${failed.join(', ')}`,
      'set passed: false, or re-run the validation');
  }
  if (version.parent !== undefined && !entry.versions.has(version.parent) && !unloaded(versionPath(version.model, version.parent))) {
    report(version, path, '/parent', `parent version ${version.parent} is not in the registry`,
      'correct parent, or remove it if the parent was deleted', 'warning');
  }
  if (version.request !== undefined && !entry.retrains.has(version.request) && !unloaded(retrainPath(version.model, version.request))) {
    report(version, path, '/request', `retrain request ${version.request} is not in models/${version.model}/retrains/`,
      'correct request, or remove it', 'warning');
  }
}

function checkRetrain(
  path: string,
  request: RetrainRequest,
  entry: ModelEntry,
  report: Report,
  unloaded: (path: string) => boolean,
): void {
  const r = request;
  if (r.status === 'completed' && !r.version) {
    report(r, path, '/version', 'a completed retrain must name the version it produced', 'set version');
  }
  if (r.status === 'failed' && !r.error) report(r, path, '/error', 'a failed retrain must say why', 'set error');
  if ((r.status === 'completed' || r.status === 'failed') && !r.completed_at) {
    report(r, path, '/completed_at', `a ${r.status} retrain must have completed_at`, 'set completed_at');
  }
  if (r.started_at && r.started_at < r.created_at) {
    report(r, path, '/started_at', 'started_at is before created_at', 'correct the times');
  }
  if (r.completed_at && r.completed_at < (r.started_at ?? r.created_at)) {
    report(r, path, '/completed_at', 'completed_at is before the retrain started', 'correct the times');
  }
  if (r.version && !entry.versions.has(r.version) && !unloaded(versionPath(r.model, r.version))) {
    report(r, path, '/version', `version ${r.version} is not in models/${r.model}/versions/`,
      'correct version, or add the version file', 'warning');
  }
}

function checkUniqueRequests(registry: Registry, at: (doc: RegistryDocument) => string, report: Report): void {
  const seen = new Map<string, string>();
  const requests = [...registry.models.values()].flatMap((entry) => [...entry.retrains.values()]);
  for (const request of requests.sort((a, b) => (at(a) < at(b) ? -1 : 1))) {
    const first = seen.get(request.id);
    if (first) {
      report(request, at(request), '/id', `retrain request id ${request.id} is also used by ${first}`,
        'give each retrain request a unique id');
    } else seen.set(request.id, at(request));
  }
}

/** The files a document refers to, to load alongside it when validating a subset. */
function references(doc: RegistryDocument): string[] {
  try {
    switch (doc.kind) {
      case 'Stages':
        return Object.values(doc.stages ?? {}).map((p) => versionPath(doc.model, p.version));
      case 'ModelVersion':
        return [
          ...(doc.parent ? [versionPath(doc.model, doc.parent)] : []),
          ...(doc.request ? [retrainPath(doc.model, doc.request)] : []),
        ];
      case 'RetrainRequest':
        return doc.version ? [versionPath(doc.model, doc.version)] : [];
      case 'Incident':
        return (doc.models ?? []).map((m) => modelPath(m));
      default:
        return [];
    }
  } catch {
    // An unsafe name: the schema has already reported it, and it must not become a path.
    return [];
  }
}

/**
 * Parse, schema and cross-file checks. With `paths` (registry-relative, deleted files included), only those
 * files and the model files beside them are checked, loading what they refer to: the cost follows the size of
 * the change, not of the registry.
 */
/** Files with a load error that did not load: the root causes dependent checks defer to. */
function failedFiles(registry: Registry, problems: Problem[]): Set<string> {
  return new Set(problems.filter((p) => p.severity === 'error' && !registry.documents.has(p.file)).map((p) => p.file));
}

export async function validateRegistry(
  reader: RegistryReader,
  options: { paths?: string[]; onSkipped?: (count: number) => void } = {},
): Promise<Problem[]> {
  const onSkipped = options.onSkipped ? { onSkipped: options.onSkipped } : {};
  if (!options.paths) {
    const { registry, problems } = await loadFiles(reader, await reader.list(''));
    return sortProblems([...problems, ...checkInvariants(registry, { failed: failedFiles(registry, problems), ...onSkipped })]);
  }
  const checked = new Set<string>();
  for (const path of options.paths) {
    checked.add(path);
    const place = classifyRegistryPath(path);
    if (place && 'model' in place && !unsafeNameReason(place.model)) {
      checked.add(modelPath(place.model)).add(stagesPath(place.model)).add(schedulePath(place.model));
    }
  }
  const { registry, problems } = await loadFiles(reader, [...checked, POLICY_PATH]);
  const failed = failedFiles(registry, problems);
  const context = new Set<string>();
  for (const path of checked) {
    const doc = registry.documents.get(path);
    if (doc) for (const ref of references(doc)) if (!checked.has(ref)) context.add(ref);
  }
  // Referred-to files are context: loaded so references resolve, but their own rules are not checked.
  const loaded = await loadFiles(reader, [...context], registry);
  for (const file of failedFiles(registry, loaded.problems)) failed.add(file);
  const inScope = (path: string) => checked.has(path);
  return sortProblems([
    ...problems.filter((p) => inScope(p.file)),
    ...checkInvariants(registry, { checked: inScope, failed, ...onSkipped }),
  ]);
}

/**
 * Audit events are append-only: a file under audit/ that exists on the base must be byte-identical on head.
 * `paths` are the registry-relative files the change touches.
 */
export async function auditEventsRewritten(
  base: RegistryReader,
  head: RegistryReader,
  paths: string[],
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const path of paths) {
    if (classifyRegistryPath(path)?.kind !== 'AuditEvent') continue;
    const before = await base.read(path);
    if (!before) continue;
    const after = await head.read(path);
    // Compared as text: a git reader hands over text, so raw bytes could differ only by how invalid UTF-8 decodes.
    if (!after || before.toString('utf8') !== after.toString('utf8')) {
      problems.push({
        file: path,
        severity: 'error',
        message: `audit event ${path} ${after ? 'was edited' : 'was deleted'}; audit events never change once on ${base.label}`,
        fix: `restore the file as it is on ${base.label}, and record a new audit event instead`,
      });
    }
  }
  return problems;
}
