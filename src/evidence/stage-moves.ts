// What a commit that changed a stages.yaml did, for `audit log` and the evidence bundle: which stage moved from
// which version to which, who requested it (the Requested-By trailer of the commit or of the pull request head it
// merged), and who approved (the gate's merge record for that pull request). A merge commit carries no trailers
// of its own, so without this a promotion reads as a bare `stage-changed <model>`.
import { readObjects } from '../git/reader.ts';
import type { AuditEvent } from '../registry/types.ts';
import { parseYaml, readBlobs, type RegistryEvent, type TrailCommit } from './history.ts';

export interface StageMove {
  stage: string;
  from?: string;
  to?: string;
}

function pointers(doc: unknown): Record<string, string> {
  const stages = (doc as { stages?: unknown } | undefined)?.stages;
  if (!stages || typeof stages !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [stage, p] of Object.entries(stages as Record<string, unknown>)) {
    const version = (p as { version?: unknown } | null)?.version;
    if (typeof version === 'string') out[stage] = version;
  }
  return out;
}

/** The stage pointers that differ between two stages.yaml documents (pure), by stage name. */
export function stageMoves(before: unknown, after: unknown): StageMove[] {
  const a = pointers(before);
  const b = pointers(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((s) => a[s] !== b[s])
    .map((stage) => ({
      stage,
      ...(a[stage] !== undefined ? { from: a[stage] } : {}),
      ...(b[stage] !== undefined ? { to: b[stage] } : {}),
    }));
}

/** `Requested-By: x` lines of a commit message (pure). */
export function requestedByIn(message: string): string[] {
  return [...message.matchAll(/^Requested-By:[ \t]*(\S+)[ \t]*$/gim)].map((m) => m[1]!);
}

/** A merge record's approvers as `login (role)` (pure). */
export function approverLabels(record: AuditEvent): string[] {
  const list = record.details?.approvers;
  if (!Array.isArray(list)) return [];
  return list
    .map((a) => a as { login?: unknown; role?: unknown })
    .filter((a) => typeof a.login === 'string')
    .map((a) => `${String(a.login)} (${String(a.role)})`);
}

/**
 * Fills stage, from, version (to), requester and approvers into the events of commits that changed a stages.yaml.
 * A commit that moved several stages gives one event per stage moved.
 */
export async function withStageMoves(
  repoRoot: string,
  commits: TrailCommit[],
  events: RegistryEvent[],
  mergeRecords: AuditEvent[],
): Promise<RegistryEvent[]> {
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const stageFiles = (c: TrailCommit) =>
    c.files.filter((f) => /(?:^|\/)models\/[^/]+\/stages\.yaml$/.test(f.path));
  const wanted = events.filter((e) => e.source === 'commit' && e.model && bySha.has(e.sha));
  const blobs = await readBlobs(
    repoRoot,
    wanted
      .flatMap((e) => stageFiles(bySha.get(e.sha)!).flatMap((f) => [f.blob, f.previousBlob]))
      .filter((b): b is string => b !== undefined),
  );
  const heads = wanted.map((e) => bySha.get(e.sha)!.parents[1]).filter((p): p is string => p !== undefined);
  const headObjects = await readObjects(repoRoot, heads);
  const out: RegistryEvent[] = [];
  for (const e of events) {
    const c = e.source === 'commit' ? bySha.get(e.sha) : undefined;
    const file =
      c && e.model ? stageFiles(c).find((f) => f.path.includes(`models/${e.model}/stages.yaml`)) : undefined;
    if (!c || !file) {
      out.push(e);
      continue;
    }
    const moves = stageMoves(
      parseYaml(file.previousBlob ? blobs.get(file.previousBlob) : undefined),
      parseYaml(file.blob ? blobs.get(file.blob) : undefined),
    ).filter((m) => e.stage === undefined || m.stage === e.stage);
    const head = c.parents[1] ? headObjects.get(c.parents[1]) : undefined;
    const requester =
      e.requestedBy ??
      (head?.type === 'commit' ? requestedByIn(head.content.toString('utf8'))[0] : undefined);
    if (moves.length === 0) {
      out.push(e);
      continue;
    }
    for (const m of moves) {
      const record = mergeRecords.find(
        (r) =>
          r.pull_request !== undefined &&
          r.pull_request === e.pullRequest &&
          r.model === e.model &&
          r.stage === m.stage,
      );
      const approvers = record ? approverLabels(record) : undefined;
      out.push({
        ...e,
        stage: m.stage,
        ...(m.from !== undefined ? { from: m.from } : {}),
        ...(m.to !== undefined ? { version: m.to } : {}),
        ...(requester !== undefined ? { requestedBy: requester } : {}),
        ...(approvers !== undefined ? { approvers } : {}),
      });
    }
  }
  return out;
}
