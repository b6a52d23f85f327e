// The monitor action's tick against the GitHub double: a drift rule that held records one state change and
// dispatches the retrain workflow with trigger drift and the crossing values; a second tick changes nothing; an
// Alertmanager payload dispatched by the monitoring App resolves it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/run.ts';
import { monitorTick, type MonitorTickRequest } from '../../src/monitor/tick.ts';
import type { Policy } from '../../src/registry/types.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { BOT_GIT_ENV } from '../../src/actions/checkout.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const NOW = new Date('2026-12-06T10:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
let work: string;
let checkout: string;

function files(): Record<string, string> {
  const all = exampleFiles();
  const policy = load(all['registry/policy.yaml']!) as Policy;
  policy.monitoring = {
    source: { kind: 'file', path: 'metrics/${model}.json' },
    rules: [{ name: 'drift', metric: 'drift_score', op: '>', threshold: 0.8, for: 900, action: 'retrain' }],
  };
  all['registry/policy.yaml'] = dump(policy);
  all['metrics/fraud-detector.json'] = JSON.stringify({
    samples: { drift_score: [20, 15, 10, 5, 0].map((m) => [ago(m), 0.9]) },
  });
  all['metrics/penguin-sex.json'] = JSON.stringify({ samples: { drift_score: [[ago(0), 0.2]] } });
  all['metrics/churn-predictor.json'] = JSON.stringify({ metrics: { drift_score: 0.1 } });
  return all;
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-monitor-action-'));
  const { gitDir } = await gh.state.createRepo('acme/models', { files: files() });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env: ISOLATED_GIT_ENV });
});
afterEach(() => rm(work, { recursive: true, force: true }));

const request: MonitorTickRequest = {
  models: [],
  registry: 'registry',
  dryRun: false,
  retrainWorkflow: 'tollgate-retrain.yml',
  incidentWorkflow: 'tollgate-incident.yml',
  ref: '',
};
const tick = (extra: Partial<MonitorTickRequest> = {}) =>
  monitorTick(
    { ...request, ...extra },
    {
      repoRoot: checkout,
      github: { client: gh.client(), repo: { owner: 'acme', repo: 'models' } },
      now: NOW,
      env: {},
      actor: 'tollgate-monitor[bot]',
      gitEnv: BOT_GIT_ENV,
      commands: 'refuse',
    },
  );

describe('monitor action', () => {
  it('records the rule that started firing once and dispatches an urgent retrain with what crossed', async () => {
    const dry = await tick({ dryRun: true });
    expect(dry.plans.map((p) => [p.model, p.transitions.started.map((v) => v.rule.name)])).toEqual([
      ['churn-predictor', []],
      ['fraud-detector', ['drift']],
      ['penguin-sex', []],
    ]);
    expect(gh.state.repo('acme/models').workflowDispatches).toEqual([]);

    const result = await tick();
    expect(result.failures).toEqual([]);
    expect(result.recorded?.files).toEqual([
      expect.stringMatching(/fraud-detector-drift-firing\.yaml$/),
      expect.stringMatching(/fraud-detector-drift-report\.yaml$/),
    ]);
    expect(gh.state.repo('acme/models').workflowDispatches).toEqual([
      {
        workflow: 'tollgate-retrain.yml',
        ref: 'main',
        inputs: {
          model: 'fraud-detector',
          reason: expect.stringContaining('drift_score > 0.8 for 15m'),
          trigger: 'drift',
          metrics: '{"drift_score":0.9}',
          thresholds: '[{"metric":"drift_score","op":">","threshold":0.8}]',
        },
      },
    ]);
    expect(result.summary).toContain('retrain workflow dispatched for `fraud-detector` (drift)');

    // The next scheduled run, on a fresh checkout of main: still firing, nothing recorded, nothing dispatched.
    await git(checkout, ['pull', '--quiet', '--ff-only'], { env: ISOLATED_GIT_ENV });
    const again = await tick();
    expect(again.recorded).toBeUndefined();
    expect(gh.state.repo('acme/models').workflowDispatches).toHaveLength(1);

    // Alertmanager (webhook payload version 4, relayed as client_payload) says it resolved.
    const resolved = await tick({
      alertmanager: {
        version: '4',
        groupKey: '{}:{alertname="drift"}',
        truncatedAlerts: 0,
        status: 'resolved',
        receiver: 'tollgate',
        groupLabels: { alertname: 'drift' },
        commonLabels: { alertname: 'drift', model: 'fraud-detector' },
        commonAnnotations: {},
        externalURL: 'http://alertmanager:9093',
        alerts: [
          {
            status: 'resolved',
            labels: { alertname: 'drift', model: 'fraud-detector' },
            annotations: { value: '0.3' },
            startsAt: ago(30),
            endsAt: ago(1),
            generatorURL: 'http://prometheus:9090/graph',
            fingerprint: 'c0ffee00c0ffee00',
          },
        ],
      },
    });
    expect(resolved.plans.map((p) => p.model)).toEqual(['fraud-detector']);
    expect(resolved.recorded?.files).toEqual([expect.stringMatching(/fraud-detector-drift-resolved\.yaml$/)]);
  });

  it('dispatches with the dispatch client when given one (the job token), and records state with the App client', async () => {
    const app = gh.client();
    const jobToken = gh.client();
    const result = await monitorTick(request, {
      repoRoot: checkout,
      github: { client: app, repo: { owner: 'acme', repo: 'models' } },
      dispatchClient: jobToken,
      now: NOW,
      env: {},
      actor: 'tollgate-monitor[bot]',
      gitEnv: BOT_GIT_ENV,
      commands: 'refuse',
    });
    expect(result.dispatched).toHaveLength(1);
    const dispatches = (c: typeof app) =>
      c.callLog().filter((call) => call.url.endsWith('/dispatches')).length;
    expect(dispatches(jobToken)).toBe(1);
    expect(dispatches(app)).toBe(0);
    expect(app.calls()).toBeGreaterThan(0);
  });
});
