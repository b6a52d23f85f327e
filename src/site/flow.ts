// The site use case: read the registry and its history through the git port (and GitHub when given), decide what
// each page shows, and return the files of a static site. Writing them is the caller's (src/site/write.ts).
import { TollgateError } from '../errors.ts';
import type { StagesSnapshot } from '../evidence/history-at.ts';
import { stagesOf } from '../evidence/history-at.ts';
import type { TrailCommit } from '../evidence/history.ts';
import { parseYaml } from '../evidence/history.ts';
import type { IntegrityReport } from '../evidence/integrity.ts';
import { classifyRegistryPath } from '../registry/paths.ts';
import type { AuditEvent, Problem, Registry } from '../registry/types.ts';
import { renderAuditPage } from './audit-page.ts';
import { modelHref } from './frame.ts';
import type { RepoLinks } from './html.ts';
import { renderIncidentsPage } from './incidents-page.ts';
import { renderModelPage } from './model-page.ts';
import { renderOverview } from './overview.ts';
import type { EvidenceArtifact, GitHubFacts, OpenPromotion, SiteData } from './view.ts';

export interface CommitRef {
  sha: string;
  /** Committer time, ISO 8601. */
  date: string;
}

/** What the site reads from git. src/site/git-source.ts answers it from a clone; tests may answer it from data. */
export interface SiteGitPort {
  /** `ref`, or the branch whose stage pointers are live (the policy's default branch), with its head. */
  branchHead(ref?: string): Promise<{ ref: string; head: string; date: string }>;
  /** A ref or commit; undefined when it names none. */
  commit(rev: string): Promise<CommitRef | undefined>;
  /** The last first-parent commit of `head` committed at or before `time`. */
  commitAt(head: string, time: string): Promise<CommitRef | undefined>;
  registryAt(sha: string): Promise<{ registry: Registry; problems: Problem[] }>;
  /** First-parent commits that touched the registry up to `sha`, newest first, with the files they changed. */
  trail(sha: string): Promise<TrailCommit[]>;
  /** Blob texts by object id; undefined where missing. */
  blobs(oids: string[]): Promise<Map<string, string | undefined>>;
  auditEvents(sha: string): Promise<AuditEvent[]>;
  /** `tollgate audit verify`'s report for the history up to `sha`, after the trusted baseline `since` if given. */
  integrity(sha: string, since?: string): Promise<IntegrityReport>;
  /** Ends what the port keeps open for a build (a git process, what it read); a later call starts afresh. */
  close?(): void;
}

/** What the site reads from GitHub, when a token and the repository are known. */
export interface SiteGitHubPort {
  openPromotions(): Promise<OpenPromotion[]>;
  evidenceBundles(): Promise<EvidenceArtifact[]>;
  calls(): number;
}

export interface SitePorts {
  git: SiteGitPort;
  github?: SiteGitHubPort;
  clock: () => Date;
}

export interface SiteOptions {
  /** A ref, or a date or time (ISO 8601): build the site as the registry stood then. */
  at?: string;
  /** The branch to read; default the policy's default branch. */
  ref?: string;
  /** Where commits and pull requests link to; no links without it. */
  repo?: RepoLinks;
  /** The registry folder, repository-relative with a trailing slash. */
  registryPrefix: string;
  /** A trusted commit (the adoption of Tollgate, say): the integrity audit checks only history after it. */
  since?: string;
}

export interface SiteFile {
  /** Relative to the site's root, with `/`. */
  path: string;
  content: string;
}

export interface SiteBuild {
  files: SiteFile[];
  ref: string;
  head: string;
  /** The commit the pages show (the head, or the --at commit). */
  shown: CommitRef;
  at?: SiteData['at'];
  models: number;
  versions: number;
  events: number;
  integrity: { findings: number; allowed: number } | { error: string };
  github?: { promotions: number; bundles: number; calls: number } | { error: string };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * What `--at` names: a date (the end of that day, UTC, so "on 3 March" includes all of 3 March), a time, or else a
 * ref. Pure.
 */
export function parseAt(value: string): { kind: 'time'; time: string } | { kind: 'ref'; ref: string } {
  const v = value.trim();
  if (DATE_ONLY.test(v) && !Number.isNaN(Date.parse(`${v}T23:59:59Z`)))
    return { kind: 'time', time: `${v}T23:59:59Z` };
  if (DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))
    return { kind: 'time', time: new Date(Date.parse(v)).toISOString().replace(/\.000Z$/, 'Z') };
  if (/^\d{4}-\d{2}/.test(v))
    throw new TollgateError(
      `--at ${value} is neither a date (YYYY-MM-DD) nor a time (ISO 8601 with a zone)`,
      {
        fix: '--at 2026-03-03, --at 2026-03-03T12:00:00Z, or a ref such as a tag or commit',
      },
    );
  return { kind: 'ref', ref: v };
}

/** Each model's stages.yaml at every commit of the trail that changed it, oldest first (pure, given the blobs). */
export function snapshotsFromTrail(
  commits: TrailCommit[],
  registryPrefix: string,
  blobs: Map<string, string | undefined>,
): Map<string, StagesSnapshot[]> {
  const out = new Map<string, StagesSnapshot[]>();
  for (let i = commits.length - 1; i >= 0; i--) {
    const commit = commits[i]!;
    for (const f of commit.files) {
      if (!f.path.startsWith(registryPrefix)) continue;
      const place = classifyRegistryPath(f.path.slice(registryPrefix.length));
      if (place?.kind !== 'Stages') continue;
      const stages = f.blob === undefined ? undefined : stagesOf(parseYaml(blobs.get(f.blob)));
      const list = out.get(place.model) ?? [];
      list.push({ commit, stages });
      out.set(place.model, list);
    }
  }
  return out;
}

function stagesBlobs(commits: TrailCommit[], registryPrefix: string): string[] {
  return commits.flatMap((c) =>
    c.files
      .filter(
        (f) =>
          f.blob !== undefined &&
          f.path.startsWith(registryPrefix) &&
          classifyRegistryPath(f.path.slice(registryPrefix.length))?.kind === 'Stages',
      )
      .map((f) => f.blob!),
  );
}

async function shownCommit(
  git: SiteGitPort,
  head: { ref: string; head: string; date: string },
  at: string | undefined,
): Promise<{ shown: CommitRef; at?: SiteData['at'] }> {
  if (at === undefined) return { shown: { sha: head.head, date: head.date } };
  const asked = parseAt(at);
  if (asked.kind === 'ref') {
    const commit = await git.commit(asked.ref);
    if (!commit)
      throw new TollgateError(`--at ${at}: no such ref or commit in this clone`, {
        fix: 'name a date (YYYY-MM-DD), a time, a tag or a commit; fetch it first if it is on the remote',
      });
    return {
      shown: commit,
      at: { asked: at, time: commit.date, commit: commit.sha, commitDate: commit.date },
    };
  }
  const commit = await git.commitAt(head.head, asked.time);
  if (!commit)
    throw new TollgateError(`--at ${at}: nothing on ${head.ref} was committed by ${asked.time}`, {
      fix: 'choose a later date: the history of the branch starts after it',
    });
  return { shown: commit, at: { asked: at, time: asked.time, commit: commit.sha, commitDate: commit.date } };
}

async function githubFacts(github: SiteGitHubPort | undefined): Promise<SiteData['github']> {
  if (!github) return undefined;
  try {
    const [openPromotions, evidence] = await Promise.all([github.openPromotions(), github.evidenceBundles()]);
    return { openPromotions, evidence, calls: github.calls() } satisfies GitHubFacts;
  } catch (error) {
    // The site still shows what git knows; the overview says what GitHub did not answer.
    if (error instanceof TollgateError) return { error: error.message };
    throw error;
  }
}

/** The site: every page rendered from one reading of the registry, its history and (optionally) GitHub. */
export async function buildSite(ports: SitePorts, options: SiteOptions): Promise<SiteBuild> {
  try {
    return await readAndRender(ports, options);
  } finally {
    ports.git.close?.();
  }
}

async function readAndRender(ports: SitePorts, options: SiteOptions): Promise<SiteBuild> {
  const prefix = options.registryPrefix;
  const head = await ports.git.branchHead(options.ref);
  const { shown, at } = await shownCommit(ports.git, head, options.at);
  const builtAt = ports
    .clock()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const [loaded, commits, integrity, github, headRecords] = await Promise.all([
    ports.git.registryAt(shown.sha),
    ports.git.trail(shown.sha),
    ports.git.integrity(shown.sha, options.since).catch((error: unknown) => {
      // A clone the audit cannot read (shallow, say) still gets a site, which says why the audit is missing.
      if (error instanceof TollgateError) return { error: error.message };
      throw error;
    }),
    githubFacts(ports.github),
    at ? ports.git.auditEvents(head.head) : Promise.resolve(undefined),
  ]);
  const blobs = await ports.git.blobs(stagesBlobs(commits, prefix));
  const data: SiteData = {
    builtAt,
    now: at?.time ?? builtAt,
    ref: head.ref,
    head: head.head,
    headDate: head.date,
    ...(at ? { at } : {}),
    ...(options.repo ? { repo: options.repo } : {}),
    registry: loaded.registry,
    problems: new Set(loaded.problems.filter((p) => p.severity === 'error').map((p) => p.file)).size,
    commits,
    snapshots: snapshotsFromTrail(commits, prefix, blobs),
    records: headRecords ?? [...loaded.registry.audit.values()],
    integrity,
    ...(github ? { github } : {}),
    registryPrefix: prefix,
  };
  const files: SiteFile[] = [
    { path: 'index.html', content: renderOverview(data) },
    { path: 'incidents.html', content: renderIncidentsPage(data) },
    { path: 'audit.html', content: renderAuditPage(data) },
  ];
  for (const name of [...data.registry.models.keys()].sort()) {
    const path = modelHref(name);
    if (path) files.push({ path, content: renderModelPage(data, name) });
  }
  const versions = [...data.registry.models.values()].reduce((n, e) => n + e.versions.size, 0);
  return {
    files,
    ref: head.ref,
    head: head.head,
    shown,
    ...(at ? { at } : {}),
    models: data.registry.models.size,
    versions,
    events: commits.length + data.registry.audit.size,
    integrity:
      'error' in integrity
        ? integrity
        : { findings: integrity.findings.length, allowed: integrity.allowed.length },
    ...(github
      ? {
          github:
            'error' in github
              ? github
              : {
                  promotions: github.openPromotions.length,
                  bundles: github.evidence.length,
                  calls: github.calls,
                },
        }
      : {}),
  };
}
