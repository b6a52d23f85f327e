// `tollgate monitor` against a real Prometheus over a fixture history: a drift rule that held for 15 minutes
// records one commit and starts an urgent retrain; a quiet second run commits nothing; an incident rule opens an
// incident through the existing classification; an Alertmanager payload resolves a rule.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Model, Policy, RetrainRequest } from '../../src/registry/types.ts';
import { cleanupRepos, type Repo } from '../git/repo-fixture.ts';
import { ensurePrometheus, startPrometheus, type PrometheusServer } from '../monitor/prometheus-server.ts';
import { cli, registryRepo, trailersOf } from './registry-repo.ts';

const available = ensurePrometheus('tollgate monitor against Prometheus');
let server: PrometheusServer;

beforeAll(async () => {
  if (!available) return;
  server = await startPrometheus([
    {
      name: 'model_drift_score',
      labels: { model: 'fraud-detector' },
      value: (ago) => (ago <= 1200 ? 0.91 : 0.4),
    },
    {
      name: 'model_drift_score',
      labels: { model: 'penguin-sex' },
      value: (ago) => (ago <= 600 ? 0.95 : 0.3),
    },
    { name: 'model_error_rate', labels: { model: 'churn-predictor' }, value: () => 0.07 },
  ]);
}, 60_000);
afterAll(async () => server?.stop());
afterEach(cleanupRepos);

const edit = (repo: Repo, path: string, change: (doc: Record<string, unknown>) => void) => {
  const file = join(repo.dir, path);
  const doc = load(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(doc);
  writeFileSync(file, dump(doc));
};

async function monitoredRepo(): Promise<Repo> {
  return registryRepo((repo) => {
    edit(repo, 'registry/policy.yaml', (p) => {
      (p as unknown as Policy).monitoring = {
        source: {
          kind: 'prometheus',
          url: server.url,
          queries: {
            drift_score: 'max(model_drift_score{model="${model}"})',
            error_rate: 'max(model_error_rate{model="${model}"})',
          },
        },
        rules: [
          { name: 'drift', metric: 'drift_score', op: '>', threshold: 0.8, for: 900, action: 'retrain' },
        ],
      };
    });
    edit(repo, 'registry/models/churn-predictor/model.yaml', (m) => {
      (m as unknown as Model).monitoring = {
        rules: [
          { name: 'errors', metric: 'error_rate', op: '>', threshold: 0.05, for: 600, action: 'incident' },
        ],
      };
    });
  });
}

const env = () => ({ TOLLGATE_NOW: new Date(server.now).toISOString() });

describe.skipIf(!available)('tollgate monitor', () => {
  it('drift > 0.8 for 15m: one commit records the rule firing, then an urgent retrain with the values that crossed', async () => {
    const repo = await monitoredRepo();
    const before = await repo.head();
    const dry = await cli(['-C', repo.dir, 'monitor', 'fraud-detector', '--dry-run'], env());
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/FIRING\s+drift: drift_score > 0.8 for 15m: min of drift_score over 15m = 0.91/);
    expect(dry.out).toContain('urgent retrain of fraud-detector (trigger drift)');
    expect(await repo.head()).toBe(before);

    const run = await cli(['-C', repo.dir, 'monitor', 'fraud-detector'], env());
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(await repo.git(['rev-parse', 'HEAD~1'])).toBe(before);
    const files = (await repo.git(['show', '--name-only', '--format=', 'HEAD'])).split('\n').sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(
      /^registry\/audit\/\d{4}\/\d{2}\/\d{8}T\d{6}Z-fraud-detector-drift-firing\.yaml$/,
    );
    expect(files[1]).toMatch(/-fraud-detector-drift-report\.yaml$/);
    // The scores are on record as a drift report, for the evidence bundle.
    expect(load(readFileSync(join(repo.dir, files[1]!), 'utf8'))).toMatchObject({
      event: 'drift-report',
      version: 'v4',
      details: { kind: 'drift', scores: { drift_score: 0.91 } },
    });
    const event = load(readFileSync(join(repo.dir, files[0]!), 'utf8')) as Record<string, unknown>;
    expect(event).toMatchObject({
      event: 'monitor-firing',
      model: 'fraud-detector',
      details: { rule: 'drift', value: 0.91 },
    });
    expect(await trailersOf(repo, 'HEAD')).toMatchObject({
      'Tollgate-Event': ['monitor'],
      Model: ['fraud-detector'],
    });

    // The urgent retrain ran on its own branch, with trigger drift and the crossing values.
    expect(run.out).toMatch(
      /urgent retrain rt-\S+: completed as v\d+ on branch tollgate\/retrain\/fraud-detector\//,
    );
    const branch = /on branch (\S+)/.exec(run.out)![1]!;
    const requestPath = (await repo.git(['show', '--name-only', '--format=', branch]))
      .split('\n')
      .find((f) => f.includes('/retrains/'))!;
    const request = load(await repo.git(['show', `${branch}:${requestPath}`])) as RetrainRequest;
    expect(request.trigger).toMatchObject({
      kind: 'drift',
      metrics: { drift_score: 0.91 },
      thresholds: [{ metric: 'drift_score', op: '>', threshold: 0.8 }],
    });

    // Still firing a minute later: nothing changed, nothing committed, no second retrain.
    const again = await cli(['-C', repo.dir, 'monitor', 'fraud-detector'], env());
    expect(again.code).toBe(0);
    expect(again.out).toContain('nothing to record');
    expect(await repo.git(['rev-parse', 'HEAD~1'])).toBe(before);
  }, 120_000);

  it('drift above 0.8 for only 10 minutes does not fire a 15-minute rule', async () => {
    const repo = await monitoredRepo();
    const run = await cli(['-C', repo.dir, 'monitor', 'penguin-sex', '--dry-run'], env());
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/ok\s+drift: .*did not hold throughout/);
  });

  it('an incident rule opens an incident through the existing classification', async () => {
    const repo = await monitoredRepo();
    const run = await cli(['-C', repo.dir, 'monitor', 'churn-predictor'], env());
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/FIRING\s+errors/);
    const incidents = readdirSync(join(repo.dir, 'registry/incidents')).filter(
      (f) => f.endsWith('.yaml') && !f.includes('031500'),
    );
    expect(incidents).toHaveLength(1);
    const incident = load(
      readFileSync(join(repo.dir, 'registry/incidents', incidents[0]!), 'utf8'),
    ) as Record<string, unknown>;
    expect(incident).toMatchObject({
      severity: 'P2',
      models: ['churn-predictor'],
      metrics: { error_rate: 0.07 },
      alert: 'errors',
    });
  }, 60_000);

  it('an Alertmanager webhook payload (version 4) resolves a firing rule', async () => {
    const repo = await monitoredRepo();
    expect((await cli(['-C', repo.dir, 'monitor', 'fraud-detector', '--no-act'], env())).code).toBe(0);
    const payload = {
      receiver: 'tollgate',
      status: 'resolved',
      alerts: [
        {
          status: 'resolved',
          labels: {
            alertname: 'FraudDrift',
            model: 'fraud-detector',
            tollgate_rule: 'drift',
            severity: 'critical',
          },
          annotations: { summary: 'drift back to normal', value: '0.42' },
          startsAt: '2026-12-06T09:00:00.000Z',
          endsAt: '2026-12-06T09:40:00.000Z',
          generatorURL: 'http://prometheus:9090/graph?g0.expr=model_drift_score',
          fingerprint: '3f2a1b0c9d8e7f60',
        },
      ],
      groupLabels: { alertname: 'FraudDrift' },
      commonLabels: { alertname: 'FraudDrift', model: 'fraud-detector' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      version: '4',
      groupKey: '{}:{alertname="FraudDrift"}',
      truncatedAlerts: 0,
    };
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-am-')), 'payload.json');
    writeFileSync(file, JSON.stringify({ alertmanager: payload }));
    const run = await cli(['-C', repo.dir, 'monitor', 'fraud-detector', '--alertmanager', file], env());
    expect(run.err).toBe('');
    expect(run.out).toContain('stopped firing: drift');
    const files = await repo.git(['show', '--name-only', '--format=', 'HEAD']);
    expect(files).toMatch(/fraud-detector-drift-resolved\.yaml$/);
  }, 60_000);
});
