// A rollback pushed directly is verified: the flow waits the policy's settle time (an injected sleep), reads the
// stage's metrics and records rollback-verified or rollback-unhealthy; unhealthy keeps the incident open and says
// so; --no-verify records its reason.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/run.ts';
import { rollbackFlow } from '../../src/rollback/flow.ts';
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
});
const INCIDENT = 'INC-20261107-070000-ab12';

async function setUp(metrics: Record<string, number>, source?: MetricsSourceSpec): Promise<OpsFixture> {
  metricsDir = await mkdtemp(join(tmpdir(), 'tollgate-verify-'));
  const file = join(metricsDir, 'live.json');
  await writeFile(file, JSON.stringify({ stages: { production: { metrics } } }));
  const f = (fixture = await opsFixture(gh, (text) => {
    const policy = load(text) as Policy;
    policy.monitoring = {
      ...policy.monitoring,
      source: source ?? { kind: 'file', path: file },
      rollback: { settle: 120 },
    };
    policy.state_writes = 'push';
    return dump(policy);
  }));
  await writeFile(
    join(f.checkout, `registry/incidents/${INCIDENT}.yaml`),
    dump({
      apiVersion: 'tollgate/v1',
      kind: 'Incident',
      id: INCIDENT,
      title: `P0 on ${MODEL}`,
      severity: 'P0',
      status: 'open',
      models: [MODEL],
      metrics: { availability: 0.2 },
      detected_at: '2026-11-07T07:00:00Z',
      timeline: [],
    }),
  );
  await git(f.checkout, ['add', '-A']);
  await git(f.checkout, ['commit', '-qm', `Open incident ${INCIDENT}`]);
  await git(f.checkout, ['push', '--quiet', 'origin', 'main']);
  return f;
}

async function rollBack(f: OpsFixture, noVerify?: string) {
  const slept: number[] = [];
  const result = await rollbackFlow(
    { model: MODEL, incident: INCIDENT, dryRun: false, ...(noVerify ? { noVerify } : {}) },
    {
      repoRoot: f.env.workspace,
      github: { client: gh.client(), repo: { owner: f.env.owner, repo: f.env.repo } },
      actor: 'oncall',
      now: at(151),
      clock: () => at(151),
      gitEnv: BOT,
      verify: { sleep: async (ms) => void slept.push(ms), env: {} },
    },
  );
  return { result, slept };
}

const onMain = async (f: OpsFixture, path: string) => load(await git(f.gitDir, ['show', `main:${path}`]));

describe('verified rollback', () => {
  it('healthy after the settle time: rollback-verified with every criterion, pushed as state', async () => {
    const f = await setUp({ error_rate: 0.01, latency_p95: 120, availability: 0.999 });
    const { result, slept } = await rollBack(f);
    expect(result.outcome.mode).toBe('pushed');
    expect(slept).toEqual([120_000]);
    expect(result.verification?.status).toBe('verified');
    const [file] = result.verification!.recorded!.files;
    const event = (await onMain(f, file!)) as AuditEvent;
    expect(event).toMatchObject({
      event: 'rollback-verified',
      model: MODEL,
      stage: 'production',
      version: 'v3',
      incident: INCIDENT,
      details: {
        settle: 120,
        checks: [
          { criterion: 'error_rate < 0.05', value: 0.01, pass: true },
          { criterion: 'latency_p95 < 200', value: 120, pass: true },
          { criterion: 'availability > 0.99', value: 0.999, pass: true },
        ],
      },
    });
  });

  it('unhealthy: rollback-unhealthy, the incident stays open with a note saying why', async () => {
    const f = await setUp({ error_rate: 0.2, latency_p95: 120 });
    const { result } = await rollBack(f);
    expect(result.verification?.status).toBe('unhealthy');
    expect(result.verification?.summary.join('\n')).toMatch(
      /UNHEALTHY after 120s: error_rate < 0.05: 0.2 FAILED; latency_p95 < 200: 120 ok; availability > 0.99: no data FAILED/,
    );
    const incident = (await onMain(f, `registry/incidents/${INCIDENT}.yaml`)) as Incident;
    expect(incident.status).toBe('open');
    expect(incident.timeline.at(-1)).toMatchObject({
      event: 'note',
      detail: expect.stringContaining('rollback-unhealthy'),
    });
  });

  it('--no-verify records the reason instead', async () => {
    const f = await setUp({});
    const { result, slept } = await rollBack(f, 'metrics pipeline down, checked the dashboard by hand');
    expect(slept).toEqual([]);
    expect(result.verification?.status).toBe('skipped');
    const event = (await onMain(f, result.verification!.recorded!.files[0]!)) as AuditEvent;
    expect(event).toMatchObject({
      event: 'rollback-verification-skipped',
      details: { reason: 'metrics pipeline down, checked the dashboard by hand' },
    });
  });

  it('refuses a command metrics source in this job, which holds the App token: reported, nothing run', async () => {
    const ran = join(tmpdir(), `tollgate-rollback-verify-ran-${process.pid}`);
    const f = await setUp({}, { kind: 'command', command: ['sh', '-c', `touch ${ran}; echo '{}'`] });
    const { result, slept } = await rollBack(f);
    expect(result.outcome.mode).toBe('pushed');
    expect(result.verification?.status).toBe('failed');
    expect(result.verification?.summary.join('\n')).toMatch(
      /rollback not verified: .*repository code, and this job holds a write credential/,
    );
    expect(slept).toEqual([]);
    expect(existsSync(ran)).toBe(false);
  });
});
