// The retrain template's two jobs against the GitHub double: the training job (mode train) runs the model's code
// on a clone it cannot push from, with a token that only reads; its output folder travels as an artifact; the
// recording job (mode record), on its own clone, checks the report and the files before it records anything.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.ts';
import { runRecordStep, runTrainStep, type RetrainFlowInput } from '../../src/retrain/flow.ts';
import { trainingSummary } from '../../src/retrain/summary.ts';
import { retrainModeOf, retrainRequestOf, type RetrainInputs } from '../../src/retrain/trigger.ts';
import { git } from '../../src/git/run.ts';
import type { Model, ModelVersion, RetrainRequest } from '../../src/registry/types.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const MODEL_DIR = 'registry/models/fraud-detector';
let work: string;
let gitDir: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-retrain-two-jobs-'));
  ({ gitDir } = await gh.state.createRepo('acme/models', { files: exampleFiles() }));
});
afterEach(() => rm(work, { recursive: true, force: true }));

/** A job's checkout; the training job's cannot push (persist-credentials: false leaves it no credential). */
async function checkout(name: string, canPush: boolean): Promise<string> {
  const dir = join(work, name);
  await git(work, ['clone', '--quiet', gitDir, dir], { env: ISOLATED_GIT_ENV });
  await git(dir, ['config', 'user.name', 'tollgate'], { env: ISOLATED_GIT_ENV });
  await git(dir, ['config', 'user.email', 'tollgate@example.com'], { env: ISOLATED_GIT_ENV });
  if (!canPush) await git(dir, ['remote', 'set-url', '--push', 'origin', join(work, 'no-credential')]);
  return dir;
}

/** What the action's face hands the flow in either job: the same request, that job's checkout and token. */
const flowInput = (workspace: string, over: RetrainInputs, deps: Deps): RetrainFlowInput => ({
  ...retrainRequestOf(over),
  repoRoot: workspace,
  registryPrefix: 'registry',
  actor: 'alice',
  dryRun: false,
  baseBranch: 'main',
  runUrl: 'https://github.com/acme/models/actions/runs/88',
  now: deps.now,
  github: { client: deps.client, repo: { owner: 'acme', repo: 'models' } },
  gitEnv: deps.gitEnv,
  tempDir: deps.tempDir,
});
const trainJob = (workspace: string, over: Partial<RetrainInputs>, d = deps()) =>
  runTrainStep(flowInput(workspace, inputs(over), d));
const recordJob = (
  workspace: string,
  over: Partial<RetrainInputs>,
  handoff: { report: string; outputDir?: string },
  d = deps(),
) =>
  runRecordStep(flowInput(workspace, inputs(over), d), {
    report: handoff.report,
    outputDir: handoff.outputDir ?? '',
  });

const inputs = (over: Partial<RetrainInputs> = {}): RetrainInputs => ({
  model: 'fraud-detector',
  reason: 'weekly refresh',
  trigger: 'manual',
  command: '',
  ...over,
});

interface Deps {
  client: GitHubClient;
  now: () => Date;
  gitEnv: NodeJS.ProcessEnv;
  tempDir: string;
}

let clock = Date.parse('2026-11-25T22:00:00Z');
const deps = (client = gh.client()): Deps => ({
  client,
  // Each reading a second later, so the recorded times are ordered as a real run's.
  now: () => new Date((clock += 1000)),
  gitEnv: ISOLATED_GIT_ENV,
  tempDir: work,
});

/** The artifact upload and download between the jobs: a copy of the folder, into the recording job's temp. */
async function transfer(outputDir: string): Promise<string> {
  const downloaded = join(work, 'downloaded');
  await cp(outputDir, downloaded, { recursive: true });
  return downloaded;
}

const remote = async <T>(ref: string, path: string): Promise<T> =>
  load(await git(gitDir, ['show', `${ref}:${path}`])) as T;

describe('a retrain in two jobs', () => {
  it('trains without writing anything, then records exactly what was trained on a pull request', async () => {
    const trainClient = gh.client();
    const trainer = await checkout('train', false);
    const trained = await trainJob(trainer, {}, deps(trainClient));
    expect(trained.status).toBe('trained');
    // The training job only read: one listing of open retrain pull requests, no branch, no pull request.
    expect(trainClient.calls()).toBe(1);
    expect(gh.state.repo('acme/models').pulls).toHaveLength(0);
    expect(
      (await git(gitDir, ['for-each-ref', '--format=%(refname:short)', 'refs/heads'])).split('\n'),
    ).toEqual(['main']);
    const report = trained.report!;
    expect(report).toMatchObject({
      model: 'fraud-detector',
      version: 'v6',
      parent: 'v4',
      outcome: 'trained',
    });
    expect(report.source_commit).toBe(await git(trainer, ['rev-parse', 'HEAD']));
    expect(trainingSummary(trained)).toContain(`sha256 \`${report.artifact!.sha256}\``);

    const recorder = await checkout('record', true);
    const recorded = await recordJob(
      recorder,
      {},
      { report: JSON.stringify(report), outputDir: await transfer(trained.outputDir!) },
    );
    expect(recorded.status).toBe('completed');
    const [pull] = gh.state.repo('acme/models').pulls;
    expect(pull).toMatchObject({
      head: `tollgate/retrain/fraud-detector/${report.request}`,
      labels: ['tollgate:retrain'],
    });
    const version = await remote<ModelVersion>(pull!.head, `${MODEL_DIR}/versions/v6.yaml`);
    expect(version.artifact).toMatchObject({ sha256: report.artifact!.sha256, size: report.artifact!.size });
    expect(version.metrics).toEqual(trained.metrics);
    expect(version.source.commit).toBe(report.source_commit);
    const request = await remote<RetrainRequest>(pull!.head, `${MODEL_DIR}/retrains/${report.request}.yaml`);
    expect(request).toMatchObject({
      status: 'completed',
      created_at: report.created_at,
      started_at: report.started_at,
      completed_at: report.finished_at,
      trigger: { kind: 'manual', actor: 'alice' },
    });
  }, 60_000);

  it('records a tampered artifact as a failed retrain, never as a version', async () => {
    const trained = await trainJob(await checkout('train', false), {});
    const downloaded = await transfer(trained.outputDir!);
    const artifact = join(downloaded, trained.report!.artifact!.name);
    await writeFile(artifact, Buffer.concat([await readFile(artifact), Buffer.from('backdoor')]));
    const recorded = await recordJob(
      await checkout('record', true),
      {},
      { report: JSON.stringify(trained.report), outputDir: downloaded },
    );
    expect(recorded.status).toBe('failed');
    expect(recorded.error!.message).toMatch(/not what the training job reported: .* has sha256 [0-9a-f]{64}/);
    const pulls = gh.state.repo('acme/models').pulls;
    expect(pulls.map((p) => p.head)).toEqual([`tollgate/state/fraud-detector/${trained.report!.request}`]);
    expect(
      await remote<RetrainRequest>(pulls[0]!.head, `${MODEL_DIR}/retrains/${trained.report!.request}.yaml`),
    ).toMatchObject({ status: 'failed' });
  }, 60_000);

  it('refuses a report that disagrees with what the recording job derives itself, writing nothing', async () => {
    const trained = await trainJob(await checkout('train', false), {});
    const outputDir = await transfer(trained.outputDir!);
    const recorder = await checkout('record', true);
    for (const [forged, field] of [
      [{ version: 'v9' }, 'report.version'],
      [{ source_commit: 'f'.repeat(40) }, 'report.source_commit'],
      [{ command: ['sh', '-c', 'curl evil'] }, 'report.command'],
    ] as const) {
      const report = JSON.stringify({ ...trained.report, ...forged });
      await expect(recordJob(recorder, {}, { report, outputDir })).rejects.toMatchObject({ field });
    }
    expect(gh.state.repo('acme/models').pulls).toHaveLength(0);
  }, 60_000);

  it('records a failed training as state, from the report alone', async () => {
    const trained = await trainJob(await checkout('train', false), {
      command: '["node", "examples/trainer/train.ts", "--fail"]',
    });
    expect(trained).toMatchObject({ status: 'failed', report: { outcome: 'failed', exit_code: 1 } });
    const recorded = await recordJob(
      await checkout('record', true),
      { command: '["node", "examples/trainer/train.ts", "--fail"]' },
      { report: JSON.stringify(trained.report) },
    );
    expect(recorded.status).toBe('failed');
    expect(recorded.error!.message).toContain('training command exited with code 1');
    expect(gh.state.repo('acme/models').pulls[0]).toMatchObject({ labels: ['tollgate:state'] });
  }, 60_000);

  it('runs the artifact validator in the training job; its rejection is recorded as the failure', async () => {
    const model = load(await git(gitDir, ['show', `main:${MODEL_DIR}/model.yaml`])) as Model;
    model.training!.artifact_validator = [
      'node',
      '-e',
      "console.error('model.json lacks a calibration block'); process.exit(4)",
    ];
    await gh.state.commit(
      'acme/models',
      'main',
      { [`${MODEL_DIR}/model.yaml`]: dump(model) },
      'Validate the artifact',
      'alice',
    );
    const trained = await trainJob(await checkout('train', false), {});
    expect(trained).toMatchObject({
      status: 'failed',
      report: { outcome: 'failed', exit_code: 0, failure_reason: 'artifact-validation' },
    });
    const recorded = await recordJob(
      await checkout('record', true),
      {},
      { report: JSON.stringify(trained.report) },
    );
    expect(recorded.status).toBe('failed');
    expect(recorded.error!.message).toContain('the artifact validator rejected the artifact');
    expect(recorded.error!.message).toContain('model.json lacks a calibration block');
    expect(gh.state.repo('acme/models').pulls[0]).toMatchObject({ labels: ['tollgate:state'] });
  }, 60_000);

  it('names the mode input when it is wrong, and the report when it is missing', async () => {
    await expect(recordJob(await checkout('record', true), {}, { report: '' })).rejects.toThrow(
      expect.objectContaining({ message: 'input "report" is required in mode record', field: 'report' }),
    );
    expect(retrainModeOf('')).toBe('all');
    expect(() => retrainModeOf('deploy')).toThrow(
      'input "mode" must be one of all, train, record, not "deploy"',
    );
  });
});
