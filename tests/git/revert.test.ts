import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitsTouching } from '../../src/git/history.ts';
import { revertCommits } from '../../src/git/revert.ts';
import { TollgateError } from '../../src/errors.ts';
import { cleanupRepos, makeRepo } from './repo-fixture.ts';

afterAll(cleanupRepos);

describe('revertCommits', () => {
  it('reverts several commits newest first into one commit with trailers', async () => {
    const repo = await makeRepo({ 'stages.yaml': 'production: v3\n', 'a.txt': 'a' });
    repo.writeFiles({ 'stages.yaml': 'production: v4\n' });
    const v4 = await repo.commitAll('Promote v4');
    repo.writeFiles({ 'stages.yaml': 'production: v5\n', 'b.txt': 'b' });
    const v5 = await repo.commitAll('Promote v5');
    // Given oldest first on purpose: the order must not matter.
    const sha = await revertCommits(repo.dir, [v4, v5], {
      trailers: { 'Tollgate-Event': 'rollback', Model: 'fraud' },
    });
    expect(await repo.git(['show', `${sha}:stages.yaml`])).toBe('production: v3');
    expect(await repo.git(['ls-tree', '--name-only', sha])).toBe('a.txt\nstages.yaml');
    const [commit] = await commitsTouching(repo.dir, [], { maxCount: 1 });
    expect(commit!.subject).toBe('Revert 2 commits');
    expect(commit!.body).toContain(`This reverts commit ${v5}`);
    expect(commit!.trailers).toEqual({ 'Tollgate-Event': ['rollback'], Model: ['fraud'] });
    expect(await repo.git(['status', '--porcelain'])).toBe('');
  });

  it('reverts a merge commit against its first parent', async () => {
    const repo = await makeRepo({ 'stages.yaml': 'production: v3\n' });
    await repo.git(['checkout', '--quiet', '-b', 'promote']);
    repo.writeFiles({ 'stages.yaml': 'production: v4\n' });
    await repo.commitAll('Promote v4');
    await repo.git(['checkout', '--quiet', 'main']);
    repo.writeFiles({ 'other.txt': 'o' });
    await repo.commitAll('unrelated');
    await repo.git(['merge', '--quiet', '--no-ff', '-m', 'Merge promotion', 'promote'], {
      GIT_AUTHOR_DATE: '2026-05-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2026-05-01T00:00:00Z',
    });
    const merge = await repo.head();
    const sha = await revertCommits(repo.dir, [merge], { trailers: { 'Tollgate-Event': 'rollback' } });
    expect(await repo.git(['show', `${sha}:stages.yaml`])).toBe('production: v3');
    expect(await repo.git(['log', '-1', '--format=%s', sha])).toBe('Revert "Merge promotion"');
  });

  it('on a conflict leaves HEAD, index and working tree exactly as they were', async () => {
    const repo = await makeRepo({ 'stages.yaml': 'production: v3\n' });
    repo.writeFiles({ 'stages.yaml': 'production: v4\n', 'added.txt': 'added by v4' });
    const v4 = await repo.commitAll('Promote v4');
    repo.writeFiles({ 'stages.yaml': 'production: v5\n' });
    await repo.commitAll('Promote v5');
    const head = await repo.head();
    const error = await revertCommits(repo.dir, [v4], { trailers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as Error).message).toContain('stages.yaml');
    expect(await repo.head()).toBe(head);
    expect(await repo.git(['status', '--porcelain', '--ignored'])).toBe('');
    expect(await repo.git(['rev-parse', '-q', '--verify', 'REVERT_HEAD']).catch(() => 'none')).toBe('none');
  });

  it('commits past an untracked file in the way without touching that file', async () => {
    const repo = await makeRepo({ 'x.yaml': 'x', 'keep.txt': 'k' });
    repo.writeFiles({ 'x.yaml': null });
    const removal = await repo.commitAll('remove x');
    repo.writeFiles({ 'x.yaml': 'my untracked work' });
    const head = await repo.head();
    const sha = await revertCommits(repo.dir, [removal], { trailers: {} });
    expect(await repo.git(['rev-parse', `${sha}^`])).toBe(head);
    expect(await repo.git(['show', `${sha}:x.yaml`])).toBe('x');
    // The user's file is theirs: it stays, and git shows it as a change against the new commit.
    expect(readFileSync(join(repo.dir, 'x.yaml'), 'utf8')).toBe('my untracked work');
    expect(await repo.git(['status', '--porcelain'])).toBe(' M x.yaml');
  });

  it('refuses a commit outside HEAD; a dirty file elsewhere is neither committed nor touched', async () => {
    const repo = await makeRepo({ 'a.txt': '1', 'b.txt': 'b' });
    repo.writeFiles({ 'a.txt': '2' });
    const c = await repo.commitAll('c');
    await repo.git(['checkout', '--quiet', '-b', 'side', 'HEAD~1']);
    repo.writeFiles({ 'b.txt': 'side' });
    const side = await repo.commitAll('side');
    await repo.git(['checkout', '--quiet', 'main']);
    await expect(revertCommits(repo.dir, [side], { trailers: {} })).rejects.toThrow(/not in the history/);
    repo.writeFiles({ 'b.txt': 'dirty' });
    const sha = await revertCommits(repo.dir, [c], { trailers: {} });
    expect(await repo.git(['show', '--name-only', '--format=', sha])).toBe('a.txt');
    expect(readFileSync(join(repo.dir, 'a.txt'), 'utf8')).toBe('1');
    expect(await repo.git(['status', '--porcelain'])).toBe(' M b.txt');
  });
});
