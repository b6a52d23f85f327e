// `tollgate retrain` on a temporary repository seeded with the example registry, running the real example
// trainer: the version it records, the local branch, the duplicate guard and the failure record.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent, Model, ModelVersion, RetrainRequest, Schedule } from '../../src/registry/types.ts';
import { cleanupRepos, type Repo } from '../git/repo-fixture.ts';
import { cli, exampleFiles, FRAUD_COMMAND, FRAUD_MODEL, registryRepo, trailersOf } from './registry-repo.ts';

afterEach(cleanupRepos);

const MODEL_DIR = 'registry/models/fraud-detector';

async function show<T>(repo: Repo, rev: string, path: string): Promise<T> {
  return load(await repo.git(['show', `${rev}:${path}`])) as T;
}

async function branches(repo: Repo): Promise<string[]> {
  return (await repo.git(['for-each-ref', '--format=%(refname:short)', 'refs/heads'])).split('\n');
}

describe('tollgate retrain', () => {
  it('prints what it would run on --dry-run, and runs and writes nothing', async () => {
    const repo = await registryRepo();
    const head = await repo.head();
    const run = await cli([
      '-C',
      repo.dir,
      'retrain',
      'fraud-detector',
      '--reason',
      'weekly refresh',
      '--dry-run',
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      'would retrain fraud-detector as v6 (parent v4) (dry run: nothing run, nothing written)',
    );
    expect(run.out).toMatch(/request: {2}rt-20261125-220000-[0-9a-f]{4} \(manual by alice\): weekly refresh/);
    expect(run.out).toContain(`command:  ${FRAUD_COMMAND.join(' ')}`);
    expect(run.out).toContain('TOLLGATE_VERSION=v6');
    expect(run.out).toContain('files it would write:\n    registry/models/fraud-detector/versions/v6.yaml\n');
    expect(run.out).toContain('    registry/models/fraud-detector/schedule.yaml\n    registry/audit/');
    expect(run.err).toBe('');
    expect(await repo.head()).toBe(head);
    expect(await branches(repo)).toEqual(['main']);
    expect(await repo.git(['status', '--porcelain'])).toBe('');
  });

  it('trains with the real trainer and records the version on a local retrain branch, checkout untouched', async () => {
    const repo = await registryRepo();
    const head = await repo.head();
    const run = await cli([
      '-C',
      repo.dir,
      'retrain',
      'fraud-detector',
      '--reason',
      'weekly refresh',
      '--format',
      'json',
    ]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain('epoch 300/300');
    const outcome = JSON.parse(run.out) as {
      status: string;
      branch: string;
      commit: string;
      artifactPath: string;
      request: RetrainRequest;
      title: string;
      body: string;
    };
    expect(outcome.status).toBe('completed');
    const id = outcome.request.id;
    expect(outcome.branch).toBe(`tollgate/retrain/fraud-detector/${id}`);

    // The checkout is as it was; the change is one commit on the branch, on top of HEAD.
    expect(await repo.head()).toBe(head);
    expect(await repo.git(['symbolic-ref', '--short', 'HEAD'])).toBe('main');
    expect(await repo.git(['status', '--porcelain'])).toBe('');
    expect(await repo.git(['rev-parse', `${outcome.branch}~1`])).toBe(head);
    expect(await trailersOf(repo, outcome.branch)).toEqual({
      'Tollgate-Event': ['retrain'],
      Model: ['fraud-detector'],
      Version: ['v6'],
      Request: [id],
      'Requested-By': ['alice'],
    });

    const version = await show<ModelVersion>(repo, outcome.branch, `${MODEL_DIR}/versions/v6.yaml`);
    const artifact = readFileSync(outcome.artifactPath);
    expect(version.artifact).toEqual({
      uri: `sha256:${createHash('sha256').update(artifact).digest('hex')}`,
      sha256: createHash('sha256').update(artifact).digest('hex'),
      size: artifact.length,
    });
    expect(version).toMatchObject({
      id: 'v6',
      source: { commit: head, actor: 'alice' },
      data: { uri: 'examples/trainer/data/transactions.csv' },
      request: id,
      parent: 'v4',
      validation: {
        passed: true,
        gates: [
          { metric: 'auc', op: '>=', threshold: 0.85, pass: true },
          { metric: 'false_positive_rate', op: '<=', threshold: 0.1, pass: true },
        ],
      },
    });
    expect(version.metrics.auc).toBeGreaterThan(0.85);

    const request = await show<RetrainRequest>(repo, outcome.branch, `${MODEL_DIR}/retrains/${id}.yaml`);
    expect(request).toMatchObject({
      status: 'completed',
      version: 'v6',
      reason: 'weekly refresh',
      trigger: { kind: 'manual', actor: 'alice' },
      run: {
        exit_code: 0,
        command: FRAUD_COMMAND,
      },
    });
    const schedule = await show<Schedule>(repo, outcome.branch, `${MODEL_DIR}/schedule.yaml`);
    expect(schedule).toMatchObject({
      last_run: '2026-11-25T22:00:00Z',
      next_run: '2026-12-02T22:00:00Z',
      failure_streak: 0,
    });
    const files = (await repo.git(['show', '--name-only', '--format=', outcome.branch])).split('\n');
    const auditFile = files.find((f) => f.startsWith('registry/audit/'))!;
    expect(await show<AuditEvent>(repo, outcome.branch, auditFile)).toMatchObject({
      event: 'retrain-completed',
      model: 'fraud-detector',
      version: 'v6',
      request: id,
    });
    expect(files).toHaveLength(4);

    expect(outcome.title).toBe('Retrain fraud-detector: v6 (gates passed)');
    expect(outcome.body).toContain('| metric | candidate `v6` | production `v4` | Δ |');

    // Text mode prints the pull request it would open.
    const text = await cli(['-C', repo.dir, 'retrain', 'fraud-detector']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('pull request it would open: Retrain fraud-detector: v6 (gates passed)');
    expect(text.out).toContain('your checkout is unchanged');

    // The training outputs are kept for the user; the test removes them.
    const shown = /artifact: (\S+) \(/.exec(text.out)![1]!;
    for (const path of [outcome.artifactPath, shown])
      await rm(dirname(path), { recursive: true, force: true });
  });

  it('refuses while a retrain of the model is active, naming it', async () => {
    const repo = await registryRepo((r) =>
      r.writeFiles({
        [`${MODEL_DIR}/retrains/rt-20261125-210000-ab12.yaml`]: [
          'apiVersion: tollgate/v1',
          'kind: RetrainRequest',
          'id: rt-20261125-210000-ab12',
          'model: fraud-detector',
          'status: running',
          'reason: nightly',
          'trigger: { kind: schedule, actor: tollgate }',
          "created_at: '2026-11-25T21:00:00Z'",
          "started_at: '2026-11-25T21:00:05Z'",
          'run: { url: https://github.com/acme/models/actions/runs/77 }',
          '',
        ].join('\n'),
      }),
    );
    const head = await repo.head();
    const run = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.out)).toMatchObject({ status: 'refused' });
    expect(run.err).toContain(
      'model fraud-detector already has an active retrain: rt-20261125-210000-ab12 (running since 2026-11-25T21:00:05Z): https://github.com/acme/models/actions/runs/77',
    );
    expect(run.err).not.toContain('epoch');
    expect(await repo.head()).toBe(head);
    expect(await branches(repo)).toEqual(['main']);
  });

  it('refuses a scheduled retrain the schedule does not allow now, but runs a manual one', async () => {
    const repo = await registryRepo();
    const paused = await cli([
      '-C',
      repo.dir,
      'schedule',
      'pause',
      'fraud-detector',
      '--for',
      '1d',
      '--reason',
      'freeze',
    ]);
    expect(paused.code).toBe(0);
    const head = await repo.head();
    const run = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--trigger', 'schedule']);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      'a scheduled retrain of fraud-detector is not due: paused until 2026-11-26T22:00:00Z by alice: freeze',
    );
    expect(await repo.head()).toBe(head);
    expect(await branches(repo)).toEqual(['main']);
    const manual = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--dry-run']);
    expect(manual.code).toBe(0);
  });

  it('records a failed run as a failed request and a cooldown on a state branch, and exits non-zero', async () => {
    const repo = await registryRepo();
    const head = await repo.head();
    const run = await cli([
      '-C',
      repo.dir,
      'retrain',
      'fraud-detector',
      '--format',
      'json',
      '--command',
      '["node", "examples/trainer/train.ts", "--fail"]',
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('training command exited with code 1: node examples/trainer/train.ts --fail');
    expect(run.err).toContain('train.ts: simulated failure (--fail)');
    const outcome = JSON.parse(run.out) as { status: string; branch: string; request: RetrainRequest };
    expect(outcome.status).toBe('failed');
    const id = outcome.request.id;
    expect(outcome.branch).toBe(`tollgate/state/fraud-detector/${id}`);
    expect(await repo.head()).toBe(head);
    expect(await trailersOf(repo, outcome.branch)).toEqual({
      'Tollgate-Event': ['retrain-failed'],
      Model: ['fraud-detector'],
      Request: [id],
      'Requested-By': ['alice'],
    });
    const request = await show<RetrainRequest>(repo, outcome.branch, `${MODEL_DIR}/retrains/${id}.yaml`);
    expect(request).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('training command exited with code 1'),
      run: { exit_code: 1, command: ['node', 'examples/trainer/train.ts', '--fail'] },
    });
    const schedule = await show<Schedule>(repo, outcome.branch, `${MODEL_DIR}/schedule.yaml`);
    expect(schedule).toMatchObject({
      failure_streak: 1,
      last_failure: '2026-11-25T22:00:00Z',
      cooldown_until: '2026-11-25T23:00:00Z', // the example policy's cooldown_base: 3600
      next_run: '2026-11-05T00:00:00Z',
    });
    const files = (await repo.git(['show', '--name-only', '--format=', outcome.branch])).split('\n');
    expect(files.filter((f) => f.includes('/versions/'))).toEqual([]);
    const auditFile = files.find((f) => f.startsWith('registry/audit/'))!;
    expect(await show<AuditEvent>(repo, outcome.branch, auditFile)).toMatchObject({
      event: 'retrain-failed',
      request: id,
    });
  });

  it('records a run stopped at its timeout as failed', async () => {
    const repo = await registryRepo((r) => {
      const model = load(exampleFiles()[FRAUD_MODEL]!) as Model;
      model.training!.timeout = 1;
      r.writeFiles({ [FRAUD_MODEL]: dump(model) });
    });
    const run = await cli([
      '-C',
      repo.dir,
      'retrain',
      'fraud-detector',
      '--format',
      'json',
      '--command',
      '["node", "examples/trainer/train.ts", "--sleep", "30"]',
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('training command timed out after 1s and was stopped');
    const outcome = JSON.parse(run.out) as { branch: string; request: RetrainRequest };
    const request = await show<RetrainRequest>(
      repo,
      outcome.branch,
      `${MODEL_DIR}/retrains/${outcome.request.id}.yaml`,
    );
    expect(request).toMatchObject({ status: 'failed', error: expect.stringContaining('timed out') });
  });

  it('snapshots the metrics and thresholds that triggered a drift retrain on the request', async () => {
    const repo = await registryRepo();
    const run = await cli([
      '-C',
      repo.dir,
      'retrain',
      'fraud-detector',
      '--trigger',
      'drift',
      '--reason',
      'feature drift on amount',
      '--metrics',
      '{"psi_amount": 0.31, "auc": 0.83}',
      '--thresholds',
      '[{"metric": "psi_amount", "op": "<=", "threshold": 0.2}]',
      '--command',
      '["node", "examples/trainer/train.ts", "--fail"]',
      '--format',
      'json',
    ]);
    expect(run.code).toBe(1);
    const outcome = JSON.parse(run.out) as { branch: string; request: RetrainRequest };
    const path = `${MODEL_DIR}/retrains/${outcome.request.id}.yaml`;
    expect((await show<RetrainRequest>(repo, outcome.branch, path)).trigger).toEqual({
      kind: 'drift',
      actor: 'alice',
      metrics: { psi_amount: 0.31, auc: 0.83 },
      thresholds: [{ metric: 'psi_amount', op: '<=', threshold: 0.2 }],
    });
  });

  it('rejects --metrics that are not numbers and --thresholds with an unknown operator', async () => {
    const repo = await registryRepo();
    const metrics = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--metrics', '{"auc": "high"}']);
    expect(metrics.code).toBe(2);
    expect(metrics.err).toContain('--metrics must be a JSON object of metric names to numbers');
    const thresholds = await cli([
      '-C',
      repo.dir,
      'retrain',
      'fraud-detector',
      '--thresholds',
      '[{"metric": "auc", "op": "=>", "threshold": 0.8}]',
    ]);
    expect(thresholds.code).toBe(2);
    expect(thresholds.err).toContain('--thresholds must be a JSON array');
  });

  it('rejects a --command that is not a JSON list of strings', async () => {
    const repo = await registryRepo();
    const run = await cli(['-C', repo.dir, 'retrain', 'fraud-detector', '--command', 'node train.ts']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--command is not JSON');
  });
});
