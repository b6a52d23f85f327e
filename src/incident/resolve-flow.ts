// The "resolve an incident" use case: the record as the default branch has it, resolved, with its postmortem draft,
// proposed as ONE commit on tollgate/postmortem/<id> (pushed and opened as a pull request with GitHub, else
// committed to that branch only), never touching the checkout. And the postmortem draft on its own.
import { posix } from 'node:path';
import { TollgateError } from '../errors.ts';
import { gitTreeReader } from '../git/reader.ts';
import { commitOf } from '../git/history.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import { readPolicy } from '../policy/read.ts';
import { proposeChange, type GitHubTarget } from '../publish/propose.ts';
import { fileSystemReader, loadFiles } from '../registry/load.ts';
import { INCIDENT_ID } from '../registry/names.ts';
import { parseRegistryFile } from '../registry/parse.ts';
import { incidentPath, modelDir, postmortemPath } from '../registry/paths.ts';
import type { Incident, RegistryReader } from '../registry/types.ts';
import { serializeDocument } from '../registry/writer.ts';
import { registryTimeline } from '../rollback/execute.ts';
import { readIncidents } from './read.ts';
import type { IncidentNotifier } from './notify.ts';
import {
  appendTimeline,
  type PostmortemContext,
  postmortemBranch,
  postmortemPullRequest,
  renderPostmortem,
  resolveIncident,
} from './record.ts';

export interface IncidentPorts {
  repoRoot: string;
  /** The registry folder, repository-relative (`registry`, or `.`). */
  registryDir: string;
  now: Date;
  /** Who acts. */
  actor: string;
  /** Where to push and open the pull request; without it the branch is committed locally only. */
  github?: GitHubTarget;
  /** Announces the resolution on the severity's channels (PagerDuty resolve, the issue closed); entries recorded. */
  notifier?: (policy: EffectivePolicy) => IncidentNotifier | undefined;
}

const inRepo = (registryDir: string, path: string): string =>
  registryDir === '.' ? path : posix.join(registryDir, path);

/** Checks an incident id given on a command line or in an input. */
export function assertIncidentId(id: string | undefined, usage: string): string {
  if (id === undefined || !INCIDENT_ID.test(id)) {
    throw new TollgateError(`"${id ?? ''}" is not an incident id`, { fix: usage });
  }
  return id;
}

/** One incident record through `reader`, or an error naming the file. */
export async function readIncident(
  reader: RegistryReader,
  registryDir: string,
  id: string,
  where?: { on: string; fix: string },
): Promise<Incident> {
  const [incident] = await readIncidents(reader, [incidentPath(id)]);
  if (!incident) {
    throw new TollgateError(`no incident ${id}${where ? ` on ${where.on}` : ''}`, {
      file: inRepo(registryDir, incidentPath(id)),
      ...(where ? { fix: where.fix } : {}),
    });
  }
  return incident;
}

/** Every incident record in the registry's working tree. */
export async function allIncidents(reader: RegistryReader): Promise<Incident[]> {
  const files = (await reader.list('incidents')).filter((f) => /^incidents\/INC-[^/]*\.yaml$/.test(f));
  return readIncidents(reader, files);
}

/**
 * The postmortem draft (the incident protocol's template): the record's timeline merged with the affected models'
 * registry commits at `ref`, the approvers of the window's changes (audit events) and the models' other incidents.
 */
export async function draftPostmortem(
  ports: Pick<IncidentPorts, 'repoRoot' | 'registryDir'>,
  incident: Incident,
  lookbackDays: number,
  ref = 'HEAD',
  extra: { reader?: RegistryReader; repoUrl?: string } = {},
): Promise<string> {
  const since = new Date(Date.parse(incident.detected_at) - lookbackDays * 86_400_000).toISOString();
  const until = incident.resolved_at ?? new Date(8.64e15).toISOString();
  const timeline = await registryTimeline(ports.repoRoot, {
    ref,
    since,
    ...(incident.resolved_at ? { until: incident.resolved_at } : {}),
    paths: incident.models.map((m) => inRepo(ports.registryDir, modelDir(m))),
  });
  const context: PostmortemContext = extra.repoUrl ? { repoUrl: extra.repoUrl } : {};
  if (extra.reader) {
    const stamp = (iso: string) =>
      iso
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '')
        .slice(0, 16);
    const auditFiles = (await extra.reader.list('audit')).filter((f) => {
      const id = f
        .split('/')
        .pop()!
        .replace(/\.yaml$/, '');
      return id.slice(0, 16) >= stamp(since) && id.slice(0, 16) <= stamp(until);
    });
    const { registry } = await loadFiles(extra.reader, auditFiles);
    const approvers = new Set<string>();
    for (const event of registry.audit.values()) {
      if (!event.model || !incident.models.includes(event.model)) continue;
      const listed = (event.details?.approvers ?? []) as { role?: unknown; login?: unknown }[];
      for (const a of Array.isArray(listed) ? listed : [])
        if (typeof a.login === 'string')
          approvers.add(`${typeof a.role === 'string' ? `${a.role}: ` : ''}${a.login}`);
    }
    if (approvers.size) context.approvers = [...approvers].sort();
    const related = (await allIncidents(extra.reader))
      .filter((i) => i.id !== incident.id && i.models.some((m) => incident.models.includes(m)))
      .map((i) => `${i.id} — ${i.title} (${i.status})`);
    if (related.length) context.related = related;
  }
  return renderPostmortem(incident, timeline, context);
}

/** The default branch as this clone has it: the local branch, else origin's; or the base given. */
export async function resolveBase(
  repoRoot: string,
  branch: string,
  given?: string,
): Promise<{ ref: string; sha: string }> {
  const candidates =
    given !== undefined ? [given] : [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`];
  for (const ref of candidates) {
    if (ref.startsWith('-')) break;
    const sha = await commitOf(repoRoot, ref);
    if (sha !== undefined) return { ref: ref.replace(/^refs\/(heads|remotes)\//, ''), sha };
  }
  throw new TollgateError(`no commit ${given ?? `${branch} (or origin/${branch})`} in this clone`, {
    fix:
      given !== undefined
        ? 'name an existing branch or commit with --base'
        : `fetch it first (\`git fetch origin ${branch}\`)`,
  });
}

export interface ResolveIncidentRequest {
  id: string;
  note?: string;
  /** Skip the postmortem draft. */
  noPostmortem: boolean;
  /** The branch or commit holding the record; default the policy's default branch. */
  base?: string;
  dryRun: boolean;
}

export interface ResolveIncidentResult {
  policy: EffectivePolicy;
  base: { ref: string; sha: string };
  resolved: Incident;
  branch: string;
  /** Repository-relative paths. */
  recordFile: string;
  draftFile?: string;
  pullRequest: { title: string; body: string; labels: string[] };
  /** Absent on a dry run. */
  proposal?: Awaited<ReturnType<typeof proposeChange>>;
}

/** Resolves an incident: see the head of this file. */
export async function resolveIncidentFlow(
  request: ResolveIncidentRequest,
  ports: IncidentPorts,
): Promise<ResolveIncidentResult> {
  const { id } = request;
  const policy = await readPolicy(fileSystemReader(posix.join(ports.repoRoot, ports.registryDir)));
  const base = await resolveBase(ports.repoRoot, policy.defaultBranch, request.base);
  // The record as the default branch has it: the pull request changes exactly that.
  const reader = gitTreeReader(ports.repoRoot, base.sha, ports.registryDir);
  let incident: Incident;
  try {
    incident = await readIncident(reader, ports.registryDir, id, {
      on: base.ref,
      fix: 'check the id (`tollgate incident list`), or pass --base with the branch that records it',
    });
  } finally {
    reader.close();
  }
  let resolved = resolveIncident(incident, ports.now, request.note);
  const notifier = request.dryRun ? undefined : ports.notifier?.(policy);
  // Before the commit, so the channels' outcomes are part of the resolved record.
  for (const entry of notifier ? await notifier.notify(resolved, 'resolved') : [])
    resolved = appendTimeline(resolved, entry);
  const draftReader = gitTreeReader(ports.repoRoot, base.sha, ports.registryDir);
  let draft: string | undefined;
  try {
    draft = request.noPostmortem
      ? undefined
      : await draftPostmortem(ports, resolved, 7, base.sha, {
          reader: draftReader,
          ...(ports.github
            ? { repoUrl: `https://github.com/${ports.github.repo.owner}/${ports.github.repo.repo}` }
            : {}),
        });
  } finally {
    draftReader.close();
  }
  const recordFile = inRepo(ports.registryDir, incidentPath(id));
  const draftFile = draft === undefined ? undefined : inRepo(ports.registryDir, postmortemPath(id));
  const recordText = serializeDocument(resolved);
  const errors = parseRegistryFile(incidentPath(id), recordText).problems.filter(
    (p) => p.severity === 'error',
  );
  if (errors.length > 0)
    throw new TollgateError(`the resolved record of ${id} would not validate: ${errors[0]!.message}`);
  const branch = postmortemBranch(id);
  const github = request.dryRun ? undefined : ports.github;
  const link =
    draftFile !== undefined && github
      ? `https://github.com/${github.repo.owner}/${github.repo.repo}/blob/${branch}/${draftFile}`
      : undefined;
  const pullRequest = postmortemPullRequest(resolved, {
    ...(draftFile !== undefined ? { postmortem: draftFile } : {}),
    ...(link !== undefined ? { link } : {}),
  });
  const result: ResolveIncidentResult = {
    policy,
    base,
    resolved,
    branch,
    recordFile,
    pullRequest,
    ...(draftFile !== undefined ? { draftFile } : {}),
  };
  if (request.dryRun) return result;
  const date = ports.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const proposal = await proposeChange(
    ports.repoRoot,
    {
      branch,
      baseRef: base.sha,
      baseBranch: policy.defaultBranch,
      files: [
        { path: recordFile, content: Buffer.from(recordText) },
        ...(draft !== undefined && draftFile !== undefined
          ? [{ path: draftFile, content: Buffer.from(draft) }]
          : []),
      ],
      message: `Resolve incident ${id}`,
      trailers: { 'Tollgate-Event': 'incident-resolved', Incident: id, 'Requested-By': ports.actor },
      env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      pullRequest,
    },
    github,
  );
  return { ...result, proposal };
}
