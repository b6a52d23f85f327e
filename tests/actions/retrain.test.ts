// The retrain action against the GitHub double, on a real clone of the double's repository seeded with the
// example registry and trainer: one pull request per retrain, the guard against an open one, failure records.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import { retrainSummary } from '../../src/retrain/summary.ts';
import { dispatchRun, runRetrain, type RetrainActionInputs as RetrainInputs } from './retrain-face.ts';
import { runSignoffGate } from '../../src/actions/signoff-gate.ts';
import { git } from '../../src/git/run.ts';
import { registryDiffBetweenRefs } from '../../src/registry/diff-refs.ts';
import { STATE_CHANGE_KINDS } from '../../src/registry/types.ts';
import type { Policy, RetrainRequest, Schedule } from '../../src/registry/types.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const MODEL_DIR = 'registry/models/fraud-detector';
let work: string;
let checkout: string;

async function seed(files: Record<string, string>): Promise<void> {
  const { gitDir } = await gh.state.createRepo('acme/models', { files });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env: ISOLATED_GIT_ENV });
  await git(checkout, ['config', 'user.name', 'tollgate'], { env: ISOLATED_GIT_ENV });
  await git(checkout, ['config', 'user.email', 'tollgate@example.com'], { env: ISOLATED_GIT_ENV });
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-retrain-action-'));
});
afterEach(() => rm(work, { recursive: true, force: true }));

const dispatched = () => dispatchRun(checkout, 'alice', '77');

const environment = (): ActionEnvironment => ({
  owner: 'acme',
  repo: 'models',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  workspace: checkout,
  eventName: 'workflow_dispatch',
  event: { repository: { default_branch: 'main' } },
  sha: '',
  ref: 'refs/heads/main',
  actor: 'alice',
  runId: '77',
  runAttempt: '1',
  runUrl: 'https://github.com/acme/models/actions/runs/77',
});

const inputs = (over: Partial<RetrainInputs> = {}): RetrainInputs => ({
  model: 'fraud-detector',
  reason: 'weekly refresh',
  trigger: 'manual',
  command: '',
  dryRun: false,
  registry: 'registry',
  ...over,
});

const deps = (client = gh.client()) => ({
  client,
  now: () => new Date('2026-11-25T22:00:00Z'),
  gitEnv: ISOLATED_GIT_ENV,
  tempDir: work,
});

const remoteFile = async <T>(ref: string, path: string): Promise<T> =>
  load(await git(gh.state.repo('acme/models').gitDir, ['show', `${ref}:${path}`])) as T;

describe('retrain action', () => {
  it('opens one retrain pull request, then refuses while it is open', async () => {
    await seed(exampleFiles());
    const head = await git(checkout, ['rev-parse', 'HEAD']);
    const outcome = await runRetrain(inputs(), dispatched(), deps());
    expect(outcome.status).toBe('completed');
    const pulls = gh.state.repo('acme/models').pulls;
    expect(pulls).toHaveLength(1);
    const pull = pulls[0]!;
    expect(outcome.pullRequest).toMatchObject({ number: pull.number, created: true });
    expect(pull).toMatchObject({
      head: `tollgate/retrain/fraud-detector/${outcome.request!.id}`,
      base: 'main',
      title: 'Retrain fraud-detector: v6 (gates passed)',
      labels: ['tollgate:retrain'],
    });
    expect(pull.body).toContain('Requested by @alice (manual): weekly refresh.');
    expect(pull.body).toContain('[this workflow run](https://github.com/acme/models/actions/runs/77)');
    const version = await remoteFile<{ source: { commit: string; run_url: string } }>(
      pull.head,
      `${MODEL_DIR}/versions/v6.yaml`,
    );
    expect(version.source).toMatchObject({
      commit: head,
      run_url: 'https://github.com/acme/models/actions/runs/77',
    });
    // The workflow's checkout stays on main, unchanged.
    expect(await git(checkout, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(checkout, ['status', '--porcelain'])).toBe('');

    const client = gh.client();
    const again = await runRetrain(inputs(), dispatched(), deps(client));
    expect(again.status).toBe('refused');
    expect(again.error?.message).toBe(
      `model fraud-detector already has an open retrain pull request #${pull.number}: ${outcome.pullRequest!.url}`,
    );
    expect(client.calls()).toBe(1);
    expect(gh.state.repo('acme/models').pulls).toHaveLength(1);
  });

  it('records a failed run on a state pull request labelled tollgate:state', async () => {
    await seed(exampleFiles());
    const outcome = await runRetrain(
      inputs({ command: '["node", "examples/trainer/train.ts", "--fail"]' }),
      dispatched(),
      deps(),
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toContain('training command exited with code 1');
    const pulls = gh.state.repo('acme/models').pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({
      head: `tollgate/state/fraud-detector/${outcome.request!.id}`,
      labels: ['tollgate:state'],
    });
    const request = await remoteFile<RetrainRequest>(
      pulls[0]!.head,
      `${MODEL_DIR}/retrains/${outcome.request!.id}.yaml`,
    );
    expect(request).toMatchObject({
      status: 'failed',
      run: { exit_code: 1, url: 'https://github.com/acme/models/actions/runs/77' },
    });
    // The gate sees state only (request, schedule, audit event), so it passes the pull request without sign-offs.
    const { changes, outside } = await registryDiffBetweenRefs(checkout, 'main', pulls[0]!.head);
    expect(outside).toEqual([]);
    expect(changes.map((c) => c.kind).sort()).toEqual([
      'audit-appended',
      'retrain-added',
      'schedule-changed',
    ]);
    expect(changes.every((c) => STATE_CHANGE_KINDS.has(c.kind))).toBe(true);
    // Nothing requires a check in this repository, so the action merged its own state pull request at once.
    expect(outcome.stateMerge?.status).toBe('merged');
    expect(pulls[0]).toMatchObject({ state: 'closed', merged: true });
    expect(
      await remoteFile<RetrainRequest>('main', `${MODEL_DIR}/retrains/${outcome.request!.id}.yaml`),
    ).toMatchObject({
      status: 'failed',
    });
  });

  it('waits for the sign-off gate: the state pull request merges by auto-merge once the gate passes it', async () => {
    await seed(exampleFiles());
    gh.state.repo('acme/models').requiredChecks = ['tollgate/signoff'];
    const outcome = await runRetrain(
      inputs({ command: '["node", "examples/trainer/train.ts", "--fail"]' }),
      dispatched(),
      deps(),
    );
    expect(outcome.stateMerge?.status).toBe('auto-merge');
    expect(retrainSummary(outcome)).toContain(
      'which merges once the sign-off gate and validate pass it (the tollgate-state-merge workflow, or auto-merge)',
    );
    const pull = gh.state.repo('acme/models').pulls[0]!;
    expect(pull.state).toBe('open');
    // The gate runs on the pull request (pull_request_target) from the default branch's checkout.
    const gate = await runSignoffGate(
      { checkName: 'tollgate/signoff', registry: 'registry' },
      {
        ...environment(),
        eventName: 'pull_request_target',
        event: {
          repository: { default_branch: 'main' },
          number: pull.number,
          pull_request: { number: pull.number },
        },
      },
      { client: gh.client(), now: new Date('2026-11-25T22:05:00Z') },
    );
    expect(gate.conclusion).toBe('success');
    expect(pull).toMatchObject({ state: 'closed', merged: true });
    expect(await remoteFile<Schedule>('main', `${MODEL_DIR}/schedule.yaml`)).toMatchObject({
      failure_streak: 1,
    });
  });

  it('pushes the failure record to main where the policy says state_writes: push', async () => {
    const files = exampleFiles();
    const policy = load(files['registry/policy.yaml']!) as Policy;
    files['registry/policy.yaml'] = dump({ ...policy, state_writes: 'push' });
    await seed(files);
    const outcome = await runRetrain(
      inputs({ command: '["node", "examples/trainer/train.ts", "--skip-metrics"]' }),
      dispatched(),
      deps(),
    );
    expect(outcome).toMatchObject({ status: 'failed', pushed: true, branch: 'main' });
    expect(outcome.error?.message).toContain('wrote no metrics.json');
    expect(gh.state.repo('acme/models').pulls).toHaveLength(0);
    const schedule = await remoteFile<Schedule>('main', `${MODEL_DIR}/schedule.yaml`);
    expect(schedule).toMatchObject({ failure_streak: 1, cooldown_until: '2026-11-25T23:00:00Z' });
    expect(await git(gh.state.repo('acme/models').gitDir, ['log', '-1', '--format=%s', 'main'])).toBe(
      `Record failed retrain of fraud-detector (${outcome.request!.id})`,
    );
  });

  it('snapshots the metrics and thresholds that triggered a drift retrain, with the run details, on the request', async () => {
    await seed(exampleFiles());
    const outcome = await runRetrain(
      inputs({
        trigger: 'drift',
        reason: 'feature drift on amount',
        metrics: '{"psi_amount": 0.31, "auc": 0.83}',
        thresholds: '[{"metric": "psi_amount", "op": "<=", "threshold": 0.2}]',
      }),
      dispatched(),
      deps(),
    );
    expect(outcome.status).toBe('completed');
    const request = await remoteFile<RetrainRequest>(
      gh.state.repo('acme/models').pulls[0]!.head,
      `${MODEL_DIR}/retrains/${outcome.request!.id}.yaml`,
    );
    expect(request).toMatchObject({
      status: 'completed',
      reason: 'feature drift on amount',
      version: 'v6',
      started_at: '2026-11-25T22:00:00Z',
      completed_at: '2026-11-25T22:00:00Z',
      trigger: {
        kind: 'drift',
        actor: 'alice',
        metrics: { psi_amount: 0.31, auc: 0.83 },
        thresholds: [{ metric: 'psi_amount', op: '<=', threshold: 0.2 }],
      },
      run: { url: 'https://github.com/acme/models/actions/runs/77', exit_code: 0 },
    });
    expect(request.run!.command!.length).toBeGreaterThan(0);
    expect(typeof request.run!.duration).toBe('number');
  });

  it('refuses trigger metrics that are not numbers, naming the input, before it runs anything', async () => {
    await seed(exampleFiles());
    await expect(
      runRetrain(inputs({ trigger: 'drift', metrics: '{"auc": "low"}' }), dispatched(), deps()),
    ).rejects.toThrow('input "metrics" must be a JSON object of metric names to numbers');
    await expect(
      runRetrain(
        inputs({ thresholds: '[{"metric": "auc", "op": "=>", "threshold": 1}]' }),
        dispatched(),
        deps(),
      ),
    ).rejects.toThrow('input "thresholds" must be a JSON array');
    expect(gh.state.repo('acme/models').pulls).toHaveLength(0);
  });

  it('runs and writes nothing on a dry run', async () => {
    await seed(exampleFiles());
    const client = gh.client();
    const outcome = await runRetrain(inputs({ dryRun: true }), dispatched(), deps(client));
    expect(outcome.status).toBe('dry-run');
    expect(outcome.plan).toMatchObject({ version: 'v6', parent: 'v4' });
    const id = outcome.request!.id;
    expect(outcome.plan!.files.slice(0, 3)).toEqual([
      'registry/models/fraud-detector/versions/v6.yaml',
      `registry/models/fraud-detector/retrains/${id}.yaml`,
      'registry/models/fraud-detector/schedule.yaml',
    ]);
    expect(outcome.plan!.files[3]).toMatch(
      new RegExp(`^registry/audit/\\d{4}/\\d{2}/.*${id}-completed\\.yaml$`),
    );
    expect(retrainSummary(outcome)).toContain('- `registry/models/fraud-detector/versions/v6.yaml`');
    expect(client.calls()).toBe(1);
    expect(gh.state.repo('acme/models').pulls).toHaveLength(0);
    expect(await git(checkout, ['for-each-ref', '--format=%(refname:short)', 'refs/heads'])).toBe('main');
  });
});
