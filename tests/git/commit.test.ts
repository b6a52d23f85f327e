import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { commitChange, commitFilesToBranch, formatCommitMessage } from '../../src/git/commit.ts';
import { commitsTouching, parseCommitMessage } from '../../src/git/history.ts';
import { cleanupRepos, dateEnv, makeRepo, type Repo } from './repo-fixture.ts';

afterAll(cleanupRepos);

const trailers = {
  'Tollgate-Event': 'promote',
  Model: 'fraud',
  Version: 'v5',
  'Requested-By': 'alice',
  Incident: ['INC-20260101-000000-ab', 'INC-20260102-000000-cd'],
};

async function snapshot(repo: Repo) {
  return {
    head: await repo.git(['rev-parse', 'HEAD']),
    branch: await repo.git(['symbolic-ref', 'HEAD']),
    index: await repo.git(['ls-files', '--stage']),
    status: await repo.git(['status', '--porcelain']),
  };
}

describe('formatCommitMessage', () => {
  it('puts trailers after a blank line, one value per line', () => {
    expect(formatCommitMessage('Promote\n\nwhy\n', { A: 'x', B: ['y', 'z'] })).toBe(
      'Promote\n\nwhy\n\nA: x\nB: y\nB: z\n',
    );
  });

  it('round-trips any one-line trailer values through the parser', () => {
    const key = fc.stringMatching(/^[A-Z][A-Za-z0-9-]{0,15}$/);
    const value = fc
      .string({ minLength: 1, maxLength: 40 })
      .filter((v) => !/[\r\n]/.test(v) && v.trim() !== '');
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.array(value, { minLength: 1, maxLength: 3 }), { minKeys: 1 }),
        (trailers) => {
          const parsed = parseCommitMessage(formatCommitMessage('Subject\n\nBody.', trailers));
          const expected = Object.fromEntries(
            Object.entries(trailers).map(([k, vs]) => [k, vs.map((v) => v.trim())]),
          );
          expect(parsed.trailers).toEqual(expected);
          expect(parsed.body).toBe('Body.');
        },
      ),
    );
  });

  it('refuses a newline in a value and a malformed key', () => {
    expect(() => formatCommitMessage('m', { Model: 'a\nVersion: forged' })).toThrow(/newline/);
    expect(() => formatCommitMessage('m', { 'Bad Key': 'x' })).toThrow(/trailer key/);
  });
});

describe('commitChange', () => {
  it('commits only the given paths and the trailers round-trip through git log', async () => {
    const repo = await makeRepo({ 'registry/a.yaml': '1', 'other.txt': 'o' });
    repo.writeFiles({ 'registry/a.yaml': '2', 'registry/new.yaml': 'n', 'other.txt': 'user work' });
    const sha = await commitChange(repo.dir, {
      paths: ['registry/a.yaml', 'registry/new.yaml'],
      message: 'Promote fraud',
      trailers,
      author: { name: 'Alice', email: 'alice@example.com' },
      env: dateEnv('2026-03-01T00:00:00Z'),
    });
    expect(await repo.git(['show', '--name-only', '--format=', sha])).toBe(
      'registry/a.yaml\nregistry/new.yaml',
    );
    expect(await repo.git(['status', '--porcelain'])).toBe(' M other.txt');
    const [commit] = await commitsTouching(repo.dir, [], { maxCount: 1 });
    expect(commit).toMatchObject({ sha, authorName: 'Alice', subject: 'Promote fraud' });
    expect(commit!.trailers).toEqual({
      'Tollgate-Event': ['promote'],
      Model: ['fraud'],
      Version: ['v5'],
      'Requested-By': ['alice'],
      Incident: ['INC-20260101-000000-ab', 'INC-20260102-000000-cd'],
    });
  });

  it('commits a deletion and refuses when nothing changed', async () => {
    const repo = await makeRepo({ 'registry/a.yaml': '1', 'registry/b.yaml': 'b' });
    await expect(
      commitChange(repo.dir, { paths: ['registry/a.yaml'], message: 'm', trailers: {} }),
    ).rejects.toThrow(/nothing to commit/);
    repo.writeFiles({ 'registry/b.yaml': null });
    const sha = await commitChange(repo.dir, {
      paths: ['registry/b.yaml'],
      message: 'remove b',
      trailers: {},
    });
    expect(await repo.git(['show', '--name-status', '--format=', sha])).toBe('D\tregistry/b.yaml');
  });

  it('leaves what the user staged out of the commit', async () => {
    const repo = await makeRepo({ 'registry/a.yaml': '1', 'staged.txt': 's' });
    repo.writeFiles({ 'staged.txt': 'staged by user', 'registry/a.yaml': '2' });
    await repo.git(['add', 'staged.txt']);
    const sha = await commitChange(repo.dir, { paths: ['registry/a.yaml'], message: 'm', trailers: {} });
    expect(await repo.git(['show', '--name-only', '--format=', sha])).toBe('registry/a.yaml');
    expect(await repo.git(['status', '--porcelain'])).toBe('M  staged.txt');
  });

  it('commits onto another branch without touching HEAD, index or working tree', async () => {
    const repo = await makeRepo({ 'registry/stages.yaml': 'production: v4\n', 'notes.txt': 'n' });
    repo.writeFiles({ 'registry/stages.yaml': 'production: v5\n', 'notes.txt': 'dirty' });
    await repo.git(['add', 'notes.txt']);
    const before = await snapshot(repo);
    const sha = await commitChange(repo.dir, {
      paths: ['registry/stages.yaml'],
      message: 'Promote fraud v5 to production',
      trailers,
      branch: 'tollgate/promote/fraud/production',
    });
    expect(await snapshot(repo)).toEqual(before);
    expect(readFileSync(join(repo.dir, 'registry/stages.yaml'), 'utf8')).toBe('production: v5\n');
    expect(await repo.git(['rev-parse', 'tollgate/promote/fraud/production'])).toBe(sha);
    expect(await repo.git(['rev-parse', `${sha}^`])).toBe(before.head);
    expect(await repo.git(['show', `${sha}:registry/stages.yaml`])).toBe('production: v5');
    expect(await repo.git(['show', '--name-only', '--format=', sha])).toBe('registry/stages.yaml');
  });
});

describe('commitFilesToBranch', () => {
  it('writes, deletes and refuses a no-op or the checked-out branch', async () => {
    const repo = await makeRepo({ 'registry/a.yaml': 'a', 'registry/b.yaml': 'b' });
    const before = await snapshot(repo);
    const sha = await commitFilesToBranch(repo.dir, {
      baseRef: 'main',
      branch: 'feature',
      files: [
        { path: 'registry/a.yaml', content: 'A' },
        { path: 'registry/b.yaml', content: null },
        { path: 'registry/c/d.yaml', content: Buffer.from([0xff, 0x00, 0x41]) },
      ],
      message: 'update',
      trailers: { 'Tollgate-Event': 'test' },
    });
    expect(await snapshot(repo)).toEqual(before);
    expect(await repo.git(['ls-tree', '-r', '--name-only', sha])).toBe('registry/a.yaml\nregistry/c/d.yaml');
    expect(await repo.git(['cat-file', '-s', `${sha}:registry/c/d.yaml`])).toBe('3');
    await expect(
      commitFilesToBranch(repo.dir, {
        baseRef: 'feature',
        branch: 'feature',
        files: [{ path: 'registry/a.yaml', content: 'A' }],
        message: 'again',
        trailers: {},
      }),
    ).rejects.toThrow(/nothing to commit/);
    await expect(
      commitFilesToBranch(repo.dir, {
        baseRef: 'main',
        branch: 'main',
        files: [{ path: 'x', content: 'x' }],
        message: 'm',
        trailers: {},
      }),
    ).rejects.toThrow(/checked out/);
    await expect(
      commitFilesToBranch(repo.dir, {
        baseRef: 'main',
        branch: 'other',
        files: [{ path: '../escape', content: 'x' }],
        message: 'm',
        trailers: {},
      }),
    ).rejects.toThrow(/repository-relative/);
  });
});
