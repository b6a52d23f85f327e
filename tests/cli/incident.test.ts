import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { commitsTouching } from '../../src/git/history.ts';
import type { Incident, Stages } from '../../src/registry/types.ts';
import { FRAUD_STAGES, hours, promotedFraudRepo, type TestRepo } from '../rollback/repo.ts';

const STAGES = FRAUD_STAGES;
const repos: TestRepo[] = [];
afterEach(() => {
  repos.splice(0).forEach((r) => r.remove());
  vi.restoreAllMocks();
});

const fixture = (): Promise<TestRepo> => promotedFraudRepo(repos);

async function cli(
  args: string[],
  atHours: number,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const env = {
    ...process.env,
    TOLLGATE_NOW: hours(atHours).toISOString(),
    GITHUB_ACTOR: 'oncall',
    // No token: resolve commits its branch locally and prints the pull request it would open.
    GITHUB_TOKEN: '',
    GH_TOKEN: '',
    ...extraEnv,
  };
  const code = await main(args, env);
  vi.restoreAllMocks();
  return { code, out, err };
}

const incidents = (r: TestRepo) =>
  readdirSync(join(r.dir, 'registry/incidents')).filter((f) => f.endsWith('.yaml'));

describe('tollgate incident', () => {
  it('opens a P0, rolls back automatically, resolves, reports stats and drafts a postmortem', async () => {
    const r = await fixture();
    const opened = await cli(
      [
        '-C',
        r.dir,
        'incident',
        'open',
        '--model',
        'fraud',
        '--metric',
        'error_rate=0.7',
        '--alert',
        'errors',
        '--auto-rollback',
      ],
      101,
    );
    expect(opened.err).toBe('');
    expect(opened.out).toMatch(/^INC-20261105-050000-[0-9a-f]{4}: P0 — P0 because error_rate = 0.7/);
    expect(opened.out).toContain('automatic: fraud production v3 -> v2');
    expect((load(readFileSync(join(r.dir, STAGES), 'utf8')) as Stages).stages.production!.version).toBe('v2');
    const [file] = incidents(r);
    const id = file!.replace(/\.yaml$/, '');
    const incident = load(readFileSync(join(r.dir, 'registry/incidents', file!), 'utf8')) as Incident;
    expect(incident.timeline.map((e) => e.event)).toEqual([
      'detected',
      'classified',
      'rollback-started',
      'rollback-completed',
    ]);
    expect(incident.rollback).toMatchObject({ model: 'fraud', stage: 'production', from: 'v3', to: 'v2' });
    // One commit: the record and the rollback it justifies; `rollback` first, so an emergency push of it passes
    // the gate-integrity audit, which finds the incident in the same tree.
    expect(await r.git(['log', '-2', '--format=%s'])).toMatch(
      /^Open incident INC-\S+ and roll back fraud production from v3 to v2\nPromote v3 \(#3\)$/,
    );
    expect((await commitsTouching(r.dir, [], { maxCount: 1 }))[0]!.trailers).toMatchObject({
      'Tollgate-Event': ['rollback', 'incident-opened'],
      Incident: [id],
      Model: ['fraud'],
      Version: ['v2'],
    });
    expect(await r.git(['status', '--porcelain'])).toBe('');

    const head = await r.git(['rev-parse', 'HEAD']);
    const dry = await cli(['-C', r.dir, 'incident', 'resolve', id, '--dry-run'], 102.5);
    expect(dry.out).toContain(`would resolve ${id} after 1h 30m 00s`);
    expect(dry.out).toContain('(dry run: nothing written)');
    expect(await r.git(['branch', '--list', 'tollgate/*'])).toBe('');

    const resolved = await cli(['-C', r.dir, 'incident', 'resolve', id, '--note', 'recovered'], 102.5);
    const branch = `tollgate/postmortem/${id}`;
    expect(resolved.out).toContain(`resolved ${id} after 1h 30m 00s: committed to ${branch}`);
    expect(resolved.out).toContain(`The pull request to open (${branch} -> main):`);
    expect(resolved.out).toContain('labels: tollgate:incident, tollgate:postmortem');
    expect(resolved.out).toContain(`- Postmortem draft: \`registry/incidents/${id}.postmortem.md\``);
    expect(resolved.out).toContain(`Nothing was pushed: \`git push origin ${branch}\``);
    // The checkout is untouched: the resolution and its postmortem draft are one commit on the branch.
    expect(await r.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(await r.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(await r.git(['rev-parse', `${branch}^`])).toBe(head);
    expect((await r.git(['show', '--name-only', '--format=%s', branch])).split('\n')).toEqual([
      `Resolve incident ${id}`,
      '',
      `registry/incidents/${id}.postmortem.md`,
      `registry/incidents/${id}.yaml`,
    ]);
    // The pull request is merged.
    await r.git(['merge', '--ff-only', '--quiet', branch]);
    const draft = readFileSync(join(r.dir, `registry/incidents/${id}.postmortem.md`), 'utf8');
    expect(draft).toContain('- Resolved: 2026-11-05T06:30:00Z (duration: 1h 30m 00s)');
    expect(draft).toContain('## Rollback\n\nfraud `production`: v3 -> v2');

    const stats = await cli(['-C', r.dir, 'incident', 'stats', '--format', 'json'], 103);
    expect(JSON.parse(stats.out)).toMatchObject({
      total: 1,
      open: 0,
      mttr: { meanSeconds: 5400 },
      bySeverity: { P0: 1 },
    });

    const pm = await cli(['-C', r.dir, 'incident', 'postmortem', id, '--write'], 103);
    expect(pm.out).toBe(`registry/incidents/${id}.postmortem.md is already this draft; nothing to commit\n`);
    const md = readFileSync(join(r.dir, `registry/incidents/${id}.postmortem.md`), 'utf8');
    expect(md).toContain('Promote v3 (#3)');
    expect(md).toMatch(
      /Open incident INC-\S+ and roll back fraud production from v3 to v2 \[rollback, incident-opened\]/,
    );
    expect(md).toContain('TODO(author)');
  });

  it('an automatic rollback that is not an emergency is left for a pull request, not recorded as completed', async () => {
    const r = await fixture();
    r.write(
      'registry/policy.yaml',
      "apiVersion: tollgate/v1\nkind: Policy\nroles: {}\nincident:\n  auto_rollback:\n    - {metric: error_rate, op: '>', value: 0.1}\n",
    );
    await r.commit('Policy', 100.5);
    const opened = await cli(
      ['-C', r.dir, 'incident', 'open', 'fraud', '--metric', 'error_rate=0.2', '--auto-rollback'],
      101,
    );
    expect(opened.err).toBe('');
    expect(opened.out).toMatch(/: P1 — /);
    expect(opened.out).toContain(
      'P1 is not an emergency: push it to tollgate/rollback/fraud/production and open a pull request',
    );
    expect((load(readFileSync(join(r.dir, STAGES), 'utf8')) as Stages).stages.production!.version).toBe('v2');
    const [file] = incidents(r);
    const incident = load(readFileSync(join(r.dir, 'registry/incidents', file!), 'utf8')) as Incident;
    expect(incident.timeline.map((e) => e.event)).toEqual([
      'detected',
      'classified',
      'rollback-started',
      'note',
    ]);
    expect(incident.timeline.at(-1)!.detail).toContain('it completes when merged');
    const stats = await cli(['-C', r.dir, 'incident', 'stats', '--format', 'json'], 102);
    expect(JSON.parse(stats.out)).toMatchObject({ timeToRollback: { count: 0 } });
  });

  it('takes the model as a positional, lists incidents, and reports MTTR by severity and per incident', async () => {
    const r = await fixture();
    const dry = await cli(
      ['-C', r.dir, 'incident', 'open', 'fraud', '--metric', 'error_rate=0.07', '--dry-run'],
      101,
    );
    expect(dry.out).toMatch(/^INC-20261105-050000-[0-9a-f]{4}: P2 — P2 because error_rate = 0.07/);
    expect(dry.out).toContain('(dry run: nothing written)');
    expect(existsSync(join(r.dir, 'registry/incidents'))).toBe(false);
    expect((await cli(['-C', r.dir, 'incident', 'list'], 101)).out).toBe('no incidents\n');

    await cli(['-C', r.dir, 'incident', 'open', 'fraud', '--metric', 'error_rate=0.07'], 101);
    await cli(['-C', r.dir, 'incident', 'open', 'fraud', '--metric', 'availability=0.2'], 102);
    const ids = incidents(r).map((f) => f.replace(/\.yaml$/, ''));
    const [p2, p0] = ids.sort();
    await cli(['-C', r.dir, 'incident', 'resolve', p0!], 103);
    await r.git(['merge', '--ff-only', '--quiet', `tollgate/postmortem/${p0}`]);
    const listed = (await cli(['-C', r.dir, 'incident', 'list'], 103)).out.split('\n').filter(Boolean);
    expect(listed.map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      [p0, 'P0', 'resolved'],
      [p2, 'P2', 'open'],
    ]);
    expect((await cli(['-C', r.dir, 'incident', 'list', '--open'], 103)).out).not.toContain(p0!);

    const stats = await cli(['-C', r.dir, 'incident', 'stats'], 103);
    expect(stats.out).toContain('MTTR by severity:\n    P0: mean 1h 00m 00s, median 1h 00m 00s over 1');
    expect(stats.out).toContain(`    ${p2}  P2  0s / — / —`);
    expect(stats.out).toContain(`    ${p0}  P0  0s / — / 1h 00m 00s`);
  });

  it('notifies TOLLGATE_NOTIFY_WEBHOOK after the rollback; a failing webhook is recorded and blocks nothing', async () => {
    const bodies: string[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const r = await fixture();
      const env = { TOLLGATE_NOTIFY_WEBHOOK: url };
      const args = [
        '-C',
        r.dir,
        'incident',
        'open',
        'fraud',
        '--metric',
        'error_rate=0.7',
        '--auto-rollback',
      ];
      status = 500;
      const failed = await cli(args, 101, env);
      expect(failed.out).toMatch(/notification-failed: http:\/\/127\.0\.0\.1:\d+ answered 500/);
      expect((load(readFileSync(join(r.dir, STAGES), 'utf8')) as Stages).stages.production!.version).toBe(
        'v2',
      );
      const [file] = incidents(r);
      const recorded = load(readFileSync(join(r.dir, 'registry/incidents', file!), 'utf8')) as Incident;
      expect(recorded.timeline.map((e) => e.event)).toEqual([
        'detected',
        'classified',
        'rollback-started',
        'rollback-completed',
        'notification-failed',
      ]);
      expect((JSON.parse(bodies[0]!) as { text: string }).text).toContain(
        'rollback-completed: fraud production v3 -> v2',
      );

      status = 200;
      const ok = await cli(
        ['-C', r.dir, 'incident', 'open', 'fraud', '--metric', 'error_rate=0.07'],
        102,
        env,
      );
      expect(ok.out).toContain('notified: posted to http://127.0.0.1');
      expect(bodies).toHaveLength(2);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('refuses to roll back automatically during a promotion, and records why', async () => {
    const r = await fixture();
    const opened = await cli(
      [
        '-C',
        r.dir,
        'incident',
        'open',
        '--model',
        'fraud',
        '--metric',
        'error_rate=0.7',
        '--auto-rollback',
        '--promotion-in-flight',
      ],
      101,
    );
    expect(opened.out).toContain('promotion of this model is in flight');
    expect((load(readFileSync(join(r.dir, STAGES), 'utf8')) as Stages).stages.production!.version).toBe('v3');
    const incident = load(
      readFileSync(join(r.dir, 'registry/incidents', incidents(r)[0]!), 'utf8'),
    ) as Incident;
    expect(incident.timeline.at(-1)).toMatchObject({ event: 'rollback-skipped' });
  });

  it('records a rollback made by hand on the incident, for time-to-rollback', async () => {
    const r = await fixture();
    // P0: an emergency push, so the rollback commit completes the rollback on the record (a P1's pull request
    // completes it when merged).
    await cli(['-C', r.dir, 'incident', 'open', '--model', 'fraud', '--metric', 'error_rate=0.7'], 101);
    const id = incidents(r)[0]!.replace(/\.yaml$/, '');
    const rolled = await cli(['-C', r.dir, 'rollback', 'fraud', '--incident', id], 101.25);
    expect(rolled.code).toBe(0);
    const incident = load(readFileSync(join(r.dir, `registry/incidents/${id}.yaml`), 'utf8')) as Incident;
    expect(incident.timeline.at(-1)).toMatchObject({ event: 'rollback-completed', duration: 900 });
    expect(incident.rollback).toMatchObject({ from: 'v3', to: 'v2' });
    const stats = await cli(['-C', r.dir, 'incident', 'stats', '--format', 'json'], 102);
    expect(JSON.parse(stats.out).timeToRollback).toEqual({ count: 1, meanSeconds: 900, medianSeconds: 900 });
    expect(await r.git(['status', '--porcelain'])).toBe('');
  });

  it('explains a bad metric and writes nothing on --dry-run', async () => {
    const r = await fixture();
    const bad = await cli(
      ['-C', r.dir, 'incident', 'open', '--model', 'fraud', '--metric', 'error_rate=high'],
      101,
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('metric "error_rate=high": value "high" is not a finite number');
    const dry = await cli(
      ['-C', r.dir, 'incident', 'open', '--model', 'fraud', '--metric', 'accuracy_drop=0.06', '--dry-run'],
      101,
    );
    expect(dry.out).toContain('P3');
    expect(dry.out).toContain('dry run');
    expect(await r.git(['status', '--porcelain'])).toBe('');
  });

  it("prints the severity and the rollback it would make for the issue's own example, writing nothing", async () => {
    const r = await fixture();
    const head = await r.git(['rev-parse', 'HEAD']);
    const dry = await cli(
      [
        '-C',
        r.dir,
        'incident',
        'open',
        'fraud',
        '--metric',
        'error_rate=0.7',
        '--metric',
        'latency_increase_pct=20',
        '--alert',
        'FraudErrors',
        '--dry-run',
      ],
      101,
    );
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(
      /^INC-\d{8}-\d{6}-[a-z0-9]{4}: P0 — P0 because error_rate = 0\.7 \(threshold error_rate > 0\.5\)/,
    );
    expect(dry.out).toContain('fraud: automatic: fraud production v3 -> v2 because error_rate > 0.5');
    expect(dry.out).toContain('(dry run: nothing written)');
    expect(await r.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(await r.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
  });
});
