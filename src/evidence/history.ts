// Reads the registry's audit trail from git alone: commits (with trailers, signature status and changed files)
// and the audit-event files, turned into one list of registry events.
import { load } from 'js-yaml';
import { assertFullHistory, parseCommitMessage } from '../git/history.ts';
import { listFiles, readObjects, type ObjectReader } from '../git/reader.ts';
import { git, streamGit } from '../git/run.ts';
import { classifyRegistryPath } from '../registry/paths.ts';
import type { AuditEvent } from '../registry/types.ts';

export interface Person {
  name: string;
  email: string;
  date: string;
}

export interface Trailer {
  key: string;
  value: string;
}

export type SignatureStatus =
  | 'good'
  | 'bad'
  | 'good-unknown-validity'
  | 'expired-signature'
  | 'expired-key'
  | 'revoked-key'
  | 'unverifiable'
  | 'none';

export interface ChangedFile {
  /** git's status letter: A, M, D, T, R or C. */
  status: string;
  path: string;
  /** For a rename or copy: the path it came from. */
  from?: string;
  /** The blob the commit left at `path` (absent when deleted), so contents can be read without a path lookup. */
  blob?: string;
  /** The blob the first parent had at the path it came from (absent when the file was added). */
  previousBlob?: string;
}

export interface TrailCommit {
  sha: string;
  parents: string[];
  author: Person;
  committer: Person;
  /** Subject, body and trailers as the git layer's parseCommitMessage splits the message. */
  subject: string;
  /** The message between the subject and the trailer block. */
  body: string;
  /** In the order written (grouped by key). */
  trailers: Trailer[];
  signature: { status: SignatureStatus; code: string };
  /** Files changed against the first parent, limited to the paths asked for. */
  files: ChangedFile[];
}

export interface TrailOptions {
  /** Repository-relative paths to follow. Default `['registry/']`. */
  paths?: string[];
  /** Default `HEAD`. */
  ref?: string;
  /** Only commits committed at or after / before these times (anything `git log --since` takes). */
  since?: string;
  until?: string;
  /** Walk the first-parent line only, as the default branch saw it. Default true. */
  firstParent?: boolean;
  /** Read a shallow clone anyway (the trail is then incomplete). Default false. */
  allowShallow?: boolean;
  /**
   * Called with each commit as git prints it (newest first), before the walk ends: lets a caller start reading
   * the commit's blobs while git still walks the rest of the history.
   */
  onCommit?: (commit: TrailCommit) => void;
}

const SIGNATURES: Record<string, SignatureStatus> = {
  G: 'good',
  B: 'bad',
  U: 'good-unknown-validity',
  X: 'expired-signature',
  Y: 'expired-key',
  R: 'revoked-key',
  E: 'unverifiable',
  N: 'none',
};

const FORMAT = ['%H', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%G?', '%B']
  .map((f) => `${f}%x00`)
  .join('');

export async function readTrail(repoRoot: string, options: TrailOptions = {}): Promise<TrailCommit[]> {
  const args = ['log', '-z', `--format=%x1e${FORMAT}`, '--raw', '--no-abbrev', '--no-renames'];
  if (options.firstParent ?? true) args.push('--first-parent', '--diff-merges=first-parent');
  if (options.since) args.push(`--since=${options.since}`);
  if (options.until) args.push(`--until=${options.until}`);
  args.push('--end-of-options', options.ref ?? 'HEAD', '--', ...(options.paths ?? ['registry/']));
  const shallowCheck = options.allowShallow ? undefined : assertFullHistory(repoRoot);
  const onCommit = options.onCommit;
  if (!onCommit) {
    // The shallow check runs alongside the walk: it only decides whether the answer may be used.
    // Raw: simple-git's log has no --raw file lists and parses NUL-delimited records its own way (benchmarked path).
    const [output] = await Promise.all([git(repoRoot, args), shallowCheck]);
    return parseLog(output);
  }
  const commits: TrailCommit[] = [];
  // Raw: records are handed on while git still prints; simple-git returns the output only once git exits.
  const walk = streamGit(repoRoot, args, '\x1e', (record) => {
    const commit = parseLogRecord(record);
    if (!commit) return;
    commits.push(commit);
    onCommit(commit);
  });
  // Both run before either is awaited, so a failure in one must not go unhandled.
  const [walked, checked] = await Promise.allSettled([walk, shallowCheck]);
  if (checked.status === 'rejected') throw checked.reason;
  if (walked.status === 'rejected') throw walked.reason;
  return commits;
}

/** Parses `git log -z --format=<FORMAT> --raw --no-abbrev` output. */
export function parseLog(output: string): TrailCommit[] {
  const commits: TrailCommit[] = [];
  for (const record of output.split('\x1e')) {
    const commit = parseLogRecord(record);
    if (commit) commits.push(commit);
  }
  return commits;
}

/** One commit of that output (the text between two record separators); undefined for an empty record. */
function parseLogRecord(record: string): TrailCommit | undefined {
  if (record === '') return undefined;
  const fields = record.split('\0');
  const [sha, parents, an, ae, ad, cn, ce, cd, sig, message] = fields;
  if (message === undefined) return undefined;
  const tokens = fields
    .slice(10)
    .map((t) => t.replace(/^\n/, ''))
    .filter((t) => t !== '');
  const files: ChangedFile[] = [];
  for (let i = 0; i < tokens.length;) {
    // ":<old mode> <new mode> <old blob> <new blob> <status>", then the path (two for a rename or copy).
    const meta = tokens[i++]!.split(' ');
    const status = meta[4] ?? '';
    const blob = /^0+$/.test(meta[3] ?? '0') ? undefined : meta[3];
    const previousBlob = /^0+$/.test(meta[2] ?? '0') ? undefined : meta[2];
    const from = /^[RC]/.test(status) ? tokens[i++]! : undefined;
    files.push({
      status: status[0] ?? '?',
      path: tokens[i++]!,
      ...(from === undefined ? {} : { from }),
      ...(blob === undefined ? {} : { blob }),
      ...(previousBlob === undefined ? {} : { previousBlob }),
    });
  }
  const parsed = parseCommitMessage(message);
  return {
    sha: sha!,
    parents: parents ? parents.split(' ') : [],
    author: { name: an!, email: ae!, date: utcTime(ad!) },
    committer: { name: cn!, email: ce!, date: utcTime(cd!) },
    subject: parsed.subject,
    body: parsed.body,
    trailers: Object.entries(parsed.trailers).flatMap(([key, values]) =>
      values.map((value) => ({ key, value })),
    ),
    signature: { status: SIGNATURES[sig!] ?? 'unverifiable', code: sig! },
    files,
  };
}

/** The first trailer with this key (case-insensitive), if any. */
export function trailerValue(trailers: Trailer[], key: string): string | undefined {
  const k = key.toLowerCase();
  return trailers.find((t) => t.key.toLowerCase() === k)?.value;
}

/** The pull request a default-branch commit came from: a trailer, a GitHub merge subject, or a squash suffix. */
export function pullRequestOf(commit: Pick<TrailCommit, 'subject' | 'trailers'>): number | undefined {
  const trailer = trailerValue(commit.trailers, 'Pull-Request');
  const fromTrailer = trailer === undefined ? undefined : /^#?(\d+)$/.exec(trailer.trim());
  if (fromTrailer) return Number(fromTrailer[1]);
  const merge = /^Merge pull request #(\d+) from /.exec(commit.subject);
  if (merge) return Number(merge[1]);
  const squash = /\(#(\d+)\)\s*$/.exec(commit.subject);
  return squash ? Number(squash[1]) : undefined;
}

export interface RegistryEvent {
  at: string;
  sha: string;
  /** The Tollgate-Event trailer, or inferred from the changed paths (e.g. `stage-changed`, `version-added`). */
  event: string;
  source: 'commit' | 'audit-file';
  model?: string;
  version?: string;
  stage?: string;
  /** For a stage move: the version the stage pointed at before (`version` is the one after). */
  from?: string;
  incident?: string;
  request?: string;
  pullRequest?: number;
  requestedBy?: string;
  /** For a stage move whose pull request has a merge record: who signed off, as `login (role)`. */
  approvers?: string[];
  /** The commit subject, or the audit event's actor. */
  summary?: string;
  actor?: string;
}

function inferEvent(
  status: string,
  registryPath: string,
): Omit<RegistryEvent, 'at' | 'sha' | 'source'> | undefined {
  const place = classifyRegistryPath(registryPath);
  if (!place) return undefined;
  const verb = status === 'A' ? 'added' : status === 'D' ? 'removed' : 'changed';
  switch (place.kind) {
    case 'Policy':
      return { event: 'policy-changed' };
    case 'Model':
      return { event: `model-${verb}`, model: place.model };
    case 'Stages':
      return { event: 'stage-changed', model: place.model };
    case 'Schedule':
      return { event: 'schedule-changed', model: place.model };
    case 'ModelVersion':
      return { event: `version-${verb}`, model: place.model, version: place.id };
    case 'RetrainRequest':
      return {
        event: `retrain-${verb === 'added' ? 'added' : 'changed'}`,
        model: place.model,
        request: place.id,
      };
    case 'Incident':
      return { event: verb === 'added' ? 'incident-opened' : 'incident-changed', incident: place.id };
    case 'Postmortem':
      return { event: 'postmortem-changed', incident: place.id };
    case 'AuditEvent':
      // Audit files are read as events of their own (readAuditEvents).
      return undefined;
  }
}

/**
 * One event per commit that carries a `Tollgate-Event:` trailer; for a commit without one, one event per distinct
 * thing its registry files say changed.
 */
export function registryEventsFromTrail(
  commits: TrailCommit[],
  registryPrefix = 'registry/',
): RegistryEvent[] {
  const events: RegistryEvent[] = [];
  for (const c of commits) {
    const base = {
      at: c.committer.date,
      sha: c.sha,
      source: 'commit' as const,
      pullRequest: pullRequestOf(c),
      requestedBy: trailerValue(c.trailers, 'Requested-By'),
      summary: c.subject,
    };
    const named = trailerValue(c.trailers, 'Tollgate-Event');
    if (named !== undefined) {
      events.push(
        clean({
          ...base,
          event: named,
          model: trailerValue(c.trailers, 'Model'),
          version: trailerValue(c.trailers, 'Version'),
          stage: trailerValue(c.trailers, 'Stage'),
          incident: trailerValue(c.trailers, 'Incident'),
          request: trailerValue(c.trailers, 'Request'),
        }),
      );
      continue;
    }
    const seen = new Set<string>();
    for (const f of c.files) {
      if (!f.path.startsWith(registryPrefix)) continue;
      const inferred = inferEvent(f.status, f.path.slice(registryPrefix.length));
      if (!inferred) continue;
      const key = JSON.stringify(inferred);
      if (seen.has(key)) continue;
      seen.add(key);
      events.push(clean({ ...base, ...inferred }));
    }
  }
  return events;
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The text of several `rev:path` specs (or blob ids), read through one `git cat-file --batch`; undefined where missing. */
export async function readBlobs(
  from: string | ObjectReader,
  specs: string[],
): Promise<Map<string, string | undefined>> {
  const objects = await readObjects(from, specs);
  return new Map(
    [...objects].map(([spec, o]) => [spec, o?.type === 'blob' ? o.content.toString('utf8') : undefined]),
  );
}

/**
 * One timestamp format in every record and report: UTC with `Z`, whole seconds (git's `%aI`/`%cI` keep the
 * committer's offset, e.g. `+00:00` or `+02:00`). Text that is not a time is returned as it is.
 */
export function utcTime(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** The committer time of a raw commit object, in UTC (`Z`). */
export function committerDate(commitObject: string): string | undefined {
  const m = /^committer .* (\d+) ([+-])(\d\d)(\d\d)$/m.exec(commitObject);
  if (!m) return undefined;
  return utcTime(new Date(Number(m[1]) * 1000).toISOString());
}

/** Parses YAML text with the safe default schema; undefined for missing or unparseable text. */
export function parseYaml(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return load(text);
  } catch {
    return undefined;
  }
}

/**
 * Every audit-event file under `<registry>/audit/` at `ref`, parsed, oldest first. Through a caller's `objects`
 * reader, when given, the files are listed and read without starting another git process.
 */
export async function readAuditEvents(
  repoRoot: string,
  ref = 'HEAD',
  registryPrefix = 'registry/',
  objects?: ObjectReader,
): Promise<{ path: string; event: AuditEvent }[]> {
  const entries = objects
    ? (await listFiles(objects, ref, [`${registryPrefix}audit/`])).filter((e) => e.path.endsWith('.yaml'))
    : // Raw: simple-git has no ls-tree call; -z keeps any path exact.
      (await git(repoRoot, ['ls-tree', '-r', '-z', '--end-of-options', ref, '--', `${registryPrefix}audit/`]))
        .split('\0')
        .filter((line) => line !== '')
        .map((line) => {
          const [meta, path] = line.split('\t') as [string, string];
          return { oid: meta.split(' ')[2]!, path, type: meta.split(' ')[1] };
        })
        .filter((e) => e.type === 'blob' && e.path.endsWith('.yaml'));
  const blobs = await readBlobs(
    objects ?? repoRoot,
    entries.map((e) => e.oid),
  );
  const events: { path: string; event: AuditEvent }[] = [];
  for (const e of entries) {
    const doc = parseYaml(blobs.get(e.oid));
    if (doc && typeof doc === 'object' && (doc as { kind?: unknown }).kind === 'AuditEvent')
      events.push({ path: e.path, event: doc as AuditEvent });
  }
  return events.sort((a, b) => a.event.at.localeCompare(b.event.at) || a.path.localeCompare(b.path));
}

export function auditFileEvents(files: { path: string; event: AuditEvent }[]): RegistryEvent[] {
  return files.map(({ event: a }) =>
    clean({
      at: a.at,
      sha: a.commit ?? '',
      event: a.event,
      source: 'audit-file' as const,
      model: a.model,
      version: a.version,
      stage: a.stage,
      incident: a.incident,
      request: a.request,
      pullRequest: a.pull_request,
      actor: a.actor,
      from: typeof a.details?.from_version === 'string' ? a.details.from_version : undefined,
      requestedBy: Array.isArray(a.details?.requested_by)
        ? a.details.requested_by.map(String).join(', ')
        : undefined,
      approvers: Array.isArray(a.details?.approvers)
        ? (a.details.approvers as { login?: unknown; role?: unknown }[])
            .filter((x) => typeof x?.login === 'string')
            .map((x) => `${String(x.login)} (${String(x.role)})`)
        : undefined,
      summary: `${a.event} by ${a.actor}${mergeRecordSummary(a.details)}`,
    }),
  );
}

/** For a recorded merge (src/gate/merged.ts): who approved in which role, and the gate check's conclusion. */
function mergeRecordSummary(details: AuditEvent['details']): string {
  if (!details || !Array.isArray(details.approvers)) return '';
  const approvers = (details.approvers as unknown[])
    .map((a) => a as { login?: unknown; role?: unknown })
    .filter((a) => typeof a.login === 'string')
    .map((a) => `${String(a.login)} (${String(a.role)})`);
  const run = details.check_run as { found?: unknown; conclusion?: unknown } | undefined;
  const check =
    !run || run.found === false ? 'no gate check' : `gate check ${String(run.conclusion ?? 'pending')}`;
  return `; approved by ${approvers.join(', ') || 'nobody'}; ${check}`;
}

/** Commit events and audit-file events in one time-ordered list (a stable sort keeps git order on ties). */
export function mergeEvents(commitEvents: RegistryEvent[], auditEvents: RegistryEvent[]): RegistryEvent[] {
  // Each time parsed once, not once per comparison: a model's trail holds hundreds of events.
  return [...commitEvents]
    .reverse()
    .concat(auditEvents)
    .map((event) => ({ event, ms: Date.parse(event.at) || 0 }))
    .sort((a, b) => a.ms - b.ms)
    .map(({ event }) => event);
}
