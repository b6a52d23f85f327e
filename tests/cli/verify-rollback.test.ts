// `tollgate verify-rollback`: the health criteria against a metrics file after --settle, one commit with the
// result; exit 1 when unhealthy; --no-verify records the reason.
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/registry/types.ts';
import { cleanupRepos } from '../git/repo-fixture.ts';
import { cli, registryRepo, trailersOf } from './registry-repo.ts';

afterEach(cleanupRepos);

async function repoWith(metrics: Record<string, number>) {
  return registryRepo((repo) => {
    const file = join(repo.dir, 'registry/policy.yaml');
    const policy = load(readFileSync(file, 'utf8')) as Policy;
    policy.monitoring = { ...policy.monitoring, source: { kind: 'file', path: 'live/${model}.json' } };
    writeFileSync(file, dump(policy));
    repo.writeFiles({ 'live/fraud-detector.json': JSON.stringify({ stages: { production: { metrics } } }) });
  });
}

describe('tollgate verify-rollback', () => {
  it('records rollback-verified in one commit when every criterion holds', async () => {
    const repo = await repoWith({ error_rate: 0.01, latency_p95: 150, availability: 0.995 });
    const before = await repo.head();
    const run = await cli(['-C', repo.dir, 'verify-rollback', 'fraud-detector', '--settle', '0']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('rollback of fraud-detector production to v4 verified healthy after 0s');
    expect(await repo.git(['rev-parse', 'HEAD~1'])).toBe(before);
    expect(await trailersOf(repo, 'HEAD')).toMatchObject({
      'Tollgate-Event': ['rollback-verified'],
      Version: ['v4'],
    });
  });

  it('exits 1 and records rollback-unhealthy when a criterion fails (p95 in ms)', async () => {
    const repo = await repoWith({ error_rate: 0.01, latency_p95: 450, availability: 0.995 });
    const run = await cli(['-C', repo.dir, 'verify-rollback', 'fraud-detector', '--settle', '0']);
    expect(run.code).toBe(1);
    expect(run.out).toContain('latency_p95 < 200: 450 FAILED');
    expect(await trailersOf(repo, 'HEAD')).toMatchObject({ 'Tollgate-Event': ['rollback-unhealthy'] });
  });

  it('--no-verify records why it was skipped', async () => {
    const repo = await repoWith({});
    const run = await cli([
      '-C',
      repo.dir,
      'verify-rollback',
      'fraud-detector',
      '--no-verify',
      'serving logs checked by hand',
    ]);
    expect(run.code).toBe(0);
    const file = (await repo.git(['show', '--name-only', '--format=', 'HEAD'])).trim();
    expect(load(readFileSync(join(repo.dir, file), 'utf8'))).toMatchObject({
      event: 'rollback-verification-skipped',
      details: { reason: 'serving logs checked by hand' },
    });
  });
});
