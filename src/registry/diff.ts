// The semantic diff: what a change to the registry means (a stage moved, a version added, the policy edited),
// computed file by file from two RegistryReaders. The gate decides sign-offs from this list alone.
import { load } from 'js-yaml';
import { TollgateError } from '../errors.ts';
import { AUDIT_ID, INCIDENT_ID, isSafeName } from './names.ts';
import { classifyRegistryPath, type RegistryPathMatch } from './paths.ts';
import type { RegistryChange, RegistryReader, StagePointer } from './types.ts';

type Side = { state: 'absent' } | { state: 'unreadable' } | { state: 'parsed'; doc: Record<string, unknown> };

const EXPECTED_KIND: Record<Exclude<RegistryPathMatch['kind'], 'Postmortem'>, string> = {
  Policy: 'Policy',
  Model: 'Model',
  Stages: 'Stages',
  Schedule: 'Schedule',
  ModelVersion: 'ModelVersion',
  RetrainRequest: 'RetrainRequest',
  Incident: 'Incident',
  AuditEvent: 'AuditEvent',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!deepEqual(a[key], b[key])) return false;
    return true;
  }
  return Number.isNaN(a) && Number.isNaN(b);
}

/**
 * Dotted names of the fields that differ, descending into objects `depth` levels (so `metrics.auc`,
 * `signoff.rules`), sorted. A whole object added or removed is named once, at its own level.
 */
export function changedFields(before: unknown, after: unknown, depth = 2, prefix = ''): string[] {
  if (deepEqual(before, after)) return [];
  if (depth === 0 || !isPlainObject(before) || !isPlainObject(after)) return prefix === '' ? ['(document)'] : [prefix];
  const fields: string[] = [];
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (deepEqual(before[key], after[key])) continue;
    if (depth > 1 && isPlainObject(before[key]) && isPlainObject(after[key])) {
      fields.push(...changedFields(before[key], after[key], depth - 1, name));
    } else fields.push(name);
  }
  return fields;
}

function parseSide(text: string | undefined, expectedKind: string): Side {
  if (text === undefined) return { state: 'absent' };
  try {
    const doc = load(text);
    if (isPlainObject(doc) && doc.kind === expectedKind) return { state: 'parsed', doc };
  } catch {
    // An unparseable file is reported below as unknown-registry-file.
  }
  return { state: 'unreadable' };
}

function topFields(doc: Record<string, unknown>): string[] {
  return Object.keys(doc)
    .filter((k) => k !== 'apiVersion' && k !== 'kind')
    .sort();
}

function pointers(doc: Record<string, unknown> | undefined): Record<string, StagePointer> {
  const stages = doc?.stages;
  if (!isPlainObject(stages)) return {};
  const out: Record<string, StagePointer> = {};
  for (const [stage, pointer] of Object.entries(stages)) {
    if (isPlainObject(pointer)) out[stage] = pointer as unknown as StagePointer;
    // A bare `production: v5` is not the format, but it names a version all the same; do not hide it.
    else if (typeof pointer === 'string') out[stage] = { version: pointer };
  }
  return out;
}

/**
 * Names taken from a path end up in check summaries, branch names and commit trailers: a file whose place
 * holds an unsafe name is not a registry file, whatever it contains.
 */
function namesAreSafe(match: RegistryPathMatch): boolean {
  switch (match.kind) {
    case 'Policy':
      return true;
    case 'Model':
    case 'Stages':
    case 'Schedule':
      return isSafeName(match.model);
    case 'ModelVersion':
    case 'RetrainRequest':
      return isSafeName(match.model) && isSafeName(match.id);
    case 'Incident':
    case 'Postmortem':
      return INCIDENT_ID.test(match.id);
    case 'AuditEvent':
      return AUDIT_ID.test(match.id) && match.id.startsWith(`${match.year}${match.month}`);
  }
}

/**
 * model.yaml fields that say what Tollgate runs or reads on its own, with no person in the loop: `monitoring` (the
 * metrics source: a command it runs, a URL it sends the Prometheus token to; and the rules that start retrains and
 * incidents) and every command a retrain runs (`training.command`, `training.artifact_validator`). Whoever sets them
 * decides what automation does after the merge, so setting or changing them needs the policy owners, as a policy
 * change does.
 */
export const GUARDED_MODEL_FIELDS = ['monitoring', 'training.command', 'training.artifact_validator'] as const;

const fieldAt = (doc: Record<string, unknown> | undefined, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (isPlainObject(v) ? v[key] : undefined), doc);

/** The guarded fields that differ between two model.yaml documents (undefined: no file). */
export function guardedModelFields(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): string[] {
  if (after === undefined) return [];
  return GUARDED_MODEL_FIELDS.filter((f) => !deepEqual(fieldAt(before, f), fieldAt(after, f)));
}

/** A traffic share as a percentage; no weight means all of the stage's traffic. */
export const formatWeight = (weight: number | undefined): string =>
  weight === undefined ? '(none)' : `${Math.round(weight * 10_000) / 100}%`;

const versionOf = (p: StagePointer | undefined): string | undefined =>
  p === undefined ? undefined : typeof p.version === 'string' ? p.version : String(p.version);

/**
 * What changed in one registry file between two contents (undefined = no such file). Pure. A file that
 * does not parse, or holds another kind than its place calls for, is `unknown-registry-file`, and the diff
 * goes on treating that side as absent so that, say, a stage pointer behind a broken file still shows.
 */
export function diffDocuments(path: string, before: string | undefined, after: string | undefined): RegistryChange[] {
  if (before === after) return [];
  const match = classifyRegistryPath(path);
  if (!match || !namesAreSafe(match)) return [{ kind: 'unknown-registry-file', path }];
  if (match.kind === 'Postmortem') return [{ kind: 'postmortem-changed', path, incident: match.id }];
  if (match.kind === 'AuditEvent') {
    // Audit events are append-only: any edit or deletion of an existing one is a rewrite, however small.
    if (before === undefined) return [{ kind: 'audit-appended', path, id: match.id }];
    return [{ kind: 'audit-rewritten', path, id: match.id }];
  }

  const a = parseSide(before, EXPECTED_KIND[match.kind]);
  const b = parseSide(after, EXPECTED_KIND[match.kind]);
  const changes: RegistryChange[] = [];
  if (a.state === 'unreadable' || b.state === 'unreadable') changes.push({ kind: 'unknown-registry-file', path });
  const was = a.state === 'parsed' ? a.doc : undefined;
  const now = b.state === 'parsed' ? b.doc : undefined;
  if (was === undefined && now === undefined) return changes;
  if (was !== undefined && now !== undefined && deepEqual(was, now)) return changes;

  switch (match.kind) {
    case 'Policy':
      changes.push({ kind: 'policy-changed', path, fields: was && now ? changedFields(was, now) : topFields((now ?? was)!) });
      break;
    case 'Model': {
      const guarded = guardedModelFields(was, now);
      changes.push({
        kind: !was ? 'model-added' : !now ? 'model-removed' : 'model-changed',
        path,
        model: match.model,
        ...(guarded.length > 0 ? { guarded } : {}),
      });
      break;
    }
    case 'Stages': {
      const from = pointers(was);
      const to = pointers(now);
      for (const stage of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
        if (deepEqual(from[stage], to[stage])) continue;
        const same = versionOf(from[stage]);
        if (same !== undefined && same === versionOf(to[stage])) {
          const weight: RegistryChange = { kind: 'stage-weight-changed', path, model: match.model, stage, version: same };
          if (from[stage]?.weight !== undefined) weight.from = from[stage].weight;
          if (to[stage]?.weight !== undefined) weight.to = to[stage].weight;
          changes.push(weight);
          continue;
        }
        const change: RegistryChange = { kind: 'stage-changed', path, model: match.model, stage };
        const f = versionOf(from[stage]);
        const t = versionOf(to[stage]);
        if (f !== undefined) change.from = f;
        if (t !== undefined) change.to = t;
        changes.push(change);
      }
      const { stages: _s1, ...restWas } = was ?? {};
      const { stages: _s2, ...restNow } = now ?? {};
      // Anything else in stages.yaml (its model field, extra keys) is no state; let the model's owners see it.
      if (was && now && !deepEqual(restWas, restNow)) changes.push({ kind: 'model-changed', path, model: match.model });
      break;
    }
    case 'Schedule':
      changes.push({
        kind: 'schedule-changed',
        path,
        model: match.model,
        fields: was && now ? changedFields(was, now, 1) : topFields((now ?? was)!),
      });
      break;
    case 'ModelVersion': {
      const base = { path, model: match.model, version: match.id };
      if (!was) changes.push({ kind: 'version-added', ...base });
      else if (!now) changes.push({ kind: 'version-removed', ...base });
      else {
        const heldBefore = was.held !== undefined && was.held !== null;
        const heldAfter = now.held !== undefined && now.held !== null;
        if (!heldBefore && heldAfter) changes.push({ kind: 'version-held', ...base });
        if (heldBefore && !heldAfter) changes.push({ kind: 'version-unheld', ...base });
        const { held: _h1, ...restWas } = was;
        const { held: _h2, ...restNow } = now;
        const fields = changedFields(restWas, restNow);
        // A hold's reason edited in place is still a change to the version record.
        if (heldBefore && heldAfter && !deepEqual(was.held, now.held)) fields.push('held');
        if (fields.length > 0) changes.push({ kind: 'version-changed', ...base, fields: fields.sort() });
      }
      break;
    }
    case 'RetrainRequest':
      // Deleting a request erases history: it has no state kind of its own, so the gate must not pass it as state.
      if (!now) changes.push({ kind: 'unknown-registry-file', path });
      else changes.push({ kind: was ? 'retrain-changed' : 'retrain-added', path, model: match.model, request: match.id });
      break;
    case 'Incident':
      if (!now) changes.push({ kind: 'unknown-registry-file', path });
      else changes.push({ kind: was ? 'incident-changed' : 'incident-opened', path, incident: match.id });
      break;
  }
  return dedupeUnknown(changes);
}

function dedupeUnknown(changes: RegistryChange[]): RegistryChange[] {
  const seen = new Set<string>();
  return changes.filter((c) => {
    if (c.kind !== 'unknown-registry-file') return true;
    if (seen.has(c.path)) return false;
    seen.add(c.path);
    return true;
  });
}

async function readText(reader: RegistryReader, path: string): Promise<{ text?: string; unreadable: boolean }> {
  try {
    const bytes = await reader.read(path);
    return { text: bytes?.toString('utf8'), unreadable: false };
  } catch (error) {
    // A symbolic link or an object git cannot give us: report it as a change, never skip it silently.
    if (error instanceof TollgateError) return { unreadable: true };
    throw error;
  }
}

export const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface DiffOptions {
  /** Registry-relative paths known to have changed (from git); only these are read. */
  paths?: string[];
  /** Repository-relative paths outside the registry that changed; each becomes `file-changed`. */
  outside?: string[];
}

/**
 * The semantic diff from `base` to `head`: registry changes ordered by path (then stage), followed by
 * `file-changed` for every outside path, sorted.
 */
export async function diffRegistries(
  base: RegistryReader,
  head: RegistryReader,
  options: DiffOptions = {},
): Promise<RegistryChange[]> {
  const paths =
    options.paths !== undefined
      ? [...new Set(options.paths)].sort(byPath)
      : [...new Set([...(await base.list('')), ...(await head.list(''))])].sort(byPath);
  const perFile = await Promise.all(
    paths.map(async (path) => {
      const [a, b] = await Promise.all([readText(base, path), readText(head, path)]);
      if (a.unreadable || b.unreadable) {
        const rest = diffDocuments(path, a.unreadable ? undefined : a.text, b.unreadable ? undefined : b.text);
        return dedupeUnknown([{ kind: 'unknown-registry-file', path } as RegistryChange, ...rest]);
      }
      return diffDocuments(path, a.text, b.text);
    }),
  );
  const outside = [...new Set(options.outside ?? [])]
    .sort(byPath)
    .map((path): RegistryChange => ({ kind: 'file-changed', path }));
  return [...perFile.flat(), ...outside];
}

const list = (fields: string[]): string => (fields.length > 0 ? ` (${fields.join(', ')})` : '');

/** One line for a person: `fraud-detector: production v4 → v5`. */
export function describeChange(change: RegistryChange): string {
  switch (change.kind) {
    case 'stage-changed':
      if (change.from === undefined) return `${change.model}: ${change.stage} set to ${change.to ?? '(none)'}`;
      if (change.to === undefined) return `${change.model}: ${change.stage} removed (was ${change.from})`;
      if (change.from === change.to) return `${change.model}: ${change.stage} ${change.to} settings changed`;
      return `${change.model}: ${change.stage} ${change.from} → ${change.to}`;
    case 'stage-weight-changed':
      return `${change.model}: ${change.stage} ${change.version} weight ${formatWeight(change.from)} → ${formatWeight(change.to)}`;
    case 'version-added':
      return `${change.model}: version ${change.version} added`;
    case 'version-changed':
      return `${change.model}: version ${change.version} changed${list(change.fields)}`;
    case 'version-removed':
      return `${change.model}: version ${change.version} removed`;
    case 'version-held':
      return `${change.model}: version ${change.version} held`;
    case 'version-unheld':
      return `${change.model}: version ${change.version} released from hold`;
    case 'model-added':
      return `model ${change.model} added${change.guarded ? ` (sets ${change.guarded.join(', ')})` : ''}`;
    case 'model-changed':
      return `model ${change.model} changed${change.guarded ? ` (${change.guarded.join(', ')})` : ''}`;
    case 'model-removed':
      return `model ${change.model} removed`;
    case 'policy-changed':
      return `policy changed${list(change.fields)}`;
    case 'schedule-changed':
      return `${change.model}: schedule changed${list(change.fields)}`;
    case 'retrain-added':
      return `${change.model}: retrain ${change.request} requested`;
    case 'retrain-changed':
      return `${change.model}: retrain ${change.request} updated`;
    case 'incident-opened':
      return `incident ${change.incident} opened`;
    case 'incident-changed':
      return `incident ${change.incident} updated`;
    case 'postmortem-changed':
      return `incident ${change.incident}: postmortem changed`;
    case 'audit-appended':
      return `audit event ${change.id} recorded`;
    case 'audit-rewritten':
      return `audit event ${change.id} rewritten (audit events are append-only)`;
    case 'unknown-registry-file':
      return `${change.path}: not a registry file Tollgate understands`;
    case 'file-changed':
      return `${change.path} changed (outside the registry)`;
  }
}
