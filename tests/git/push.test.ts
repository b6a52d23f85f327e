import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pushWithRetry } from '../../src/git/push.ts';
import { cleanupRepos, makeBareRemote, makeRepo, tempDir } from './repo-fixture.ts';

afterAll(cleanupRepos);

/** A pre-receive hook that lands someone else's commit on main just before our push is applied. */
function raceHook(remoteDir: string, times: number): void {
  const counter = join(tempDir('tollgate-hook-'), 'count');
  writeFileSync(counter, '0');
  const hook = `#!/bin/sh
# Outside receive-pack's quarantine, as another pusher would be.
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
n=$(cat '${counter}')
if [ "$n" -lt ${times} ]; then
  echo $((n + 1)) > '${counter}'
  tip=$(git rev-parse refs/heads/main)
  tree=$(git rev-parse "$tip^{tree}")
  c=$(echo "racer $n" | GIT_AUTHOR_NAME=r GIT_AUTHOR_EMAIL=r@x GIT_COMMITTER_NAME=r GIT_COMMITTER_EMAIL=r@x git commit-tree "$tree" -p "$tip")
  git update-ref refs/heads/main "$c" "$tip"
fi
exit 0
`;
  const path = join(remoteDir, 'hooks', 'pre-receive');
  writeFileSync(path, hook);
  chmodSync(path, 0o755);
}

describe('pushWithRetry', () => {
  it('fetches, rebases and pushes again when another writer got there first, losing no commit', async () => {
    const seed = await makeRepo({ 'a.txt': 'a' });
    const remote = await makeBareRemote(seed);
    const mine = await remote.clone();
    const theirs = await remote.clone();
    theirs.writeFiles({ 'theirs.txt': 't' });
    await theirs.commitAll('their change');
    await theirs.git(['push', '--quiet', 'origin', 'main']);
    mine.writeFiles({ 'mine.txt': 'm' });
    await mine.commitAll('my change');
    const result = await pushWithRetry(mine.dir, { remote: 'origin', branch: 'main' });
    expect(result.attempts).toBe(2);
    const log = await mine.git(
      ['log', '--format=%s', `--git-dir=${remote.dir}`].slice(0, 2).concat(['origin/main']),
    );
    expect(log).toBe('my change\ntheir change\ninitial');
    expect(await remote.clone().then((c) => c.git(['log', '--format=%s', 'main']))).toBe(
      'my change\ntheir change\ninitial',
    );
  });

  it('survives a race during the push itself', async () => {
    const seed = await makeRepo({ 'a.txt': 'a' });
    const remote = await makeBareRemote(seed);
    raceHook(remote.dir, 2);
    const mine = await remote.clone();
    mine.writeFiles({ 'mine.txt': 'm' });
    await mine.commitAll('my change');
    const result = await pushWithRetry(mine.dir, { remote: 'origin', branch: 'main' });
    expect(result.attempts).toBe(3);
    const check = await remote.clone();
    expect(await check.git(['log', '--format=%s', 'main'])).toBe('my change\nracer 1\nracer 0\ninitial');
  });

  it('rebases a branch that is not checked out without touching the checkout', async () => {
    const seed = await makeRepo({ 'a.txt': 'a' });
    const remote = await makeBareRemote(seed);
    const mine = await remote.clone();
    const theirs = await remote.clone();
    theirs.writeFiles({ 'theirs.txt': 't' });
    await theirs.commitAll('their change');
    await theirs.git(['push', '--quiet', 'origin', 'main']);
    await mine.git(['checkout', '--quiet', '-b', 'work']);
    await mine.git(['branch', '--quiet', '-f', 'main', 'origin/main']);
    await mine.git(['checkout', '--quiet', 'main']);
    mine.writeFiles({ 'mine.txt': 'm' });
    await mine.commitAll('my change');
    await mine.git(['checkout', '--quiet', 'work']);
    mine.writeFiles({ 'dirty.txt': 'untracked work' });
    await pushWithRetry(mine.dir, { remote: 'origin', branch: 'main' });
    expect(await mine.git(['symbolic-ref', '--short', 'HEAD'])).toBe('work');
    expect(await mine.git(['status', '--porcelain'])).toBe('?? dirty.txt');
    expect(await mine.git(['log', '--format=%s', 'main'])).toBe('my change\ntheir change\ninitial');
    expect(
      await mine.git(['worktree', 'list', '--porcelain']).then((t) => t.match(/^worktree /gm)?.length),
    ).toBe(1);
  });

  it('gives up with a clear error after the attempts, keeping the local commit', async () => {
    const seed = await makeRepo({ 'a.txt': 'a' });
    const remote = await makeBareRemote(seed);
    raceHook(remote.dir, 100);
    const mine = await remote.clone();
    mine.writeFiles({ 'mine.txt': 'm' });
    await mine.commitAll('my change');
    await expect(pushWithRetry(mine.dir, { remote: 'origin', branch: 'main', attempts: 3 })).rejects.toThrow(
      /rejected 3 times/,
    );
    expect(await mine.git(['log', '-1', '--format=%s', 'main'])).toBe('my change');
  });

  it('stops at once on a rebase conflict, leaving the branch as it was', async () => {
    const seed = await makeRepo({ 'a.txt': 'a' });
    const remote = await makeBareRemote(seed);
    const mine = await remote.clone();
    const theirs = await remote.clone();
    theirs.writeFiles({ 'a.txt': 'theirs' });
    await theirs.commitAll('their change');
    await theirs.git(['push', '--quiet', 'origin', 'main']);
    mine.writeFiles({ 'a.txt': 'mine' });
    const before = await mine.commitAll('my change');
    await expect(pushWithRetry(mine.dir, { remote: 'origin', branch: 'main' })).rejects.toThrow(/a\.txt/);
    expect(await mine.head()).toBe(before);
    expect(await mine.git(['status', '--porcelain'])).toBe('');
  });
});
