import { afterAll, describe, expect, it } from 'vitest';
import { originUrl } from '../../src/git/client.ts';
import { checkedOutBranch, commitFields, commitOf } from '../../src/git/history.ts';
import { git } from '../../src/git/run.ts';
import { cleanupRepos, makeRepo, tempDir } from './repo-fixture.ts';

afterAll(cleanupRepos);

describe('originUrl', () => {
  it('is the origin fetch URL as git resolves it, with insteadOf applied', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    expect(await originUrl(repo.dir)).toBeUndefined();
    await repo.git(['remote', 'add', 'upstream', 'https://github.com/other/models.git']);
    expect(await originUrl(repo.dir)).toBeUndefined();
    await repo.git(['remote', 'add', 'origin', 'gh:acme/models.git']);
    await repo.git(['config', 'url.https://github.com/.insteadOf', 'gh:']);
    expect(await originUrl(repo.dir)).toBe('https://github.com/acme/models.git');
  });

  it('is undefined outside a repository', async () => {
    expect(await originUrl(tempDir())).toBeUndefined();
  });
});

describe('commitOf (simple-git rev-parse)', () => {
  it('is the full sha of the commit a ref names, and undefined for anything else', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    const head = await repo.head();
    expect(await commitOf(repo.dir, 'HEAD')).toBe(head);
    expect(await commitOf(repo.dir, head.slice(0, 10))).toBe(head);
    expect(await commitOf(repo.dir, 'HEAD^')).toBeUndefined();
    expect(await commitOf(repo.dir, 'HEAD:a.txt')).toBeUndefined();
    expect(await commitOf(repo.dir, '--output=/tmp/x')).toBeUndefined();
    expect(await commitOf(tempDir(), 'HEAD')).toBeUndefined();
  });
});

describe('checkedOutBranch', () => {
  it('names the branch, also an unborn one, and is empty when detached or outside a repository', async () => {
    const empty = tempDir();
    await git(empty, ['init', '--quiet', '--initial-branch=trunk']);
    expect(await checkedOutBranch(empty)).toBe('trunk');
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    await repo.git(['checkout', '--quiet', '-b', 'topic']);
    expect(await checkedOutBranch(repo.dir)).toBe('topic');
    await repo.git(['checkout', '--quiet', '--detach']);
    expect(await checkedOutBranch(repo.dir)).toBe('');
    expect(await checkedOutBranch(tempDir())).toBe('');
  });
});

describe('commitFields (simple-git log)', () => {
  it('reads the placeholders asked for from one commit, and says when there is none', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    const first = await repo.head();
    repo.writeFiles({ 'a.txt': 'b\n' });
    await repo.commitAll('Second: a subject with | and ; in it\n\nA body.');
    expect(await commitFields(repo.dir, first, { title: '%s', sha: '%H' })).toEqual({
      title: expect.any(String),
      sha: first,
    });
    const head = await commitFields(repo.dir, 'HEAD', { title: '%s', at: '%cI' });
    expect(head.title).toBe('Second: a subject with | and ; in it');
    expect(Number.isNaN(Date.parse(head.at))).toBe(false);
    await expect(commitFields(repo.dir, 'no-such-ref', { title: '%s' })).rejects.toThrow(/no-such-ref/);
  });
});
