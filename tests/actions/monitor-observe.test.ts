// The monitor's two jobs against the GitHub double, with a metrics command that logs every run: the observe job runs
// it (no token there); the record job, which holds the App token, never does. It refuses a command source it has no
// capture for, judges the captures with its own rules, and rejects captures that are stale or do not parse.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_GIT_ENV } from '../../src/actions/checkout.ts';
import { git } from '../../src/git/run.ts';
import { monitorJobRequest, observeJob, recordJob, type MonitorInputs } from '../../src/monitor/job.ts';
import type { Observations } from '../../src/monitor/observations.ts';
import type { Policy } from '../../src/registry/types.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const NOW = new Date('2026-12-06T10:00:00Z');
const LATER = new Date(NOW.getTime() + 2 * 60_000);
let work: string;
let checkout: string;
let ranLog: string;

// Logs each run, then prints 20 minutes of drift: high for fraud-detector, low for the others; penguin-sex fails.
const SCRIPT = `import { appendFileSync } from 'node:fs';
const now = Date.parse(process.env.TOLLGATE_NOW);
appendFileSync(process.env.RAN_LOG, process.env.TOLLGATE_MODEL + (process.env.ACTIONS_RUNTIME_TOKEN ?? '') + '\\n');
if (process.env.TOLLGATE_MODEL === 'penguin-sex') { console.error('metrics backend down'); process.exit(1); }
const v = process.env.TOLLGATE_MODEL === 'fraud-detector' ? 0.9 : 0.1;
console.log(JSON.stringify({ samples: { drift_score: [20, 15, 10, 5, 0].map((m) => [new Date(now - m * 60000).toISOString(), v]) } }));
`;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-monitor-observe-'));
  ranLog = join(work, 'ran.log');
  const files = exampleFiles();
  const policy = load(files['registry/policy.yaml']!) as Policy;
  policy.monitoring = {
    source: { kind: 'command', command: [process.execPath, 'scripts/metrics.mjs'] },
    rules: [{ name: 'drift', metric: 'drift_score', op: '>', threshold: 0.8, for: 900, action: 'retrain' }],
  };
  files['registry/policy.yaml'] = dump(policy);
  files['scripts/metrics.mjs'] = SCRIPT;
  const { gitDir } = await gh.state.createRepo('acme/models', { files });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env: ISOLATED_GIT_ENV });
});
afterEach(() => rm(work, { recursive: true, force: true }));

const INPUTS: MonitorInputs = {
  mode: '',
  model: '',
  registry: '',
  observations: '',
  'retrain-workflow': '',
  'incident-workflow': '',
  ref: '',
  dryRun: false,
};
const SCHEDULE = { eventName: 'schedule', event: {} };
const request = (mode: string, origin: { eventName: string; event: object } = SCHEDULE) =>
  monitorJobRequest({ ...INPUTS, mode }, origin, join(work, 'runner-temp'));
// A JavaScript action's process holds the Actions runtime token; the commands must not.
const env = () => ({ PATH: process.env.PATH, RAN_LOG: ranLog, ACTIONS_RUNTIME_TOKEN: '-runtime-token' });
const runs = async () =>
  existsSync(ranLog) ? (await readFile(ranLog, 'utf8')).split('\n').filter(Boolean) : [];
const record = (now: Date = LATER) =>
  recordJob(request('record'), {
    repoRoot: checkout,
    github: { client: gh.client(), repo: { owner: 'acme', repo: 'models' } },
    now,
    env: env(),
    actor: 'tollgate-monitor[bot]',
    gitEnv: BOT_GIT_ENV,
  });

describe('monitor: observe and record jobs', () => {
  it('the record job refuses to run a command source, and says where it runs instead', async () => {
    expect(request('').mode).toBe('record');
    const result = await record();
    expect(result.plans).toEqual([]);
    expect(result.failures.map((f) => f.model)).toEqual(['churn-predictor', 'fraud-detector', 'penguin-sex']);
    expect(result.failures[0]!.error).toMatch(
      /no observations from the observe job at .*: a metrics command runs only in the monitor workflow's observe job, never in this job, which holds a write credential/,
    );
    expect(await runs()).toEqual([]);
    expect(gh.state.repo('acme/models').workflowDispatches).toEqual([]);
  });

  it('the observe job runs each command; the record job judges the captures and runs none', async () => {
    const observed = await observeJob(request('observe'), { repoRoot: checkout, now: NOW, env: env() });
    expect(observed.file).toBe(join(work, 'runner-temp', 'tollgate-monitor', 'observations.json'));
    expect((await runs()).sort()).toEqual(['churn-predictor', 'fraud-detector', 'penguin-sex']);
    expect(observed.observations.models.map((m) => m.model)).toEqual(['churn-predictor', 'fraud-detector']);
    expect(observed.observations.failures).toEqual([
      { model: 'penguin-sex', error: expect.stringContaining('metrics backend down') },
    ]);

    const result = await record();
    expect(await runs()).toHaveLength(3);
    expect(result.plans.map((p) => [p.model, p.transitions.started.map((v) => v.rule.name)])).toEqual([
      ['churn-predictor', []],
      ['fraud-detector', ['drift']],
    ]);
    expect(result.plans[1]!.source).toMatch(
      /^command .*metrics\.mjs \(run in the observe job at 2026-12-06T10:00:00/,
    );
    expect(result.failures).toEqual([
      { model: 'penguin-sex', error: expect.stringMatching(/in the observe job: .*metrics backend down/s) },
    ]);
    expect(result.recorded?.files).toEqual([
      expect.stringMatching(/fraud-detector-drift-firing\.yaml$/),
      expect.stringMatching(/fraud-detector-drift-report\.yaml$/),
    ]);
    expect(gh.state.repo('acme/models').workflowDispatches).toEqual([
      expect.objectContaining({
        workflow: 'tollgate-retrain.yml',
        inputs: expect.objectContaining({ trigger: 'drift' }),
      }),
    ]);
    expect(JSON.parse(result.outputs.firing)).toEqual(['fraud-detector/drift']);
  });

  it('rejects captures that are stale or from the future, and judges a forged one only as the command output it claims to be', async () => {
    const observed = await observeJob(request('observe'), { repoRoot: checkout, now: NOW, env: env() });
    const stale = await record(new Date(NOW.getTime() + 31 * 60_000));
    expect(stale.failures.map((f) => f.model)).toEqual(['churn-predictor', 'fraud-detector', 'penguin-sex']);
    expect(stale.failures[0]!.error).toMatch(/too old to judge/);
    const future = await record(new Date(NOW.getTime() - 5 * 60_000));
    expect(future.failures[0]!.error).toMatch(/in the future/);

    const forged = structuredClone(observed.observations) as Observations;
    forged.models[1]!.captures[0]!.output = '{"samples": {"drift_score": [["yesterday", 0.95]]}}';
    await writeFile(observed.file, JSON.stringify(forged));
    const result = await record();
    expect(result.plans.map((p) => p.model)).toEqual(['churn-predictor']);
    expect(result.failures.find((f) => f.model === 'fraud-detector')?.error).toMatch(/has time "yesterday"/);
    expect(result.recorded).toBeUndefined();
  });

  it('an Alertmanager dispatch runs no command in the observe job', async () => {
    const dispatch = {
      eventName: 'repository_dispatch',
      event: { action: 'tollgate-monitor', client_payload: {} },
    };
    const observed = await observeJob(request('observe', dispatch), {
      repoRoot: checkout,
      now: NOW,
      env: env(),
    });
    expect(observed.observations.models).toEqual([]);
    expect(await runs()).toEqual([]);
  });
});

describe('monitor: a command source next to the others', () => {
  it('a Prometheus or file model is judged in the record job even when the command captures are unusable', async () => {
    const churn = 'registry/models/churn-predictor/model.yaml';
    const model = load(await readFile(join(checkout, churn), 'utf8')) as Record<string, unknown>;
    model.monitoring = { source: { kind: 'file', path: 'metrics/churn.json' } };
    await writeFile(join(checkout, churn), dump(model));
    await mkdir(join(checkout, 'metrics'), { recursive: true });
    await writeFile(
      join(checkout, 'metrics/churn.json'),
      JSON.stringify({
        samples: {
          drift_score: [20, 15, 10, 5, 0].map((m) => [
            new Date(LATER.getTime() - m * 60_000).toISOString(),
            0.95,
          ]),
        },
      }),
    );
    const result = await record();
    expect(
      result.plans.map((p) => [p.model, p.source, p.transitions.started.map((v) => v.rule.name)]),
    ).toEqual([['churn-predictor', 'file metrics/churn.json', ['drift']]]);
    expect(result.failures.map((f) => f.model)).toEqual(['fraud-detector', 'penguin-sex']);
    expect(await runs()).toEqual([]);
  });
});
