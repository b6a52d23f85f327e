// `tollgate retrains list|show` on the example registry.
import { afterEach, describe, expect, it } from 'vitest';
import type { RetrainRequest } from '../../src/registry/types.ts';
import { cleanupRepos } from '../git/repo-fixture.ts';
import { cli, registryRepo } from './registry-repo.ts';

afterEach(cleanupRepos);

describe('tollgate retrains', () => {
  it('lists every model’s retrain requests newest first, and filters by model, status and date', async () => {
    const repo = await registryRepo();
    const all = await cli(['-C', repo.dir, 'retrains', 'list', '--format', 'json']);
    expect(all.code).toBe(0);
    const requests = JSON.parse(all.out) as RetrainRequest[];
    expect(new Set(requests.map((r) => r.model)).size).toBeGreaterThan(1);
    const times = requests.map((r) => Date.parse(r.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // `list` is the default subcommand.
    expect((await cli(['-C', repo.dir, 'retrains', '--format', 'json'])).out).toBe(all.out);

    const fraud = JSON.parse(
      (await cli(['-C', repo.dir, 'retrains', 'list', 'fraud-detector', '--format', 'json'])).out,
    ) as RetrainRequest[];
    expect(fraud.map((r) => r.id)).toEqual(
      requests.filter((r) => r.model === 'fraud-detector').map((r) => r.id),
    );
    expect(fraud.length).toBeGreaterThan(1);

    const text = await cli(['-C', repo.dir, 'retrains', 'list', 'fraud-detector', '--since', '2026-10-08']);
    const lines = text.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+MODEL\s+STATUS\s+CREATED\s+TRIGGER\s+OUTCOME$/);
    expect(lines.at(-1)).toMatch(
      /^fraud-r2\s+fraud-detector\s+completed\s+2026-10-08T00:00:00Z\s+schedule \(tollgate-scheduler\)\s+v2$/,
    );
    expect(lines.slice(1).every((l) => l.includes('fraud-detector'))).toBe(true);

    expect((await cli(['-C', repo.dir, 'retrains', 'list', '--status', 'failed'])).out).toBe(
      'no retrain requests match\n',
    );
    expect((await cli(['-C', repo.dir, 'retrains', 'list', '--status', 'broken'])).code).toBe(2);
    expect((await cli(['-C', repo.dir, 'retrains', 'list', '--since', 'yesterday'])).code).toBe(1);
    const unknown = await cli(['-C', repo.dir, 'retrains', 'list', 'fraud-detectr']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no model fraud-detectr');
  });

  it('shows one request, as text or JSON; an unknown id exits 1', async () => {
    const repo = await registryRepo();
    const text = await cli(['-C', repo.dir, 'retrains', 'show', 'fraud-r2']);
    expect(text.code).toBe(0);
    expect(text.out.split('\n').slice(0, 4)).toEqual([
      'fraud-r2  fraud-detector  completed',
      'file:       models/fraud-detector/retrains/fraud-r2.yaml',
      'reason:     weekly retrain',
      'trigger:    schedule by tollgate-scheduler',
    ]);
    expect(text.out).toContain('run:        https://github.com/acme/models/actions/runs/1001');
    expect(text.out).toContain('version:    v2');
    const json = JSON.parse(
      (await cli(['-C', repo.dir, 'retrains', 'show', 'fraud-r2', '--format', 'json'])).out,
    ) as RetrainRequest & { file: string };
    expect(json).toMatchObject({
      id: 'fraud-r2',
      model: 'fraud-detector',
      status: 'completed',
      version: 'v2',
    });
    const missing = await cli(['-C', repo.dir, 'retrains', 'show', 'fraud-r99']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no retrain request fraud-r99');
    expect((await cli(['-C', repo.dir, 'retrains', 'show'])).code).toBe(2);
  });

  it('a model named like a subcommand stays reachable: `retrains list list`', async () => {
    const repo = await registryRepo();
    const r = await cli(['-C', repo.dir, 'retrains', 'list', 'list']);
    // No such model in the example registry: the name is read as a model, not as a subcommand.
    expect(r.code).toBe(1);
    expect(r.err).toContain('no model list');
  });
});
