// Several Tollgate runs at once: in one checkout (processes racing for the same branch and the same file) and in
// clones pushing to one bare remote. Every commit's message and trailers describe exactly the content it
// carries, and no run's change is lost.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { commitChange } from '../../src/git/commit.ts';
import { commitsTouching } from '../../src/git/history.ts';
import { pushWithRetry } from '../../src/git/push.ts';
import type { Schedule } from '../../src/registry/types.ts';
import { cleanupRepos, makeBareRemote } from '../git/repo-fixture.ts';
import { FRAUD_SCHEDULE, NOW, registryRepo } from './registry-repo.ts';

afterEach(cleanupRepos);

const ROOT = resolve(import.meta.dirname, '../..');

function tollgate(dir: string, args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', join(ROOT, 'src/cli/index.ts'), '-C', dir, ...args],
      { env: { ...process.env, TOLLGATE_NOW: NOW }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => done({ code, err }));
  });
}

describe('parallel runs', () => {
  it('five `schedule pause` runs in one checkout: five commits, each describing its own schedule', async () => {
    const repo = await registryRepo();
    const head = await repo.head();
    const runs = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        tollgate(repo.dir, [
          'schedule',
          'pause',
          'fraud-detector',
          '--for',
          `${i}h`,
          '--reason',
          `reason ${i}`,
          '--by',
          `user-${i}`,
        ]),
      ),
    );
    for (const run of runs) expect(run, run.err).toMatchObject({ code: 0 });
    const commits = await commitsTouching(repo.dir, [], { exclude: head });
    expect(commits).toHaveLength(5);
    const seen = new Set<string>();
    for (const commit of commits) {
      const schedule = load(await repo.git(['show', `${commit.sha}:${FRAUD_SCHEDULE}`])) as Schedule;
      const by = commit.trailers['Requested-By']![0]!;
      const i = by.replace('user-', '');
      seen.add(i);
      // The trailer, the message and the content are one run's.
      expect(schedule).toMatchObject({ paused_by: by, paused_reason: `reason ${i}` });
      expect(commit.subject).toContain(`until ${schedule.paused_until}: reason ${i}`);
      expect(await repo.git(['show', '--name-only', '--format=', commit.sha])).toBe(FRAUD_SCHEDULE);
    }
    expect([...seen].sort()).toEqual(['1', '2', '3', '4', '5']);
    // The checkout follows the branch: nothing staged, nothing modified, no lock left behind.
    expect(await repo.git(['status', '--porcelain'])).toBe('');
    expect(existsSync(join(repo.dir, '.git/index.lock'))).toBe(false);
  }, 120_000);

  it('clones pushing to one bare remote lose nothing: every commit arrives with its own trailers', async () => {
    const seed = await registryRepo();
    const remote = await makeBareRemote(seed);
    const head = await seed.head();
    const clones = await Promise.all([1, 2, 3, 4].map(() => remote.clone()));
    await Promise.all(
      clones.map(async (clone, i) => {
        const path = `registry/models/fraud-detector/retrains/note-${i}.txt`;
        clone.writeFiles({ [path]: `written by clone ${i}\n` });
        await commitChange(clone.dir, {
          paths: [path],
          message: `Note from clone ${i}`,
          trailers: { 'Tollgate-Event': 'note', 'Requested-By': `clone-${i}` },
        });
        await pushWithRetry(clone.dir, { remote: 'origin', branch: 'main', attempts: 10 });
      }),
    );
    const check = await remote.clone();
    const commits = await commitsTouching(check.dir, [], { exclude: head });
    expect(commits).toHaveLength(4);
    for (const commit of commits) {
      const i = commit.trailers['Requested-By']![0]!.replace('clone-', '');
      const files = (await check.git(['show', '--name-only', '--format=', commit.sha])).split('\n');
      expect(files).toEqual([`registry/models/fraud-detector/retrains/note-${i}.txt`]);
      expect(commit.subject).toBe(`Note from clone ${i}`);
      expect(await check.git(['show', `${commit.sha}:${files[0]}`])).toBe(`written by clone ${i}`);
    }
    for (const clone of clones) expect(await clone.git(['status', '--porcelain'])).toBe('');
  }, 120_000);
});
