import { afterAll, describe, expect, it } from 'vitest';
import { originUrl } from '../../src/git/client.ts';
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
