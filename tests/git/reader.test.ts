import { afterAll, describe, expect, it } from 'vitest';
import { git } from '../../src/git/run.ts';
import {
  gitTreeReader,
  listFiles,
  ObjectReader,
  readObjects,
  workingTreeReader,
} from '../../src/git/reader.ts';
import { cleanupRepos, makeRepo } from './repo-fixture.ts';

afterAll(cleanupRepos);

describe('gitTreeReader', () => {
  it('lists and reads registry files at a ref, byte for byte', async () => {
    const repo = await makeRepo({
      'registry/policy.yaml': 'kind: Policy\n',
      'registry/models/fraud/model.yaml': 'name: fraud — ünïcode\n',
      'outside.txt': 'x',
    });
    const first = await repo.head();
    repo.writeFiles({ 'registry/policy.yaml': 'kind: Policy # changed\n' });
    await repo.commitAll('change');
    const reader = gitTreeReader(repo.dir, first);
    expect(reader.label).toBe(first);
    expect(await reader.list('')).toEqual(['models/fraud/model.yaml', 'policy.yaml']);
    expect(await reader.list('models')).toEqual(['models/fraud/model.yaml']);
    expect((await reader.read('policy.yaml'))?.toString()).toBe('kind: Policy\n');
    expect((await reader.read('models/fraud/model.yaml'))?.toString()).toBe('name: fraud — ünïcode\n');
    expect(await reader.read('missing.yaml')).toBeUndefined();
  });

  it('reads many files in one batch', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++)
      files[`registry/audit/2026/01/${String(i).padStart(4, '0')}.yaml`] = `id: ${i}\n`;
    const repo = await makeRepo(files);
    const reader = gitTreeReader(repo.dir, 'HEAD');
    const paths = await reader.list('audit');
    const contents = await Promise.all(paths.map((p) => reader.read(p)));
    expect(contents.map((c) => c?.toString())).toEqual(paths.map((_, i) => `id: ${i}\n`));
  });

  it('reads one after another, large and binary files exact, and again after close', async () => {
    const big = 'x'.repeat(300_000) + '\n';
    const repo = await makeRepo({
      'registry/big.yaml': big,
      'registry/a.yaml': 'a\n',
      'registry/b.yaml': 'b\n',
    });
    const reader = gitTreeReader(repo.dir, 'HEAD');
    expect((await reader.read('a.yaml'))?.toString()).toBe('a\n');
    expect((await reader.read('big.yaml'))?.toString()).toBe(big);
    expect((await reader.read('b.yaml'))?.toString()).toBe('b\n');
    reader.close();
    expect((await reader.read('a.yaml'))?.toString()).toBe('a\n');
    reader.close();
  });

  it('refuses a symbolic link instead of following it', async () => {
    const repo = await makeRepo({ 'secret.txt': 'secret', 'registry/policy.yaml': 'p' });
    repo.symlink('registry/models/fraud/model.yaml', '../../../secret.txt');
    await repo.commitAll('link');
    const reader = gitTreeReader(repo.dir, 'HEAD');
    expect(await reader.list('')).toContain('models/fraud/model.yaml');
    await expect(reader.read('models/fraud/model.yaml')).rejects.toThrow(/symbolic link/);
    const tree = workingTreeReader(repo.dir);
    await expect(tree.read('models/fraud/model.yaml')).rejects.toThrow(/symbolic link/);
  });

  it('refuses a registry folder that is itself a link', async () => {
    const repo = await makeRepo({ 'real/policy.yaml': 'p' });
    repo.symlink('registry', 'real');
    await repo.commitAll('link the registry');
    await expect(gitTreeReader(repo.dir, 'HEAD').list('')).rejects.toThrow(/symbolic link/);
    await expect(workingTreeReader(repo.dir).list('')).rejects.toThrow(/symbolic link/);
  });
});

describe("gitTreeReader through a caller's reader", () => {
  it('lists what ls-tree lists and reads the same bytes, refusing links as it does, and leaves the reader open', async () => {
    const repo = await makeRepo({
      'registry/policy.yaml': 'kind: Policy\n',
      'registry/models/fraud/model.yaml': 'name: fraud\n',
      'registry/models/fraud/versions/v1.yaml': 'id: v1\n',
      'registry/audit/2026/01/a.yaml': 'id: a\n',
      'registry-notes.txt': 'not in the registry',
      'secret.txt': 'secret',
    });
    repo.symlink('registry/models/churn/model.yaml', '../../../secret.txt');
    await repo.commitAll('link');
    const shared = new ObjectReader(repo.dir);
    try {
      const own = gitTreeReader(repo.dir, 'HEAD', 'registry');
      const through = gitTreeReader(repo.dir, 'HEAD', 'registry/', shared);
      expect(await through.list('')).toEqual(await own.list(''));
      expect(await through.list('models/fraud')).toEqual([
        'models/fraud/model.yaml',
        'models/fraud/versions/v1.yaml',
      ]);
      for (const path of await own.list('')) {
        if (path.endsWith('churn/model.yaml')) continue;
        expect((await through.read(path))?.toString()).toBe((await own.read(path))?.toString());
      }
      await expect(through.read('models/churn/model.yaml')).rejects.toThrow(/symbolic link/);
      own.close();
      through.close();
      // The caller's reader still answers: closing the registry reader did not end it.
      expect((await shared.lookup('HEAD:secret.txt'))?.content.toString()).toBe('secret');
      expect(await gitTreeReader(repo.dir, 'HEAD', 'nowhere', shared).list('')).toEqual([]);
      expect(await gitTreeReader(repo.dir, 'HEAD', 'secret.txt', shared).list('')).toEqual([]);
    } finally {
      shared.close();
    }
  });

  it('refuses a registry folder that is itself a link', async () => {
    const repo = await makeRepo({ 'real/policy.yaml': 'p' });
    repo.symlink('registry', 'real');
    await repo.commitAll('link the registry');
    const shared = new ObjectReader(repo.dir);
    try {
      await expect(gitTreeReader(repo.dir, 'HEAD', 'registry', shared).list('')).rejects.toThrow(
        /symbolic link/,
      );
    } finally {
      shared.close();
    }
  });
});

describe('ObjectReader.lookup and readObjects', () => {
  it('answers any object name with its type, and undefined (in step) for names that match nothing', async () => {
    const repo = await makeRepo({ 'registry/a b.yaml': 'a\n', 'registry/c.yaml': 'c\n' });
    const head = await repo.head();
    const objects = await readObjects(repo.dir, [
      'HEAD:registry/a b.yaml',
      'HEAD:registry/no such file.yaml',
      'refs/heads/nope',
      'HEAD:registry/c.yaml',
      'HEAD',
      'two\nlines',
    ]);
    expect(objects.get('HEAD:registry/a b.yaml')?.content.toString()).toBe('a\n');
    expect(objects.get('HEAD:registry/no such file.yaml')).toBeUndefined();
    expect(objects.get('refs/heads/nope')).toBeUndefined();
    expect(objects.get('HEAD:registry/c.yaml')).toMatchObject({ type: 'blob' });
    expect(objects.get('HEAD:registry/c.yaml')?.content.toString()).toBe('c\n');
    expect(objects.get('HEAD')).toMatchObject({ oid: head, type: 'commit' });
    expect(objects.get('two\nlines')).toBeUndefined();
    const reader = new ObjectReader(repo.dir);
    await expect(reader.read('0'.repeat(40))).rejects.toThrow(/is missing/);
    // A read made right after close() in the same tick still reaches the new git process.
    const dropped = reader.read('HEAD:registry/c.yaml');
    reader.close();
    const after = reader.read('HEAD:registry/c.yaml');
    await expect(dropped).rejects.toThrow(/closed/);
    expect((await after).toString()).toBe('c\n');
    reader.close();
  });
});

describe('listFiles', () => {
  it('lists what `git ls-tree -r` lists below each path, through the reader, and nothing for a missing path', async () => {
    const repo = await makeRepo({
      'registry/audit/2026/01/e1.yaml': 'a\n',
      'registry/audit/2026/02/e 2.yaml': 'b\n',
      'registry/audit/top.yaml': 'c\n',
      'registry/incidents/INC-1.yaml': 'd\n',
      'registry/models/m/model.yaml': 'e\n',
    });
    const paths = ['registry/audit/', 'registry/incidents', 'registry/models/m/model.yaml', 'registry/none/'];
    const listed = (await git(repo.dir, ['ls-tree', '-r', '-z', 'HEAD', '--', ...paths]))
      .split('\0')
      .filter((l) => l !== '')
      .map((l) => ({ oid: l.split('\t')[0]!.split(' ')[2]!, path: l.split('\t')[1]! }));
    const reader = new ObjectReader(repo.dir);
    try {
      expect(await listFiles(reader, 'HEAD', paths)).toEqual(listed);
      expect(listed).toHaveLength(5);
    } finally {
      reader.close();
    }
  });
});

describe('workingTreeReader', () => {
  it('lists and reads uncommitted files', async () => {
    const repo = await makeRepo({ 'registry/policy.yaml': 'p' });
    repo.writeFiles({ 'registry/models/m/model.yaml': 'm' });
    const reader = workingTreeReader(repo.dir, 'registry');
    expect(await reader.list('')).toEqual(['models/m/model.yaml', 'policy.yaml']);
    expect((await reader.read('models/m/model.yaml'))?.toString()).toBe('m');
    expect(await reader.read('models/none.yaml')).toBeUndefined();
    expect(await reader.list('nothing-here')).toEqual([]);
  });
});
