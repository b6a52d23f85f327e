import { afterAll, describe, expect, it } from 'vitest';
import {
  assertFullHistory,
  changedPaths,
  commitsTouching,
  isAncestor,
  isShallow,
  mergeBase,
  parseCommitMessage,
  resolveRef,
  WORKTREE,
} from '../../src/git/history.ts';
import { git } from '../../src/git/run.ts';
import { TollgateError } from '../../src/errors.ts';
import { cleanupRepos, makeBareRemote, makeRepo } from './repo-fixture.ts';

afterAll(cleanupRepos);

describe('shallow clones', () => {
  it('detects a depth-1 clone and says how to fix it', async () => {
    const repo = await makeRepo({ 'a.txt': '1' });
    repo.writeFiles({ 'a.txt': '2' });
    await repo.commitAll('second');
    const remote = await makeBareRemote(repo);
    const shallow = await remote.clone({ depth: 1 });
    const full = await remote.clone();
    expect(await isShallow(shallow.dir)).toBe(true);
    expect(await isShallow(full.dir)).toBe(false);
    await expect(assertFullHistory(full.dir)).resolves.toBeUndefined();
    const error = await assertFullHistory(shallow.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).fix).toContain('fetch-depth: 0');
    expect((error as TollgateError).fix).toContain('git fetch --unshallow');
  });
});

describe('refs', () => {
  it('resolves refs, finds merge bases and ancestry, and names a missing ref', async () => {
    const repo = await makeRepo({ 'a.txt': '1' });
    const first = await repo.head();
    await repo.git(['checkout', '--quiet', '-b', 'topic']);
    repo.writeFiles({ 'b.txt': 'b' });
    const topic = await repo.commitAll('topic');
    await repo.git(['checkout', '--quiet', 'main']);
    repo.writeFiles({ 'c.txt': 'c' });
    const main = await repo.commitAll('main');
    expect(await resolveRef(repo.dir, 'topic')).toBe(topic);
    expect(await mergeBase(repo.dir, 'main', 'topic')).toBe(first);
    expect(await isAncestor(repo.dir, first, main)).toBe(true);
    expect(await isAncestor(repo.dir, topic, main)).toBe(false);
    await expect(resolveRef(repo.dir, 'no-such-branch')).rejects.toThrow(/no commit named "no-such-branch"/);
  });
});

describe('changedPaths', () => {
  it('reports additions, modifications, deletions and renames, and the working tree', async () => {
    const repo = await makeRepo({
      'keep.txt': 'k',
      'mod.txt': 'one',
      'gone.txt': 'g',
      'old/name.txt': 'x\n'.repeat(20),
    });
    const base = await repo.head();
    repo.writeFiles({
      'mod.txt': 'two',
      'gone.txt': null,
      'old/name.txt': null,
      'new/name.txt': 'x\n'.repeat(20),
      'add.txt': 'a',
    });
    const head = await repo.commitAll('change');
    expect(await changedPaths(repo.dir, base, head)).toEqual([
      { status: 'A', path: 'add.txt' },
      { status: 'D', path: 'gone.txt' },
      { status: 'M', path: 'mod.txt' },
      { status: 'R', path: 'new/name.txt', oldPath: 'old/name.txt' },
    ]);
    repo.writeFiles({ 'keep.txt': 'changed', 'untracked.txt': 'u' });
    expect(await changedPaths(repo.dir, head, WORKTREE)).toEqual([
      { status: 'M', path: 'keep.txt' },
      { status: 'A', path: 'untracked.txt' },
    ]);
  });
});

describe('commitsTouching', () => {
  it('returns path-limited commits with authors, dates and trailers, newest first', async () => {
    const repo = await makeRepo({ 'registry/a.yaml': '1', 'other.txt': 'o' });
    repo.writeFiles({ 'registry/a.yaml': '2' });
    const promote = await repo.commitAll(
      'Promote fraud to production\n\nCandidate beats v4.\n\nTollgate-Event: promote\nModel: fraud\nVersion: v5\nRequested-By: alice\nModel: second',
      { date: '2026-02-01T10:00:00Z', author: { name: 'Bot', email: 'bot@example.com' } },
    );
    repo.writeFiles({ 'other.txt': 'p' });
    await repo.commitAll('unrelated', { date: '2026-02-02T10:00:00Z' });
    const commits = await commitsTouching(repo.dir, ['registry'], {});
    expect(commits).toHaveLength(2);
    const [latest, initial] = commits;
    expect(latest).toMatchObject({
      sha: promote,
      authorName: 'Bot',
      authorEmail: 'bot@example.com',
      authorDate: '2026-02-01T10:00:00+00:00',
      subject: 'Promote fraud to production',
      body: 'Candidate beats v4.',
      trailers: {
        'Tollgate-Event': ['promote'],
        Model: ['fraud', 'second'],
        Version: ['v5'],
        'Requested-By': ['alice'],
      },
    });
    expect(latest!.parents).toEqual([initial!.sha]);
    expect(initial!.parents).toEqual([]);
    expect(await commitsTouching(repo.dir, ['registry'], { since: '2026-01-31T00:00:00Z' })).toHaveLength(1);
    expect(await commitsTouching(repo.dir, [])).toHaveLength(3);
  });

  it('parses trailers the way git interpret-trailers --parse does', async () => {
    const repo = await makeRepo();
    const messages = [
      'Subject only',
      'Subject\n\nKey: looks like a trailer but is the only body paragraph',
      'Subject\n\nBody text.\n\nTollgate-Event: rollback\nIncident: INC-20260101-000000-ab\n  continued here',
      'Subject\n\nBody.\n\nNot a trailer line\nKey: value',
      'Subject: with colon\n\nSigned-off-by: A <a@example.com>\nSigned-off-by: B <b@example.com>',
    ];
    for (const message of messages) {
      const ours = parseCommitMessage(message).trailers;
      const theirs: Record<string, string[]> = {};
      const parsed = await git(repo.dir, ['interpret-trailers', '--parse'], { input: message });
      for (const line of parsed.split('\n').filter(Boolean)) {
        const at = line.indexOf(':');
        (theirs[line.slice(0, at)] ??= []).push(line.slice(at + 1).trim());
      }
      expect(ours, message).toEqual(theirs);
    }
  });
});
