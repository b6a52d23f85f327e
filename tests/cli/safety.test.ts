// The CLI's strictness and safety (issue 15): unknown models are errors with a suggestion, writing commands refuse
// outside a git repository and on a dirty registry folder, and --dry-run writes nothing (unhold included).
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupRepos, tempDir } from '../git/repo-fixture.ts';
import { cli, registryRepo, ROOT } from './registry-repo.ts';

afterAll(cleanupRepos);

describe('unknown names are errors', () => {
  it('history of a model the registry does not have exits 1 and names the nearest', async () => {
    const repo = await registryRepo();
    const run = await cli(['-C', repo.dir, 'history', 'fraud-detecter']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('no model fraud-detecter in the registry (did you mean fraud-detector?)');
    expect((await cli(['-C', repo.dir, 'history', 'fraud-detector'])).code).toBe(0);
  });
});

describe("git errors in the user's words", () => {
  it.each([
    ['validate', '--since'],
    ['history', 'fraud-detector', '--ref'],
    ['audit', 'verify', '--since'],
  ])('a bad ref for %s ... %s exits 2 naming the option', async (...args) => {
    const repo = await registryRepo();
    const option = args.at(-1)!;
    const run = await cli(['-C', repo.dir, ...args, 'no-such-ref']);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`unknown revision 'no-such-ref' for ${option}: give a commit, tag or branch`);
    expect(run.err).not.toContain('fatal:');
  });
});

describe('writing commands', () => {
  it('refuse outside a git repository, and say why (init included)', async () => {
    const dir = tempDir();
    cpSync(join(ROOT, 'registry'), join(dir, 'registry'), { recursive: true });
    const schedule = await cli(['-C', dir, 'schedule', 'resume', 'fraud-detector']);
    expect(schedule.code).toBe(3);
    expect(schedule.err).toContain('is not inside a git repository, and schedule resume commits');
    const empty = tempDir();
    const init = await cli(['-C', empty, 'init', '--model', 'm', '--owner', '@acme/ml']);
    expect(init.code).toBe(3);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('refuse on a dirty registry folder unless --allow-dirty', async () => {
    const repo = await registryRepo();
    const head = await repo.head();
    repo.writeFiles({ 'registry/models/fraud-detector/notes.md': 'work in progress\n' });
    const args = ['-C', repo.dir, 'schedule', 'set-interval', 'fraud-detector', '2h'];
    const refused = await cli(args);
    expect(refused.code).toBe(3);
    expect(refused.err).toContain('the registry folder has uncommitted changes');
    expect(refused.err).toContain('--allow-dirty');
    expect(await repo.head()).toBe(head);
    // Outside the registry folder nothing counts; with --allow-dirty it runs.
    const allowed = await cli([...args, '--allow-dirty']);
    expect(allowed.code, allowed.err).toBe(0);
    expect(await repo.head()).not.toBe(head);
  });

  it('unhold --dry-run checks the version is held and writes nothing', async () => {
    const repo = await registryRepo((r) =>
      r.writeFiles({
        'registry/models/fraud-detector/versions/v3.yaml': held(),
      }),
    );
    const head = await repo.head();
    const dry = await cli([
      '-C',
      repo.dir,
      'unhold',
      'fraud-detector',
      'v3',
      '--reason',
      'fixed',
      '--dry-run',
    ]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('would clear held');
    expect(await repo.head()).toBe(head);
    const notHeld = await cli([
      '-C',
      repo.dir,
      'unhold',
      'fraud-detector',
      'v2',
      '--reason',
      'x',
      '--dry-run',
    ]);
    expect(notHeld.code).toBe(1);
    expect(notHeld.err).toContain('not held');
  });

  it('a dirty file outside the registry folder does not block', async () => {
    const repo = await registryRepo();
    writeFileSync(join(repo.dir, 'README.md'), 'scratch\n');
    const run = await cli(['-C', repo.dir, 'schedule', 'set-interval', 'fraud-detector', '2h']);
    expect(run.code, run.err).toBe(0);
    expect(existsSync(join(repo.dir, 'README.md'))).toBe(true);
  });
});

/** v3 of the example registry, marked held. */
function held(): string {
  const v3 = readFileSync(join(ROOT, 'registry/models/fraud-detector/versions/v3.yaml'), 'utf8');
  return `${v3.trimEnd()}\nheld:\n  at: "2026-11-20T10:00:00Z"\n  by: oncall\n  reason: rolled back\n`;
}
