import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvidence, writeEvidenceBundle, type Evidence } from '../../src/evidence/bundle.ts';
import { tarGz } from '../../src/evidence/tar.ts';
import { buildScenario, P0, pullRequestThreeReviews, removeRepo, type Scenario } from './repo.ts';

let s: Scenario;
const outRoot = mkdtempSync(join(tmpdir(), 'tollgate-bundle-'));
beforeAll(async () => {
  s = await buildScenario();
});
afterAll(() => {
  removeRepo(s.repo);
  rmSync(outRoot, { recursive: true, force: true });
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const reviews = pullRequestThreeReviews;

describe('collectEvidence', () => {
  it('collects a model: commits, stage history, versions with runs, validation, drift and fairness, incidents', async () => {
    const progress: string[] = [];
    const ev = await collectEvidence(s.repo.dir, { model: 'fraud' }, { onProgress: (m) => progress.push(m) });
    expect(ev.head).toBe(await headOf(s));
    expect(ev.commits.map((c) => c.sha)).not.toContain(s.squashNoTrailers); // model "other"
    expect(ev.commits.map((c) => c.sha)).toContain(s.directPush);
    // The incidents that name the model come with their own commits and records.
    expect(ev.commits.map((c) => c.sha)).toContain(s.incidentP0);
    expect(ev.events.find((e) => e.sha === s.incidentP0)).toMatchObject({
      event: 'incident-opened',
      incident: P0,
    });
    expect(ev.records.map((r) => r.path)).toContain(`registry/incidents/${P0}.yaml`);
    const times = ev.commits.map((c) => Date.parse(c.committer.date));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(ev.stageHistory.filter((t) => t.stage === 'production').map((t) => t.version)).toEqual([
      'v1',
      'v2',
      'v3',
      'v2',
    ]);
    expect(ev.versions.map((v) => v.version)).toEqual(['v1', 'v2', 'v3']);
    expect(ev.versions[1]).toMatchObject({
      run: { url: 'https://github.com/org/repo/actions/runs/200', workflow: 'retrain', actor: 'alice' },
      drift: { psi: 0.05 },
      fairness: { demographic_parity: 0.97 },
      validation: { passed: true },
    });
    expect(ev.incidents.map((i) => [i.id, i.severity])).toEqual([
      [P0, 'P0'],
      ['INC-20260101-140000-def', 'P2'],
    ]);
    expect(ev.rollbacks.map((r) => r.sha)).toEqual([s.emergency, s.badEmergency]);
    expect(ev.events.some((e) => e.source === 'audit-file' && e.event === 'schedule-paused')).toBe(true);
    expect(ev.warnings).toContain(
      'reviews and gate checks are not in git: export with GitHub access to include them',
    );
    expect(ev.pullRequests.map((p) => [p.number, p.reviewsKnown, p.mergeCommit])).toEqual([
      [1, false, s.pr1.merge],
      [2, false, s.pr2.merge],
      [3, false, s.squash3],
    ]);
    expect(progress.length).toBeGreaterThan(2);
  });

  it('narrows to a version: the commits that recorded it, moved it in and moved it out', async () => {
    const ev = await collectEvidence(s.repo.dir, { model: 'fraud', version: 'v3' });
    expect(ev.commits.map((c) => c.sha)).toEqual([s.emergency, s.directPush]);
    expect(ev.stageHistory.map((t) => [t.stage, t.version, t.sha])).toEqual([
      ['production', 'v3', s.directPush],
    ]);
    expect(ev.records.map((r) => `${r.sha.slice(0, 7)}:${r.path}`).sort()).toEqual(
      [
        `${s.directPush.slice(0, 7)}:registry/models/fraud/stages.yaml`,
        `${s.directPush.slice(0, 7)}:registry/models/fraud/versions/v3.yaml`,
        `${s.emergency.slice(0, 7)}:registry/models/fraud/stages.yaml`,
      ].sort(),
    );
  });

  it('collects a pull request with reviewers, the roles they held at the merge, and the gate verdict', async () => {
    const ev = await collectEvidence(s.repo.dir, { pr: 3 }, { reviews });
    expect(ev.commits.map((c) => c.sha)).toEqual([s.squash3]);
    expect(ev.pullRequests).toEqual([
      expect.objectContaining({
        number: 3,
        found: true,
        reviewsKnown: true,
        mergeCommit: s.squash3,
        gate: expect.objectContaining({ conclusion: 'success' }),
        reviews: [
          expect.objectContaining({ reviewer: 'rita', roles: ['risk'], state: 'APPROVED' }),
          expect.objectContaining({ reviewer: 'olga', roles: ['model-owner'] }),
        ],
      }),
    ]);
    // The tenure it ended is kept too: the pull request moved production from v1 to v2.
    expect(ev.stageHistory.map((t) => [t.stage, t.version])).toEqual([
      ['production', 'v1'],
      ['production', 'v2'],
    ]);
  });

  it('collects an incident and a time window', async () => {
    const inc = await collectEvidence(s.repo.dir, { incident: P0 });
    expect(inc.commits.map((c) => c.sha)).toEqual([s.emergency, s.incidentP0]);
    expect(inc.incidents.map((i) => i.id)).toEqual([P0]);
    expect(inc.rollbacks.map((r) => r.sha)).toEqual([s.emergency]);
    const window = await collectEvidence(s.repo.dir, {
      since: '2026-01-01T05:00:00Z',
      until: '2026-01-01T06:00:00Z',
    });
    expect(window.commits.map((c) => c.sha)).toEqual([s.directPush, s.squash3]);
  });

  it('refuses unsafe subjects', async () => {
    await expect(collectEvidence(s.repo.dir, { model: '../etc' })).rejects.toThrow();
    await expect(collectEvidence(s.repo.dir, { incident: 'nope' })).rejects.toThrow(/incident id/);
  });
});

async function headOf(scenario: Scenario): Promise<string> {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: scenario.repo.dir, encoding: 'utf8' }).trim();
}

describe('writeEvidenceBundle', () => {
  let ev: Evidence;
  beforeAll(async () => {
    ev = await collectEvidence(s.repo.dir, { model: 'fraud' });
  });

  it('writes a manifest whose hashes match every file and the tarball', async () => {
    const dir = join(outRoot, 'a');
    const manifest = await writeEvidenceBundle(ev, dir);
    const paths = manifest.files.map((f) => f.path);
    for (const name of [
      'commits.json',
      'pull-requests.json',
      'runs.json',
      'validation.json',
      'drift.json',
      'fairness.json',
      'incidents.json',
      'rollbacks.json',
      'report.html',
      'report.md',
    ])
      expect(paths).toContain(name);
    expect(paths).toContain(`records/${s.directPush}/registry/models/fraud/versions/v3.yaml`);
    for (const f of manifest.files) expect(sha256(readFileSync(join(dir, f.path))), f.path).toBe(f.sha256);
    expect(sha256(readFileSync(join(dir, 'bundle.tar.gz')))).toBe(manifest.tarball.sha256);
    const onDisk = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(manifest)));
    const commits = JSON.parse(readFileSync(join(dir, 'commits.json'), 'utf8'));
    expect(commits[0]).toMatchObject({ signature: { status: 'none' }, trailers: expect.any(Array) });
  });

  it('writes the same tarball bytes twice, and tar lists and extracts it', async () => {
    const one = join(outRoot, 'one');
    const two = join(outRoot, 'two');
    const m1 = await writeEvidenceBundle(ev, one);
    const m2 = await writeEvidenceBundle(await collectEvidence(s.repo.dir, { model: 'fraud' }), two);
    expect(readFileSync(join(one, 'bundle.tar.gz')).equals(readFileSync(join(two, 'bundle.tar.gz')))).toBe(
      true,
    );
    expect(m1).toEqual(m2);
    const listed = execFileSync('tar', ['-tzf', join(one, 'bundle.tar.gz')], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(listed).toEqual(m1.files.map((f) => f.path));
    const out = join(outRoot, 'extracted');
    mkdirSync(out, { recursive: true });
    execFileSync('tar', ['-xzf', join(one, 'bundle.tar.gz'), '-C', out]);
    for (const f of m1.files) expect(sha256(readFileSync(join(out, f.path))), f.path).toBe(f.sha256);
  });

  it('keeps long paths with a ustar prefix', () => {
    const long = `records/${'a'.repeat(40)}/registry/models/${'m'.repeat(60)}/versions/${'v'.repeat(50)}.yaml`;
    const dir = join(outRoot, 'long');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 't.tar.gz');
    writeFileSync(file, tarGz([{ path: long, data: Buffer.from('x') }], 0));
    expect(execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim()).toBe(long);
  });

  it('refuses a folder that is not empty', async () => {
    const dir = join(outRoot, 'a');
    await expect(writeEvidenceBundle(ev, dir)).rejects.toThrow(/not empty/);
  });
});
