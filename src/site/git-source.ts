// The site's git port over a local clone. One build reads everything it can through one `git cat-file --batch`
// (branch head, registry tree and files, stage blobs, audit events, the integrity audit's blobs) and walks the
// registry's first-parent history once: the integrity audit takes its commits from that walk unless `--since`
// narrows it. An object read twice (a stages blob the pages and the audit both need) is read once.
import { readAuditEvents, readBlobs, readTrail, type TrailCommit } from '../evidence/history.ts';
import { resolveBranchHead, verifyGateIntegrity } from '../evidence/integrity.ts';
import { gitTreeReader, ObjectReader, type GitObject } from '../git/reader.ts';
import { runGit } from '../git/run.ts';
import { loadRegistry } from '../registry/load.ts';
import { classifyRegistryPath, POLICY_PATH } from '../registry/paths.ts';
import type { CommitRef, SiteGitPort } from './flow.ts';

async function commitOf(repoRoot: string, args: string[]): Promise<CommitRef | undefined> {
  // Raw: exit 128 (no such commit) is an answer, and --end-of-options (in args) keeps the head a revision.
  const r = await runGit(repoRoot, [...args, '--'], { okCodes: [128] });
  const out = r.code === 0 ? r.stdout.trim() : '';
  if (out === '') return undefined;
  const [sha, date] = out.split('\0') as [string, string];
  return { sha, date };
}

/** A full object id: what names the same bytes for ever, so its answer may be kept. */
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** An object reader that keeps what it read by object id, for one build. */
class BuildObjectReader extends ObjectReader {
  #read = new Map<string, Promise<GitObject | undefined>>();

  override lookup(spec: string): Promise<GitObject | undefined> {
    if (!OBJECT_ID.test(spec)) return super.lookup(spec);
    let object = this.#read.get(spec);
    if (!object) {
      object = super.lookup(spec);
      this.#read.set(spec, object);
      object.catch(() => this.#read.delete(spec));
    }
    return object;
  }

  override close(): void {
    this.#read.clear();
    super.close();
  }
}

/**
 * The committer time of a raw commit object as `git log --format=%cI` prints it (strict ISO 8601 in the
 * committer's own offset), so a commit read through cat-file reads as one git log printed.
 */
export function committerTimeAsGitPrints(commitObject: string): string | undefined {
  const m = /^committer .* (\d+) ([+-])(\d\d)(\d\d)$/m.exec(commitObject);
  if (!m) return undefined;
  const offset = (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4]));
  const local = new Date((Number(m[1]) + offset * 60) * 1000).toISOString().slice(0, 19);
  return `${local}${m[2]}${m[3]}:${m[4]}`;
}

export function gitSiteSource(repoRoot: string, registryPrefix: string): SiteGitPort {
  const objects = new BuildObjectReader(repoRoot);
  const guarded = (path: string) =>
    path.startsWith(registryPrefix) &&
    (path === `${registryPrefix}${POLICY_PATH}` ||
      classifyRegistryPath(path.slice(registryPrefix.length))?.kind === 'Stages');
  const trails = new Map<string, Promise<TrailCommit[]>>();
  const trail = (sha: string): Promise<TrailCommit[]> => {
    let commits = trails.get(sha);
    if (!commits) {
      // The stage pointers and the policy at each change are what the pages and the audit read next: asked for
      // while git still walks the history, they are there when the walk ends.
      const prefetch = (c: TrailCommit) => {
        for (const f of c.files)
          if (guarded(f.path))
            for (const oid of [f.blob, f.previousBlob])
              if (oid !== undefined) objects.lookup(oid).catch(() => undefined);
      };
      commits = readTrail(repoRoot, { ref: sha, paths: [registryPrefix], onCommit: prefetch });
      trails.set(sha, commits);
      commits.catch(() => trails.delete(sha));
    }
    return commits;
  };
  return {
    branchHead: (ref) => resolveBranchHead(repoRoot, ref, registryPrefix, objects),
    async commit(rev) {
      const object = await objects.lookup(`${rev}^{commit}`);
      const date =
        object?.type === 'commit' ? committerTimeAsGitPrints(object.content.toString('utf8')) : undefined;
      return object && date ? { sha: object.oid, date } : undefined;
    },
    commitAt: (head, time) =>
      commitOf(repoRoot, [
        'log',
        '-1',
        '--first-parent',
        `--before=${time}`,
        '--format=%H%x00%cI',
        '--end-of-options',
        head,
      ]),
    registryAt: (sha) => loadRegistry(gitTreeReader(repoRoot, sha, registryPrefix, objects)),
    trail,
    blobs: (oids) => readBlobs(objects, oids),
    auditEvents: async (sha) =>
      (await readAuditEvents(repoRoot, sha, registryPrefix, objects)).map((e) => e.event),
    async integrity(sha, since) {
      // The audit checks that the history is complete before it uses any of it, as it does walking on its own.
      const commits = await trail(sha).catch(() => undefined);
      return verifyGateIntegrity(repoRoot, {
        ref: sha,
        registryPrefix,
        objects,
        ...(since === undefined ? {} : { since }),
        ...(commits ? { registryTrail: commits } : {}),
      });
    },
    close: () => {
      objects.close();
      trails.clear();
    },
  };
}
