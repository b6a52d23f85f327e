// The site's git port over a local clone: the registry at a commit through one ls-tree and one cat-file stream,
// the registry's first-parent history in one `git log`, and the gate-integrity audit as `tollgate audit verify`
// runs it.
import { readAuditEvents, readBlobs, readTrail } from '../evidence/history.ts';
import { resolveBranchHead, verifyGateIntegrity } from '../evidence/integrity.ts';
import { gitTreeReader } from '../git/reader.ts';
import { runGit } from '../git/run.ts';
import { loadRegistry } from '../registry/load.ts';
import type { CommitRef, SiteGitPort } from './flow.ts';

async function commitOf(repoRoot: string, args: string[]): Promise<CommitRef | undefined> {
  const r = await runGit(repoRoot, [...args, '--'], { okCodes: [128] });
  const out = r.code === 0 ? r.stdout.trim() : '';
  if (out === '') return undefined;
  const [sha, date] = out.split('\0') as [string, string];
  return { sha, date };
}

export function gitSiteSource(repoRoot: string, registryPrefix: string): SiteGitPort {
  return {
    branchHead: (ref) => resolveBranchHead(repoRoot, ref, registryPrefix),
    // After --end-of-options a revision that looks like an option is only ever a (missing) revision.
    commit: (rev) =>
      commitOf(repoRoot, ['log', '-1', '--format=%H%x00%cI', '--end-of-options', `${rev}^{commit}`]),
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
    async registryAt(sha) {
      const reader = gitTreeReader(repoRoot, sha, registryPrefix);
      try {
        return await loadRegistry(reader);
      } finally {
        reader.close();
      }
    },
    trail: (sha) => readTrail(repoRoot, { ref: sha, paths: [registryPrefix] }),
    blobs: (oids) => readBlobs(repoRoot, oids),
    auditEvents: async (sha) => (await readAuditEvents(repoRoot, sha, registryPrefix)).map((e) => e.event),
    integrity: (sha, since) =>
      verifyGateIntegrity(repoRoot, { ref: sha, registryPrefix, ...(since === undefined ? {} : { since }) }),
  };
}
