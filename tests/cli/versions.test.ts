// `tollgate versions MODEL` on the example registry.
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../src/registry/types.ts';
import { cleanupRepos } from '../git/repo-fixture.ts';
import { cli, registryRepo } from './registry-repo.ts';

afterEach(cleanupRepos);

describe('tollgate versions', () => {
  it('lists versions newest first with their stages, and filters by stage, status and date', async () => {
    const repo = await registryRepo();
    const all = await cli(['-C', repo.dir, 'versions', 'fraud-detector', '--format', 'json']);
    expect(all.code).toBe(0);
    const versions = JSON.parse(all.out) as (ModelVersion & { stages: string[] })[];
    expect(versions.length).toBeGreaterThan(1);
    const times = versions.map((v) => Date.parse(v.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const live = versions.filter((v) => v.stages.includes('production'));
    expect(live).toHaveLength(1);

    const prod = await cli([
      '-C',
      repo.dir,
      'versions',
      'fraud-detector',
      '--stage',
      'production',
      '--format',
      'json',
    ]);
    expect((JSON.parse(prod.out) as ModelVersion[]).map((v) => v.id)).toEqual([live[0]!.id]);
    const text = await cli(['-C', repo.dir, 'versions', 'fraud-detector', '--stage', 'production']);
    expect(text.out).toMatch(new RegExp(`^${live[0]!.id}\\s+\\S+\\s+passed\\s+\\[[^\\]]*production`));
    const future = await cli(['-C', repo.dir, 'versions', 'fraud-detector', '--since', '2099-01-01']);
    expect(future.out).toBe('no versions of fraud-detector match\n');
    expect((await cli(['-C', repo.dir, 'versions', 'fraud-detectr'])).err).toContain(
      'no model fraud-detectr',
    );
    expect((await cli(['-C', repo.dir, 'versions', 'fraud-detector', '--status', 'odd'])).code).toBe(2);
  });
});
