// The scheduler action against the GitHub double: due models are dispatched once each; paused, cooling down,
// disabled and already-retraining models are skipped with their reason; a dry run dispatches nothing.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scheduleTick, type SchedulerTickRequest } from '../../src/scheduler/flow.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import { git } from '../../src/git/run.ts';
import { retrainLockBranch, retrainLockFile } from '../../src/retrain/flow.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const NOW = new Date('2026-11-25T22:00:00Z');
let work: string;
let checkout: string;

const model = (name: string) =>
  dump({
    apiVersion: 'tollgate/v1',
    kind: 'Model',
    name,
    owners: { users: ['alice'] },
    schedule: { interval: 86400 },
  });
const schedule = (name: string, extra: Record<string, unknown> = {}) =>
  dump({
    apiVersion: 'tollgate/v1',
    kind: 'Schedule',
    schema_version: 1,
    model: name,
    interval: 86400,
    next_run: '2026-11-25T00:00:00Z',
    failure_streak: 0,
    ...extra,
  });

/** fraud-detector and penguin-sex are overdue; churn-predictor is disabled; the others are due but held back, or not due. */
function registryFiles(): Record<string, string> {
  const files = exampleFiles();
  for (const name of ['ranker', 'spam-filter', 'search', 'pricing', 'vision']) {
    files[`registry/models/${name}/model.yaml`] = model(name);
  }
  files['registry/models/ranker/schedule.yaml'] = schedule('ranker', {
    paused_until: '2026-11-26T00:00:00Z',
    paused_reason: 'feature freeze',
    paused_by: 'bob',
  });
  files['registry/models/spam-filter/schedule.yaml'] = schedule('spam-filter');
  files['registry/models/search/schedule.yaml'] = schedule('search');
  files['registry/models/search/retrains/rt-20261125-210000-ab12.yaml'] = dump({
    apiVersion: 'tollgate/v1',
    kind: 'RetrainRequest',
    id: 'rt-20261125-210000-ab12',
    model: 'search',
    status: 'running',
    reason: 'manual',
    trigger: { kind: 'manual', actor: 'carol' },
    created_at: '2026-11-25T21:00:00Z',
    run: { url: 'https://github.com/acme/models/actions/runs/55' },
  });
  files['registry/models/pricing/schedule.yaml'] = schedule('pricing', {
    last_failure: '2026-11-25T21:30:00Z',
    failure_streak: 2,
    cooldown_until: '2026-11-25T22:30:00Z',
  });
  files['registry/models/vision/schedule.yaml'] = schedule('vision', { next_run: '2026-11-26T00:00:00Z' });
  return files;
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-scheduler-action-'));
  const { gitDir } = await gh.state.createRepo('acme/models', { files: registryFiles() });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env: ISOLATED_GIT_ENV });
  // An open retrain pull request of spam-filter, from an earlier run.
  await gh.state.commit(
    'acme/models',
    'tollgate/retrain/spam-filter/rt-20261125-200000-cd34',
    { 'x.txt': 'x\n' },
    'wip',
  );
  gh.state.openPull('acme/models', {
    head: 'tollgate/retrain/spam-filter/rt-20261125-200000-cd34',
    title: 'Retrain spam-filter',
  });
});
afterEach(() => rm(work, { recursive: true, force: true }));

/** The tick as the scheduler action's face calls it, on this checkout of acme/models. */
const runScheduler = (request: SchedulerTickRequest, deps: { client: GitHubClient; now: Date }) =>
  scheduleTick(request, {
    repoRoot: checkout,
    github: { client: deps.client, repo: { owner: 'acme', repo: 'models' } },
    now: deps.now,
  });

const inputs = { workflow: 'tollgate-retrain.yml', ref: '', dryRun: false, registry: 'registry' };

describe('scheduler action', () => {
  it('dispatches the due models and skips paused, cooling, disabled and active ones, saying why', async () => {
    const client = gh.client();
    const result = await runScheduler(inputs, { client, now: NOW });
    expect(result.plan.due).toEqual(['fraud-detector', 'penguin-sex', 'search', 'spam-filter']);
    expect(result.plan.dispatch).toEqual(['fraud-detector', 'penguin-sex']);
    expect(gh.state.repo('acme/models').workflowDispatches).toEqual([
      {
        workflow: 'tollgate-retrain.yml',
        ref: 'main',
        inputs: { model: 'fraud-detector', reason: 'scheduled retrain', trigger: 'schedule' },
      },
      {
        workflow: 'tollgate-retrain.yml',
        ref: 'main',
        inputs: { model: 'penguin-sex', reason: 'scheduled retrain', trigger: 'schedule' },
      },
    ]);
    const reasons = Object.fromEntries(result.plan.skipped.map((s) => [s.model, s.reason]));
    expect(reasons).toEqual({
      'churn-predictor': 'schedule disabled in model.yaml (schedule.enabled: false)',
      pricing: 'cooling down until 2026-11-25T22:30:00Z after 2 consecutive failure(s)',
      ranker: 'paused until 2026-11-26T00:00:00Z by bob: feature freeze',
      search:
        'due, but a retrain is already active: retrain request https://github.com/acme/models/actions/runs/55',
      'spam-filter': expect.stringMatching(
        /^due, but a retrain is already active: retrain pull request #1 https:/,
      ),
      vision: 'next run at 2026-11-26T00:00:00Z',
    });
    expect(result.dispatched.map((d) => d.model)).toEqual(['fraud-detector', 'penguin-sex']);
    expect(result.summary).toContain('4 due, 2 dispatched, 6 skipped');
    // One paginated list of pull requests, one dispatch per model.
    expect(client.calls()).toBe(3);
  });

  it('dispatches nothing on a dry run, and takes the ref input over the default branch', async () => {
    const client = gh.client();
    const result = await runScheduler(
      { ...inputs, dryRun: true, ref: 'release' },
      {
        client,
        now: NOW,
      },
    );
    expect(result.plan.dispatch).toEqual(['fraud-detector', 'penguin-sex']);
    expect(result.dispatched).toEqual([]);
    expect(result.summary).toContain(
      '**Dry run:** nothing was dispatched; `tollgate-retrain.yml` would run on `release`',
    );
    expect(gh.state.repo('acme/models').workflowDispatches).toEqual([]);
    expect(client.calls()).toBe(1);
  });

  it('skips a model whose retrain is running now (it holds the claim branch), but not one left by a dead run', async () => {
    // fraud-detector is training (claimed 20 minutes ago); penguin-sex's claim is two days old: its run died.
    const claim = async (name: string, at: string, body: string) => {
      const env = { ...ISOLATED_GIT_ENV, GIT_AUTHOR_DATE: at, GIT_COMMITTER_DATE: at };
      const other = join(work, `claim-${name}`);
      await git(work, ['clone', '--quiet', gh.state.repo('acme/models').gitDir, other], { env });
      await mkdir(join(other, '.tollgate', 'retrain-lock'), { recursive: true });
      await writeFile(join(other, retrainLockFile(name)), body);
      await git(other, ['add', '-A'], { env });
      await git(other, ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'claim'], {
        env,
      });
      await git(other, ['push', '--quiet', 'origin', `HEAD:refs/heads/${retrainLockBranch(name)}`], { env });
    };
    await claim(
      'fraud-detector',
      '2026-11-25T21:40:00Z',
      'rt-20261125-214000-ef56\nhttps://github.com/acme/models/actions/runs/88\n',
    );
    await claim('penguin-sex', '2026-11-23T21:40:00Z', 'rt-20261123-214000-0a0b\n\n');
    const client = gh.client();
    const result = await runScheduler(inputs, { client, now: NOW });
    expect(result.plan.dispatch).toEqual(['penguin-sex']);
    expect(result.plan.skipped).toContainEqual({
      model: 'fraud-detector',
      reason:
        'due, but a retrain is already active: retrain request rt-20261125-214000-ef56 running: https://github.com/acme/models/actions/runs/88',
    });
    // Read with git from the checkout's remote: still one listing plus one dispatch.
    expect(client.calls()).toBe(2);
    expect(result.summary).not.toContain('Could not read the claim branches');
  });

  it('goes on without the claim look when the checkout has no remote, and says so', async () => {
    await git(checkout, ['remote', 'remove', 'origin'], { env: ISOLATED_GIT_ENV });
    const result = await runScheduler(inputs, { client: gh.client(), now: NOW });
    expect(result.plan.dispatch).toEqual(['fraud-detector', 'penguin-sex']);
    expect(result.summary).toContain('Could not read the claim branches');
  });

  it('keeps dispatching the other models when one dispatch fails', async () => {
    gh.fault(
      'POST',
      '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
      { kind: 'forbidden' },
      1,
    );
    const result = await runScheduler(inputs, {
      client: gh.client(),
      now: new Date('2026-11-26T01:00:00Z'),
    });
    // At 01:00 the next day ranker's pause and vision's wait are over too.
    expect(result.plan.dispatch).toEqual(['fraud-detector', 'penguin-sex', 'pricing', 'ranker', 'vision']);
    expect(result.failures.map((f) => f.model)).toEqual(['fraud-detector']);
    expect(result.dispatched.map((d) => d.model)).toEqual(['penguin-sex', 'pricing', 'ranker', 'vision']);
    expect(result.summary).toContain('### Dispatch failed');
  });
});
