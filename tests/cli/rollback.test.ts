import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { Incident, ModelVersion } from '../../src/registry/types.ts';
import { hours, promotedFraudRepo, type TestRepo } from '../rollback/repo.ts';

const repos: TestRepo[] = [];
afterEach(() => {
  repos.splice(0).forEach((r) => r.remove());
  vi.restoreAllMocks();
});

const fixture = (): Promise<TestRepo> => promotedFraudRepo(repos);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const env = { ...process.env, TOLLGATE_NOW: hours(101).toISOString(), GITHUB_ACTOR: 'oncall' };
  const code = await main(args, env);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('tollgate rollback', () => {
  it('shows the plan on --dry-run and writes nothing', async () => {
    const r = await fixture();
    const head = await r.git(['rev-parse', 'HEAD']);
    const { code, out } = await cli(['-C', r.dir, 'rollback', 'fraud', '--dry-run']);
    expect(code).toBe(0);
    expect(out).toContain('fraud production: v3 -> v2 (dry run: nothing written)');
    expect(out).toContain('held production for 52h 00m 00s');
    expect(out).toMatch(
      /would revert 1 commit\(s\), newest first:\n {4}[0-9a-f]{12} {2}2026-11-05T04:00:00Z {2}v2 -> v3 {2}#3/,
    );
    expect(out).toContain('would mark fraud v3 held');
    expect(await r.git(['rev-parse', 'HEAD'])).toBe(head);
  });

  it('rolls back, records the incident and actor, and then unholds', async () => {
    const r = await fixture();
    const rolled = await cli([
      '-C',
      r.dir,
      'rollback',
      'fraud',
      '--incident',
      'INC-20261105-050000-ab12',
      '--format',
      'json',
    ]);
    expect(rolled.code).toBe(0);
    const report = JSON.parse(rolled.out);
    expect(report).toMatchObject({
      dryRun: false,
      plan: { target: 'v2' },
      result: { mode: 'revert', held: 'v3' },
    });
    const v3 = load(
      readFileSync(join(r.dir, 'registry/models/fraud/versions/v3.yaml'), 'utf8'),
    ) as ModelVersion;
    expect(v3.held).toMatchObject({ by: 'oncall', incident: 'INC-20261105-050000-ab12' });

    const again = await cli(['-C', r.dir, 'rollback', 'fraud', '--to', 'v3']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('fraud v3 is held');
    expect(again.err).toContain('tollgate unhold fraud v3');

    const unheld = await cli([
      '-C',
      r.dir,
      'unhold',
      'fraud',
      'v3',
      '--reason',
      'fixed the feature pipeline',
    ]);
    expect(unheld.code).toBe(0);
    expect(unheld.out).toContain('unheld fraud v3');
    const after = load(
      readFileSync(join(r.dir, 'registry/models/fraud/versions/v3.yaml'), 'utf8'),
    ) as ModelVersion;
    expect(after.held).toBeUndefined();
    expect((await r.git(['log', '-1', '--format=%(trailers:key=Tollgate-Event,valueonly)'])).trim()).toBe(
      'unhold',
    );
  });

  it('records the rollback on the named incident in the rollback commit itself', async () => {
    const r = await fixture();
    // P0: an emergency push, so the commit that moves the pointer also completes the rollback on the record.
    expect((await cli(['-C', r.dir, 'incident', 'open', 'fraud', '--metric', 'error_rate=0.7'])).code).toBe(
      0,
    );
    const file = readdirSync(join(r.dir, 'registry/incidents')).find((f) => f.endsWith('.yaml'))!;
    const id = file.replace(/\.yaml$/, '');
    const rolled = await cli(['-C', r.dir, 'rollback', 'fraud', '--incident', id]);
    expect(rolled.err).toBe('');
    expect(rolled.out).toContain(
      `recorded on ${id} in the same commit: rollback-started and rollback-completed`,
    );
    expect(rolled.out).toContain('P0 allows an emergency push, so push it now');
    expect((await r.git(['show', '--name-only', '--format=%s', 'HEAD'])).split('\n')).toEqual([
      'Roll back fraud production from v3 to v2',
      '',
      `registry/incidents/${file}`,
      'registry/models/fraud/stages.yaml',
      'registry/models/fraud/versions/v3.yaml',
    ]);
    const incident = load(readFileSync(join(r.dir, 'registry/incidents', file), 'utf8')) as Incident;
    expect(incident.timeline.slice(2)).toEqual([
      expect.objectContaining({
        event: 'rollback-started',
        detail: expect.stringMatching(
          /^fraud production v3 -> v2; reverts [0-9a-f]{12}; emergency push; by oncall$/,
        ),
      }),
      expect.objectContaining({ event: 'rollback-completed', duration: 0 }),
    ]);
    expect(incident.rollback).toEqual({ model: 'fraud', stage: 'production', from: 'v3', to: 'v2' });
    expect((await r.git(['log', '-1', '--format=%(trailers:key=Rollback-Started,valueonly)'])).trim()).toBe(
      hours(101).toISOString().replace('.000', ''),
    );
  });

  it('records only rollback-started for an incident whose rollback goes through a pull request', async () => {
    const r = await fixture();
    await cli(['-C', r.dir, 'incident', 'open', 'fraud', '--metric', 'error_rate=0.07']);
    const file = readdirSync(join(r.dir, 'registry/incidents')).find((f) => f.endsWith('.yaml'))!;
    const rolled = await cli(['-C', r.dir, 'rollback', 'fraud', '--incident', file.replace(/\.yaml$/, '')]);
    expect(rolled.out).toContain(
      'open a pull request with it (git push origin HEAD:tollgate/rollback/fraud/production)',
    );
    const incident = load(readFileSync(join(r.dir, 'registry/incidents', file), 'utf8')) as Incident;
    expect(incident.timeline.map((e) => e.event)).toEqual(['detected', 'classified', 'rollback-started']);
    expect(incident.timeline[2]!.detail).toContain(
      'pull request from branch tollgate/rollback/fraud/production',
    );
  });

  it('does not roll back a rollback unless --to names the version (double rollback)', async () => {
    const r = await fixture();
    const incident = 'INC-20261105-050000-ab12';
    expect((await cli(['-C', r.dir, 'rollback', 'fraud', '--incident', incident])).code).toBe(0);
    const head = await r.git(['rev-parse', 'HEAD']);
    for (const extra of [[], ['--dry-run']]) {
      const again = await cli(['-C', r.dir, 'rollback', 'fraud', ...extra]);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(
        new RegExp(
          `fraud production \\([0-9a-f]{12}\\) was itself a rollback for ${incident}; Tollgate does not roll back a rollback`,
        ),
      );
      expect(again.err).toContain('--to');
    }
    expect(await r.git(['rev-parse', 'HEAD'])).toBe(head);
    // Named explicitly, it goes ahead: v1 held production before.
    const explicit = await cli(['-C', r.dir, 'rollback', 'fraud', '--to', 'v1', '--format', 'json']);
    expect(explicit.code).toBe(0);
    expect(JSON.parse(explicit.out)).toMatchObject({
      plan: { current: 'v2', target: 'v1' },
      result: { held: 'v2' },
    });
  });

  it("finds an incident's rollback done on a re-run, notes a missing record, and dry-runs an unhold", async () => {
    const r = await fixture();
    const incident = 'INC-20261105-050000-ab12';
    const first = await cli(['-C', r.dir, 'rollback', 'fraud', '--incident', incident]);
    expect(first.code).toBe(0);
    expect(first.err).toContain(`note: no record of ${incident} in this registry`);
    const head = await r.git(['rev-parse', 'HEAD']);
    const again = await cli(['-C', r.dir, 'rollback', 'fraud', '--incident', incident]);
    expect(again.code).toBe(0);
    expect(again.out.trim()).toBe(
      `fraud production was already rolled back for ${incident} in ${head.trim().slice(0, 12)}`,
    );
    const dry = await cli(['-C', r.dir, 'unhold', 'fraud', 'v3', '--reason', 'fixed', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^fraud v3: would clear held \(since .+\) \(dry run: nothing written\)/);
    expect(await r.git(['rev-parse', 'HEAD'])).toBe(head);
    const missing = await cli(['-C', r.dir, 'unhold', 'fraud', 'v9', '--reason', 'x', '--dry-run']);
    expect(missing.err).toContain('fraud v9 is not in the registry');
  });

  it('explains bad input', async () => {
    const r = await fixture();
    expect((await cli(['-C', r.dir, 'rollback'])).err).toContain('rollback: expected MODEL, got 0');
    expect((await cli(['-C', r.dir, 'rollback', 'fraud', '--incident', 'x'])).err).toContain(
      'not an incident id',
    );
    expect((await cli(['-C', r.dir, 'rollback', 'nosuch'])).err).toContain('model nosuch has no stages file');
    expect((await cli(['-C', r.dir, 'rollback', 'fraud', '--to', 'v9'])).err).toContain(
      'v9 never held production',
    );
    expect((await cli(['-C', r.dir, 'unhold', 'fraud', 'v1', '--reason', 'x'])).err).toContain(
      'fraud v1 is not held',
    );
  });

  it('uses stable_for from the policy', async () => {
    const r = await fixture();
    r.write(
      'registry/policy.yaml',
      'apiVersion: tollgate/v1\nkind: Policy\nroles: {}\nrollback:\n  stable_for: 360000\n',
    );
    await r.commit('Policy', 100.5);
    const { err, code } = await cli(['-C', r.dir, 'rollback', 'fraud', '--dry-run']);
    expect(code).toBe(1);
    expect(err).toContain('none held it for 360000 s');
  });
});
