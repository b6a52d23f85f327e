import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitTreeReader as gitReader } from '../../src/git/reader.ts';

let repo: string;
const sh = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_DATE: '2026-11-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2026-11-01T00:00:00Z',
    },
  }).trim();

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'tollgate-git-reader-'));
  sh('init', '-q', '-b', 'main');
  sh('config', 'user.name', 'Test');
  sh('config', 'user.email', 'test@example.com');
  await mkdir(join(repo, 'reg/models/a'), { recursive: true });
  await writeFile(join(repo, 'reg/policy.yaml'), 'first\n');
  await writeFile(join(repo, 'reg/models/a/model.yaml'), 'model\n');
  await writeFile(join(repo, 'outside.yaml'), 'not in the registry\n');
  await symlink('../../policy.yaml', join(repo, 'reg/models/a/stages.yaml'));
  sh('add', '.');
  sh('commit', '-qm', 'one');
  await writeFile(join(repo, 'reg/policy.yaml'), 'second\n');
  sh('commit', '-qam', 'two');
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('gitReader', () => {
  it('lists and reads the registry as committed at a ref', async () => {
    const reader = gitReader(repo, 'HEAD~1', 'reg');
    expect(reader.label).toBe('HEAD~1');
    expect(await reader.list('')).toEqual(['models/a/model.yaml', 'models/a/stages.yaml', 'policy.yaml']);
    expect(await reader.list('models/a')).toEqual(['models/a/model.yaml', 'models/a/stages.yaml']);
    expect((await reader.read('policy.yaml'))?.toString()).toBe('first\n');
    expect((await gitReader(repo, 'HEAD', 'reg').read('policy.yaml'))?.toString()).toBe('second\n');
    expect(await reader.read('models/b/model.yaml')).toBeUndefined();
  });

  it('refuses a committed symbolic link', async () => {
    await expect(gitReader(repo, 'HEAD', 'reg').read('models/a/stages.yaml')).rejects.toThrow(/symbolic link/);
  });
});
