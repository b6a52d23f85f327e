// Two writers race to push to the same branch of the double's bare remote. The loser is rejected
// (non-fast-forward), fetches, rebases and pushes again; the API then reports the final commit.
// The double's side is tested driving git directly, then Tollgate's own pushWithRetry wins the race.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { pushWithRetry } from '../../src/git/push.ts';
import { git, runGit } from '../../src/git/run.ts';
import { getRef } from '../../src/github/refs.ts';
import { useGitHubDouble } from './harness.ts';
import { ISOLATED_GIT_ENV } from './git-store.ts';

const gh = useGitHubDouble();
let work: string;
const env = {
  ...ISOLATED_GIT_ENV,
  GIT_AUTHOR_DATE: '2026-01-02T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-02T00:00:00Z',
};

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-push-race-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function clone(remote: string, name: string): Promise<string> {
  const dir = join(work, name);
  await git(work, ['clone', '--quiet', remote, dir], { env });
  await git(dir, ['config', 'user.name', name], { env });
  await git(dir, ['config', 'user.email', `${name}@example.com`], { env });
  return dir;
}

async function commit(dir: string, file: string, content: string): Promise<void> {
  await writeFile(join(dir, file), content);
  await git(dir, ['add', file], { env });
  await git(dir, ['commit', '--quiet', '-m', `add ${file}`], { env });
}

it('a rejected push is resolved by fetch, rebase and retry, and the API sees the result', async () => {
  const { gitDir } = await gh.state.createRepo('acme/models');
  const a = await clone(gitDir, 'a');
  const b = await clone(gitDir, 'b');
  await commit(a, 'a.txt', 'a\n');
  await commit(b, 'b.txt', 'b\n');

  await git(a, ['push', '--quiet', 'origin', 'main'], { env });
  const rejected = await runGit(b, ['push', '--quiet', 'origin', 'main'], { env, okCodes: [1] });
  expect(rejected.code).toBe(1);
  expect(rejected.stderr).toMatch(/rejected|fetch first|non-fast-forward/);

  await git(b, ['fetch', '--quiet', 'origin'], { env });
  await git(b, ['rebase', '--quiet', 'origin/main'], { env });
  await git(b, ['push', '--quiet', 'origin', 'main'], { env });

  const local = await git(b, ['rev-parse', 'HEAD'], { env });
  const client = gh.client();
  expect(await getRef(client, { owner: 'acme', repo: 'models' }, 'main')).toBe(local);
  const files = await git(gitDir, ['ls-tree', '--name-only', 'main'], { env });
  expect(files.split('\n').sort()).toEqual(['README.md', 'a.txt', 'b.txt']);
});

it('an API ref update that is not a fast-forward is refused while a push moved the branch', async () => {
  const { gitDir } = await gh.state.createRepo('acme/models');
  const client = gh.client();
  const repo = { owner: 'acme', repo: 'models' };
  // A flow computed `side` from main, then someone pushed to main before the flow updated the ref.
  const side = await gh.state.commit('acme/models', 'side', { 's.txt': 's' }, 'side');
  const a = await clone(gitDir, 'a');
  await commit(a, 'a.txt', 'a\n');
  await git(a, ['push', '--quiet', 'origin', 'main'], { env });
  await expect(
    client.octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: side, force: false }),
  ).rejects.toThrow(/not a fast forward/);
});

it('pushWithRetry wins the race against the double by fetch, rebase, retry', async () => {
  const { gitDir } = await gh.state.createRepo('acme/models');
  const a = await clone(gitDir, 'a');
  const b = await clone(gitDir, 'b');
  await commit(a, 'a.txt', 'a\n');
  await commit(b, 'b.txt', 'b\n');
  await git(a, ['push', '--quiet', 'origin', 'main'], { env });

  const result = await pushWithRetry(b, { remote: 'origin', branch: 'main', env });
  expect(result.attempts).toBe(2);
  expect(await getRef(gh.client(), { owner: 'acme', repo: 'models' }, 'main')).toBe(result.sha);
  const files = await git(gitDir, ['ls-tree', '--name-only', 'main'], { env });
  expect(files.split('\n').sort()).toEqual(['README.md', 'a.txt', 'b.txt']);
});
