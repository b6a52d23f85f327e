// The incident action verifies its own automatic rollback, as the rollback action does: after the settle time (an
// injected sleep) it reads the stage's metrics and records rollback-verified or rollback-unhealthy in the incident's
// record; unhealthy keeps the incident open, escalates it and announces the escalation. A command metrics source is
// refused in this job, which holds the App token and the emergency push key, and the refusal is on the record.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { runIncident, type IncidentDeps } from '../../src/actions/incident.ts';
import { git } from '../../src/git/run.ts';
import type { AuditEvent, Incident, MetricsSourceSpec, Policy } from '../../src/registry/types.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { BOT, MODEL, at, opsFixture, type OpsFixture } from './ops-fixture.ts';

const gh = useGitHubDouble();
let fixture: OpsFixture | undefined;
let metricsDir: string | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
  if (metricsDir) await rm(metricsDir, { recursive: true, force: true });
  metricsDir = undefined;
});

/** A fixture whose policy pushes state, reads metrics from `source` (default: a file of `metrics`), settles 120 s. */
async function setUp(metrics: Record<string, number>, source?: MetricsSourceSpec): Promise<OpsFixture> {
  metricsDir = await mkdtemp(join(tmpdir(), 'tollgate-incident-verify-'));
  const file = join(metricsDir, 'live.json');
  await writeFile(file, JSON.stringify({ stages: { production: { metrics } } }));
  return (fixture = await opsFixture(gh, (text) => {
    const policy = load(text) as Policy;
    policy.monitoring = {
      ...policy.monitoring,
      source: source ?? { kind: 'file', path: file },
      rollback: { settle: 120 },
    };
    policy.state_writes = 'push';
    policy.incident = {
      ...policy.incident,
      notify_webhook: 'https://hooks.example.com/policy',
      emergency_push: ['P0', 'P1'],
    };
    return dump(policy);
  }));
}

async function declare(f: OpsFixture, metrics: string) {
  const slept: number[] = [];
  const posted: { text: string }[] = [];
  const deps: IncidentDeps = {
    client: gh.client(),
    now: at(151),
    clock: () => at(151.1),
    suffix: 'ab12',
    gitEnv: BOT,
    fetch: async (_url, init) => {
      posted.push(JSON.parse(String(init!.body)) as { text: string });
      return new Response('ok');
    },
    verify: { sleep: async (ms) => void slept.push(ms), env: {} },
  };
  const result = await runIncident({ model: MODEL, metrics, dryRun: false }, f.env, deps);
  return { result, slept, posted };
}

const onMain = async (f: OpsFixture, path: string) => load(await git(f.gitDir, ['show', `main:${path}`]));
const auditOnMain = async (f: OpsFixture, event: string) => {
  const files = (await git(f.gitDir, ['ls-tree', '-r', '--name-only', 'main', 'registry/audit'])).split('\n');
  const matching = files.filter((p) => p.endsWith(`-${event}.yaml`));
  return Promise.all(matching.map((p) => onMain(f, p) as Promise<AuditEvent>));
};

describe('the incident action verifies its automatic rollback', () => {
  it('healthy after the settle time: rollback-verified on the record, the incident as classified', async () => {
    const f = await setUp({ error_rate: 0.01, latency_p95: 120, availability: 0.999 });
    const { result, slept, posted } = await declare(f, 'availability=0.3, error_rate=0.6');
    expect(result.rolledBack).toBe(true);
    expect(await f.remoteProduction()).toBe('v3');
    expect(slept).toEqual([120_000]);
    expect(result.rollbacks[0]!.verification).toEqual({
      status: 'verified',
      summary: [
        expect.stringMatching(/^rollback of fraud-detector production to v3 verified healthy after 120s/),
      ],
    });
    const [event] = await auditOnMain(f, 'rollback-verified');
    expect(event).toMatchObject({
      event: 'rollback-verified',
      model: MODEL,
      version: 'v3',
      incident: result.incident.id,
      details: { settle: 120 },
    });
    const recorded = (await onMain(f, `registry/incidents/${result.incident.id}.yaml`)) as Incident;
    expect(recorded).toMatchObject({ severity: 'P0', status: 'open' });
    expect(recorded.timeline.map((e) => e.event)).toEqual([
      'detected',
      'classified',
      'rollback-started',
      'rollback-completed',
      'notified',
      'note',
    ]);
    expect(recorded.timeline.at(-1)!.detail).toMatch(/^rollback-verified: /);
    expect(posted).toHaveLength(1);
    expect(result.summary).toContain('### Rollback verification');
  });

  it('unhealthy: rollback-unhealthy, the incident stays open, is escalated P1 -> P0 and announced again', async () => {
    const f = await setUp({ error_rate: 0.2, latency_p95: 120, availability: 0.999 });
    const { result, posted } = await declare(f, 'accuracy_drop=0.35');
    expect(result.rollbacks[0]!.decision.rollback).toBe(true);
    expect(result.rolledBack).toBe(true);
    expect(result.rollbacks[0]!.verification?.status).toBe('unhealthy');
    expect(result.rollbacks[0]!.verification?.summary.join('\n')).toMatch(
      /UNHEALTHY after 120s: error_rate < 0.05: 0.2 FAILED.*\n.* stays open and is escalated P1 -> P0/,
    );
    const [event] = await auditOnMain(f, 'rollback-unhealthy');
    expect(event).toMatchObject({ version: 'v3', incident: result.incident.id });
    const recorded = (await onMain(f, `registry/incidents/${result.incident.id}.yaml`)) as Incident;
    expect(recorded).toMatchObject({ severity: 'P0', status: 'open' });
    expect(recorded.timeline.slice(-2)).toEqual([
      expect.objectContaining({
        event: 'note',
        detail: expect.stringMatching(/^rollback-unhealthy: .*escalated P1 -> P0/),
      }),
      expect.objectContaining({ event: 'notified' }),
    ]);
    expect(posted).toHaveLength(2);
    expect(posted[1]!.text).toContain(`*P0* ${result.incident.id}`);
  });

  it('refuses a command metrics source in this job and says so on the record; the rollback stands', async () => {
    const ran = join(tmpdir(), `tollgate-incident-verify-ran-${process.pid}`);
    const f = await setUp({}, { kind: 'command', command: ['sh', '-c', `touch ${ran}; echo '{}'`] });
    const { result, slept } = await declare(f, 'availability=0.3, error_rate=0.6');
    expect(result.rolledBack).toBe(true);
    expect(await f.remoteProduction()).toBe('v3');
    expect(slept).toEqual([]);
    expect(existsSync(ran)).toBe(false);
    expect(result.rollbacks[0]!.verification?.status).toBe('failed');
    const recorded = (await onMain(f, `registry/incidents/${result.incident.id}.yaml`)) as Incident;
    expect(recorded.timeline.at(-1)).toMatchObject({
      event: 'note',
      detail: expect.stringMatching(
        /^rollback of fraud-detector to v3 not verified: .*repository code, and this job holds a write credential/,
      ),
    });
    expect(await auditOnMain(f, 'rollback-verified')).toEqual([]);
  });
});
