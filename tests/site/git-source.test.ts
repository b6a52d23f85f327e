// The site's git port reads a build through one cat-file process and one walk of the registry's history, and what
// it answers from them is what the standalone readers answer: the integrity audit as `audit verify` walks it, a
// commit's time as `git log` prints it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyGateIntegrity } from '../../src/evidence/integrity.ts';
import { git } from '../../src/git/run.ts';
import { buildSite } from '../../src/site/flow.ts';
import { gitSiteSource } from '../../src/site/git-source.ts';
import { commit, makeRepo, removeRepo, run } from '../evidence/repo.ts';
import { buildSiteScenario, type SiteScenario } from './scenario.ts';

let s: SiteScenario;
const work = mkdtempSync(join(tmpdir(), 'tollgate-site-git-'));
beforeAll(async () => {
  s = await buildSiteScenario();
}, 60_000);
afterAll(() => {
  removeRepo(s.repo);
  rmSync(work, { recursive: true, force: true });
});

/** The git commands a build started, as GIT_TRACE records each one. */
async function gitCommandsOf(name: string, options: { at?: string; since?: string }): Promise<string[]> {
  const trace = join(work, `${name}.trace`);
  const before = process.env.GIT_TRACE;
  process.env.GIT_TRACE = trace;
  try {
    await buildSite(
      { git: gitSiteSource(s.repo.dir, 'registry/'), clock: () => new Date('2026-01-02T12:00:00Z') },
      { registryPrefix: 'registry/', ...options },
    );
  } finally {
    if (before === undefined) delete process.env.GIT_TRACE;
    else process.env.GIT_TRACE = before;
  }
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((line) => line.includes('trace: built-in: git '))
    .map((line) => line.replace(/^.*trace: built-in: git /, '').split(' ')[0]!);
}

describe('the site read from git', () => {
  it('starts one cat-file reader and one history walk for a build, with or without a trusted baseline', async () => {
    expect((await gitCommandsOf('plain', {})).sort()).toEqual(['cat-file', 'log']);
    expect((await gitCommandsOf('since', { since: s.bootstrap })).sort()).toEqual(['cat-file', 'log']);
    // A date needs the commit of that time, which only a walk of the whole branch answers.
    expect((await gitCommandsOf('at', { at: '2026-01-01', since: s.bootstrap })).sort()).toEqual([
      'cat-file',
      'log',
      'log',
    ]);
  }, 60_000);

  it('gives the integrity audit that audit verify walks on its own, for any baseline', async () => {
    const head = await git(s.repo.dir, ['rev-parse', 'HEAD']);
    // On the registry's first-parent trail, off it (a pull request's own commit), and one that names nothing.
    const baselines = [undefined, s.bootstrap, `${s.productionMerge}^2`, 'no-such-ref'];
    for (const since of baselines) {
      const source = gitSiteSource(s.repo.dir, 'registry/');
      try {
        const shared = await source.integrity(head, since);
        const alone = await verifyGateIntegrity(s.repo.dir, {
          ref: head,
          ...(since === undefined ? {} : { since }),
        });
        expect(shared, `since ${since}`).toEqual(alone);
      } finally {
        source.close?.();
      }
    }
    const plain = await verifyGateIntegrity(s.repo.dir, { ref: head });
    expect(plain.findings.map((f) => f.sha)).toContain(s.directPush);
  }, 60_000);

  it('reads a commit and its time as git log prints them, in the committer’s own offset', async () => {
    const repo = await makeRepo();
    try {
      await commit(repo, { 'registry/policy.yaml': 'apiVersion: tollgate/v1\nkind: Policy\n' }, 'Adopt');
      await run(repo, ['commit', '-q', '--allow-empty', '-m', 'later'], '2026-03-03T23:30:00+02:00');
      const source = gitSiteSource(repo.dir, 'registry/');
      for (const rev of ['HEAD', 'HEAD~1', 'main']) {
        const [sha, date] = (await git(repo.dir, ['log', '-1', '--format=%H%x00%cI', rev])).split('\0');
        expect(await source.commit(rev)).toEqual({ sha, date });
      }
      expect((await source.commit('HEAD'))?.date).toBe('2026-03-03T23:30:00+02:00');
      expect(await source.commit('no-such-ref')).toBeUndefined();
      expect(await source.commit('HEAD:registry/policy.yaml')).toBeUndefined();
      source.close?.();
    } finally {
      removeRepo(repo);
    }
  });
});
