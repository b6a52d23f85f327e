// `tollgate incident ack|escalate|escalate --due|stats` on a real clone: one commit each, or none.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { Incident } from '../../src/registry/types.ts';
import { hours, promotedFraudRepo, type TestRepo } from '../rollback/repo.ts';

const repos: TestRepo[] = [];
afterEach(() => {
  repos.splice(0).forEach((r) => r.remove());
  vi.restoreAllMocks();
});

async function cli(args: string[], atHours: number, actor = 'oncall') {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const code = await main(args, {
    ...process.env,
    TOLLGATE_NOW: hours(atHours).toISOString(),
    GITHUB_ACTOR: actor,
    TOLLGATE_NOTIFY_WEBHOOK: '',
    TOLLGATE_SLACK_WEBHOOK: '',
    TOLLGATE_PAGERDUTY_ROUTING_KEY: '',
  });
  vi.restoreAllMocks();
  return { code, out, err };
}

const record = (r: TestRepo): Incident => {
  const [file] = readdirSync(join(r.dir, 'registry/incidents')).filter((f) => f.endsWith('.yaml'));
  return load(readFileSync(join(r.dir, 'registry/incidents', file!), 'utf8')) as Incident;
};

describe('tollgate incident response tracking', () => {
  it('escalates an unacknowledged P2 once past its hour, then records the acknowledgement and reports it', async () => {
    const r = await promotedFraudRepo(repos);
    expect(
      (await cli(['-C', r.dir, 'incident', 'open', 'fraud', '--metric', 'error_rate=0.07'], 100)).code,
    ).toBe(0);
    const id = record(r).id;
    const head = async () => r.git(['rev-parse', 'HEAD']);

    const early = await cli(['-C', r.dir, 'incident', 'escalate', '--due'], 100.9);
    expect(early.out).toContain('nothing to escalate');
    const before = await head();
    const due = await cli(['-C', r.dir, 'incident', 'escalate', '--due'], 101.5);
    expect(due.code).toBe(0);
    expect(due.out).toContain(
      `due: ${id}: not acknowledged within 1h 00m 00s (P2 response time); waited 1h 30m 00s`,
    );
    expect(await r.git(['rev-list', '--count', `${before}..HEAD`])).toBe('1');
    expect((await r.git(['log', '-1', '--format=%(trailers:key=Tollgate-Event,valueonly)'])).trim()).toBe(
      'incident-escalated',
    );
    expect(record(r).escalations).toEqual([
      expect.objectContaining({
        severity: 'P2',
        by: 'tollgate-bot',
        at: hours(101.5).toISOString().replace('.000Z', 'Z'),
      }),
    ]);
    // Once per level: the next sweep changes nothing.
    const again = await head();
    expect((await cli(['-C', r.dir, 'incident', 'escalate', '--due'], 102)).out).toContain(
      'nothing to escalate',
    );
    expect(await head()).toBe(again);

    const acked = await cli(['-C', r.dir, 'incident', 'ack', id], 102, 'alice');
    expect(acked.code).toBe(0);
    expect(record(r)).toMatchObject({ acknowledged_by: 'alice', severity: 'P2' });
    const twice = await cli(['-C', r.dir, 'incident', 'ack', id], 102.1, 'bob');
    expect(twice.code).not.toBe(0);
    expect(twice.err).toContain('already acknowledged by alice');

    const raised = await cli(
      ['-C', r.dir, 'incident', 'escalate', id, '--to', 'P0', '--reason', 'outage'],
      102.2,
      'carol',
    );
    expect(raised.out).toContain(
      `${id} P0: escalated to P0 (from P2): on-call, ml-lead, cto; by carol: outage`,
    );
    const down = await cli(['-C', r.dir, 'incident', 'escalate', id, '--to', 'P3'], 102.3);
    expect(down.err).toContain('cannot escalate');

    const stats = await cli(['-C', r.dir, 'incident', 'stats', '--format', 'json'], 103);
    const response = (
      JSON.parse(stats.out) as { response: { perSeverity: { severity: string; toAck: unknown }[] } }
    ).response;
    // Acknowledged 2 h after detection; the incident is now a P0 whose target is 5 minutes.
    expect(response.perSeverity.find((s) => s.severity === 'P0')!.toAck).toEqual({
      count: 1,
      median: 7200,
      p90: 7200,
      worst: 7200,
    });
    const text = await cli(['-C', r.dir, 'incident', 'stats'], 103);
    expect(text.out).toContain('P0: to ack 2h 00m 00s / 2h 00m 00s / 2h 00m 00s over 1 (target 5m 00s)');
    expect(text.out).toContain(`${id}  P0  acknowledged after 2h 00m 00s (target 5m 00s)`);
    expect(await r.git(['status', '--porcelain'])).toBe('');

    const shown = await cli(['-C', r.dir, 'incident', 'show', id], 103);
    expect(shown.out).toContain('  acknowledged: 2026-');
    expect(shown.out).toContain('by alice (after 2h 00m 00s)');
    expect(shown.out).toMatch(/escalations: {2}P2 at .* by tollgate-bot; P0 at .* by carol/);
    const listed = await cli(
      ['-C', r.dir, 'incident', 'list', '--status', 'open', '--severity', 'P0', '--format', 'json'],
      103,
    );
    expect((JSON.parse(listed.out) as Incident[]).map((i) => i.id)).toEqual([id]);
    expect((await cli(['-C', r.dir, 'incident', 'list', '--since', '2099-01-01'], 103)).out).toBe(
      'no incidents\n',
    );
    expect((await cli(['-C', r.dir, 'incident', 'list', '--model', 'other'], 103)).out).toBe(
      'no incidents\n',
    );
    expect((await cli(['-C', r.dir, 'incident', 'list', '--status', 'closed'], 103)).code).toBe(2);
  });
});

describe('tollgate incident escalate --due and retrain failure streaks', () => {
  it('opens one incident through the severity matrix when a streak reaches the limit, once per streak', async () => {
    const { registryRepo, cli: run, FRAUD_SCHEDULE } = await import('./registry-repo.ts');
    const repo = await registryRepo((r) =>
      r.writeFiles({
        [FRAUD_SCHEDULE]: readFileSync(join(r.dir, FRAUD_SCHEDULE), 'utf8').replace(
          'failure_streak: 0',
          "failure_streak: 2\nlast_failure_reason: feature feed timed out\ncooldown_until: '2099-01-01T00:00:00Z'",
        ),
      }),
    );
    const head = await repo.head();
    const dry = await run(['-C', repo.dir, 'incident', 'escalate', '--due', '--dry-run']);
    expect(dry.out).toContain('fraud-detector: P3: the retrain failure streak reached 2');
    expect(await repo.head()).toBe(head);
    const swept = await run(['-C', repo.dir, 'incident', 'escalate', '--due']);
    expect(swept.code).toBe(0);
    expect(await repo.git(['rev-list', '--count', `${head}..HEAD`])).toBe('1');
    const schedule = load(readFileSync(join(repo.dir, FRAUD_SCHEDULE), 'utf8')) as {
      streak_escalated_at?: string;
    };
    expect(schedule.streak_escalated_at).toBeDefined();
    const changed = (await repo.git(['diff', '--name-only', head, 'HEAD'])).trim().split('\n').sort();
    expect(changed).toEqual(
      [FRAUD_SCHEDULE, expect.stringMatching(/^registry\/incidents\/INC-.*\.yaml$/)].sort(),
    );
    const file = changed.find((f) => f.includes('/incidents/'))!;
    const incident = load(readFileSync(join(repo.dir, file), 'utf8')) as Incident;
    expect(incident).toMatchObject({
      severity: 'P3',
      models: ['fraud-detector'],
      metrics: { failure_streak: 2 },
      description: 'last failure: feature feed timed out',
    });
    const again = await run(['-C', repo.dir, 'incident', 'escalate', '--due']);
    expect(again.out).toContain('nothing to escalate');
    expect(await repo.git(['rev-list', '--count', `${head}..HEAD`])).toBe('1');
  });
});
