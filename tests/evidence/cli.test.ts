import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUstar, tarGz } from '../../src/evidence/tar.ts';
import { buildScenario, P0, removeRepo, runCli, type Scenario } from './repo.ts';

let s: Scenario;
const work = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
beforeAll(async () => {
  s = await buildScenario();
});
afterAll(() => {
  removeRepo(s.repo);
  rmSync(work, { recursive: true, force: true });
});

function tollgate(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return tollgateIn(s.repo.dir, ...args);
}

const tollgateIn = (repoRoot: string, ...args: string[]) =>
  runCli(repoRoot, { cwd: work, now: '2026-02-01T00:00:00Z' }, ...args);

describe('tollgate audit', () => {
  it('log lists events, filtered by model and time, as text or JSON', async () => {
    const all = await tollgate('audit', 'log', '--format', 'json');
    const events = JSON.parse(all.out) as { event: string; model?: string }[];
    expect(events.some((e) => e.model === 'other')).toBe(true);
    const fraud = JSON.parse(
      (await tollgate('audit', 'log', '--model', 'fraud', '--format', 'json')).out,
    ) as {
      model?: string;
      event: string;
    }[];
    expect(fraud.every((e) => e.model === 'fraud')).toBe(true);
    expect(fraud.map((e) => e.event)).toContain('schedule-paused');
    const window = await tollgate(
      'audit',
      'log',
      '--since',
      '2026-01-01T05:00:00Z',
      '--until',
      '2026-01-01T05:30:00Z',
    );
    expect(window.out.trim().split('\n')).toHaveLength(1);
    expect(window.out).toContain('Promote fraud v2 to production (#3)');
  });

  it('verify exits 1 with the findings, and shows the allowed emergency push', async () => {
    const r = await tollgate('audit', 'verify', '--since', s.baseline);
    expect(r.code).toBe(1);
    expect(r.out).toContain('3 finding(s)');
    expect(r.out).toContain(`emergency push (allowed by policy)  ${s.emergency.slice(0, 12)}`);
    expect(r.out).toContain(`direct-push  ${s.directPush.slice(0, 12)}`);
    const clean = await tollgate(
      'audit',
      'verify',
      '--since',
      s.squash3,
      '--ref',
      s.squash3,
      '--format',
      'json',
    );
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.out).findings).toEqual([]);
  });

  it('rejects an unknown subcommand with the usage', async () => {
    await expect(tollgate('audit', 'nope')).rejects.toMatchObject({
      fix: expect.stringContaining('audit verify'),
    });
  });
});

describe('tollgate history', () => {
  it('lists tenures and answers --at', async () => {
    const r = await tollgate('history', 'fraud', '--stage', 'production');
    const lines = r.out.trim().split('\n');
    // Four tenures, then which source the reviews came from.
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(/git only/);
    const at = JSON.parse(
      (await tollgate('history', 'fraud', '--at', '2026-01-01T06:30:00Z', '--format', 'json')).out,
    );
    expect(at).toEqual([
      expect.objectContaining({ stage: 'production', holder: expect.objectContaining({ version: 'v3' }) }),
      expect.objectContaining({
        stage: 'staging',
        holder: expect.objectContaining({ version: 'v2', pullRequest: 2 }),
      }),
    ]);
  });
});

describe('tollgate evidence export', () => {
  it('writes the bundle and reports progress on stderr', async () => {
    const r = await tollgate('evidence', 'export', '--model', 'fraud', '--version', 'v2', '--out', 'bundle');
    expect(r.code).toBe(0);
    expect(r.err).toContain('evidence: reading the trail');
    const manifest = JSON.parse(readFileSync(join(work, 'bundle', 'manifest.json'), 'utf8'));
    expect(manifest.title).toBe('model fraud version v2');
    expect(existsSync(join(work, 'bundle', 'bundle.tar.gz'))).toBe(true);
  });

  it('exports a pull request, an incident and a period, each named in its manifest', async () => {
    for (const [args, out, title] of [
      [['--pr', '3'], 'by-pr', 'pull request #3'],
      [['--incident', P0], 'by-incident', `incident ${P0}`],
      [
        ['--since', '2026-01-01T05:00:00Z', '--until', '2026-01-01T06:00:00Z'],
        'by-period',
        'registry changes from 2026-01-01T05:00:00Z to 2026-01-01T06:00:00Z',
      ],
    ] as const) {
      const r = await tollgate('evidence', 'export', ...args, '--out', out);
      expect(r.code, args.join(' ')).toBe(0);
      expect(JSON.parse(readFileSync(join(work, out, 'manifest.json'), 'utf8')).title).toBe(title);
      expect(existsSync(join(work, out, 'bundle.tar.gz'))).toBe(true);
    }
    const commits = (out: string) =>
      (JSON.parse(readFileSync(join(work, out, 'commits.json'), 'utf8')) as { sha: string }[]).map(
        (c) => c.sha,
      );
    expect(commits('by-pr')).toEqual([s.squash3]);
    expect(commits('by-incident')).toEqual([s.emergency, s.incidentP0]);
    expect(commits('by-period')).toEqual([s.directPush, s.squash3]);
  });

  it('needs exactly one subject', async () => {
    await expect(tollgate('evidence', 'export', '--model', 'fraud', '--pr', '3')).rejects.toThrow(
      /exactly one/,
    );
    await expect(tollgate('evidence', 'export', '--version', 'v2')).rejects.toThrow(/exactly one/);
    await expect(tollgate('evidence', 'export', '--since', '2026-01-01')).rejects.toThrow(/both/);
  });
});

describe('on a shallow clone', () => {
  it('every reading command refuses it and says to fetch the full history', async () => {
    const shallow = join(work, 'shallow');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${s.repo.dir}`, shallow], {
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    for (const args of [
      ['audit', 'log'],
      ['audit', 'verify'],
      ['history', 'fraud'],
      ['evidence', 'export', '--model', 'fraud', '--out', 'shallow-bundle'],
    ])
      await expect(tollgateIn(shallow, ...args), args.join(' ')).rejects.toMatchObject({
        message: expect.stringContaining('shallow clone'),
        fix: expect.stringContaining('fetch-depth: 0'),
      });
  });
});

describe('tollgate evidence verify', () => {
  const exportTo = async (name: string) => {
    const r = await tollgate('evidence', 'export', '--model', 'fraud', '--out', name);
    expect(r.code).toBe(0);
    return join(work, name);
  };

  it('passes an untouched bundle, as a folder and as the tarball beside its manifest', async () => {
    const dir = await exportTo('intact');
    const folder = await tollgate('evidence', 'verify', 'intact');
    expect(folder.code).toBe(0);
    expect(folder.out).toContain('OK: every file matches the manifest.');
    const sha = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).tarball.sha256 as string;
    const tarball = await tollgate('evidence', 'verify', join(dir, 'bundle.tar.gz'), '--sha256', sha);
    expect(tarball.code).toBe(0);
    const wrong = await tollgate(
      'evidence',
      'verify',
      'intact',
      '--sha256',
      'f'.repeat(64),
      '--format',
      'json',
    );
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out).problems).toEqual([
      expect.objectContaining({ kind: 'tarball-differs', file: 'bundle.tar.gz' }),
    ]);
  });

  it('names a changed, a removed and an added file, and a changed tarball', async () => {
    const dir = await exportTo('tampered');
    writeFileSync(join(dir, 'pull-requests.json'), '[]\n');
    rmSync(join(dir, 'report.md'));
    writeFileSync(join(dir, 'extra.txt'), 'x');
    const r = await tollgate('evidence', 'verify', 'tampered');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/changed\s+pull-requests\.json: sha256 /);
    expect(r.out).toMatch(/missing\s+report\.md/);
    expect(r.out).toMatch(/unlisted\s+extra\.txt/);
    // The tarball still holds the originals, so it alone still verifies.
    expect((await tollgate('evidence', 'verify', join(dir, 'bundle.tar.gz'))).code).toBe(0);

    const tar = join(dir, 'bundle.tar.gz');
    const bytes = readFileSync(tar);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(tar, bytes);
    const t = await tollgate('evidence', 'verify', tar, '--format', 'json');
    expect(t.code).toBe(1);
    expect(JSON.parse(t.out).problems[0]).toMatchObject({ kind: 'tarball-changed', file: 'bundle.tar.gz' });
  });

  it('names a file changed inside the tarball', async () => {
    const dir = await exportTo('repacked');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const entries = readUstar(gunzipSync(readFileSync(join(dir, 'bundle.tar.gz')))).map((e) =>
      e.path === 'events.json' ? { path: e.path, data: Buffer.from('[]\n') } : e,
    );
    const tarball = tarGz(entries, 0);
    writeFileSync(join(dir, 'bundle.tar.gz'), tarball);
    // Even with the manifest's tarball hash rewritten to match, the file inside is named.
    manifest.tarball.sha256 = createHash('sha256').update(tarball).digest('hex');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const r = await tollgate('evidence', 'verify', 'repacked', '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).problems).toEqual([
      expect.objectContaining({ kind: 'changed', file: 'bundle.tar.gz:events.json' }),
    ]);
  });

  it('refuses a folder without a manifest', async () => {
    await expect(tollgate('evidence', 'verify', '.')).rejects.toThrow(/no manifest.json/);
  });
});
