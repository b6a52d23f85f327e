// The scheduler and retrain actions' run(): inputs from INPUT_*, outputs, and the job summary with the GitHub
// API call count, against the GitHub double.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run as runRetrainAction } from '../../src/actions/retrain.ts';
import { run as runSchedulerAction } from '../../src/actions/scheduler.ts';
import { git } from '../../src/git/run.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';
import { contextFromEnv } from './action-context.ts';

const gh = useGitHubDouble();
// @actions/core caches the summary file's path on first use, so every run in this file shares one.
const summary = join(tmpdir(), `tollgate-scheduler-summary-${process.pid}.md`);
let work: string;
let checkout: string;
let saved: NodeJS.ProcessEnv;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-action-run-'));
  const { gitDir } = await gh.state.createRepo('acme/models', { files: exampleFiles() });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env: ISOLATED_GIT_ENV });
  saved = { ...process.env };
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  process.exitCode = 0;
  await rm(work, { recursive: true, force: true });
  await rm(summary, { force: true });
});

async function runWith(
  action: (context: ReturnType<typeof contextFromEnv>) => Promise<void>,
  inputs: Record<string, string>,
  ref = 'refs/heads/main',
): Promise<Record<string, string>> {
  const output = join(work, 'output');
  const event = join(work, 'event.json');
  await writeFile(output, '');
  await writeFile(summary, '');
  // GitHub's workflow_dispatch example, dispatched on `ref`, for acme/models whose default branch is main.
  const payload = webhookExample('workflow_dispatch');
  payload.ref = ref;
  payload.repository.default_branch = 'main';
  await writeFile(event, JSON.stringify(payload));
  Object.assign(process.env, ISOLATED_GIT_ENV, {
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_API_URL: gh.double.baseUrl,
    GITHUB_WORKSPACE: checkout,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: event,
    GITHUB_REF: ref,
    GITHUB_ACTOR: 'alice',
    GITHUB_RUN_ID: '91',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: work,
    INPUT_TOKEN: 'test-token',
    INPUT_REGISTRY: 'registry',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  });
  await action(contextFromEnv());
  const outputs: Record<string, string> = {};
  for (const m of (await readFile(output, 'utf8')).matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) {
    outputs[m[1]!] = m[3]!;
  }
  outputs.summary = await readFile(summary, 'utf8');
  return outputs;
}

describe('scheduler action run()', () => {
  it('sets due, dispatched and skipped, and counts its API calls in the summary', async () => {
    const outputs = await runWith(runSchedulerAction, {
      workflow: 'tollgate-retrain.yml',
      ref: '',
      'dry-run': 'false',
    });
    expect(JSON.parse(outputs.due!)).toEqual(['fraud-detector', 'penguin-sex']);
    expect(JSON.parse(outputs.dispatched!)).toEqual(['fraud-detector', 'penguin-sex']);
    expect(JSON.parse(outputs.skipped!)).toEqual([
      { model: 'churn-predictor', reason: 'schedule disabled in model.yaml (schedule.enabled: false)' },
    ]);
    expect(outputs.summary).toContain('## Tollgate scheduler');
    expect(outputs.summary).toContain('GitHub API: 3 calls');
    expect(process.exitCode).not.toBe(1);
  });
});

describe('retrain action run()', () => {
  it('sets request, version, status, pull-request and artifact', async () => {
    const outputs = await runWith(runRetrainAction, {
      model: 'fraud-detector',
      reason: 'weekly refresh',
      trigger: 'schedule',
      command: '',
      'dry-run': 'false',
    });
    expect(outputs).toMatchObject({ status: 'completed', version: 'v6', 'pull-request': '1' });
    expect(outputs['pull-request-url']).toMatch(/^https:\/\/github\.com\/acme\/models\/pull\/1$/);
    expect(outputs.request).toMatch(/^rt-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(outputs.artifact!.startsWith(work)).toBe(true);
    expect(outputs.summary).toContain('Recorded `v6`');
    expect(outputs.summary).toMatch(/GitHub API: \d+ calls/);
    expect(gh.state.repo('acme/models').pulls[0]!.body).toContain('Requested by @alice (schedule)');
    expect(process.exitCode).not.toBe(1);
  });

  it('fails the job with the training error, after setting the outputs', async () => {
    const outputs = await runWith(runRetrainAction, {
      model: 'fraud-detector',
      reason: '',
      trigger: 'manual',
      command: '["node", "examples/trainer/train.ts", "--fail"]',
      'dry-run': 'false',
    });
    expect(outputs).toMatchObject({ status: 'failed', version: '', 'pull-request': '1' });
    expect(outputs.summary).toContain('**Training failed**');
    expect(outputs.summary).toContain('**Tollgate retrain failed:** training command exited with code 1');
    expect(gh.state.repo('acme/models').pulls[0]!.labels).toEqual(['tollgate:state']);
    expect(process.exitCode).toBe(1);
  });

  it('refuses a dispatch on a tag, saying so, and writes nothing', async () => {
    const before = await git(gh.state.repo('acme/models').gitDir, ['for-each-ref', '--format=%(refname)']);
    const outputs = await runWith(
      runRetrainAction,
      { model: 'fraud-detector', reason: '', trigger: 'manual', command: '', 'dry-run': 'false' },
      'refs/tags/v1.2.0',
    );
    expect(outputs.summary).toContain(
      'the retrain workflow runs on the tag v1.2.0, not a branch: refusing, as there is no branch to propose to',
    );
    expect(process.exitCode).toBe(1);
    expect(gh.state.repo('acme/models').pulls).toHaveLength(0);
    expect(await git(gh.state.repo('acme/models').gitDir, ['for-each-ref', '--format=%(refname)'])).toBe(
      before,
    );
  });
});
