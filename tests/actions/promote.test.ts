// The promote action against the GitHub double, on a real clone of the double's repository seeded with the
// example registry: one pull request however often it runs, its body kept current, labels and reviewers,
// re-runs after a failure midway, and GitHub failures that say what happened.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTIONS_BOT } from '../../src/actions/checkout.ts';
import { run } from '../../src/actions/promote.ts';
import { contextFromEnv } from './action-context.ts';
import { runPromote, type PromoteInputs } from './promote-face.ts';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import { parseCommitMessage } from '../../src/git/history.ts';
import { git, runGit } from '../../src/git/run.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { exampleRegistryFiles } from '../promotion/example-registry.ts';

const gh = useGitHubDouble();
const REPO = 'acme/models';
const BRANCH = 'tollgate/promote/fraud-detector/production';
const gitEnv = {
  ...ISOLATED_GIT_ENV,
  GIT_AUTHOR_DATE: '2026-11-25T10:00:00Z',
  GIT_COMMITTER_DATE: '2026-11-25T10:00:00Z',
};
const NOW = new Date('2026-11-25T10:00:00Z');
let work: string;
let checkout: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-promote-action-'));
  const repo = await gh.state.createRepo(REPO, { files: { 'README.md': '# models\n' } });
  const source = (await gh.state.headSha(REPO, 'main'))!;
  await gh.state.commit(REPO, 'main', exampleRegistryFiles(source), 'Add the registry');
  for (const login of ['rita-risk', 'alice']) gh.state.setCollaborator(REPO, login, 'write');
  checkout = join(work, 'checkout');
  // As actions/checkout leaves it: the default branch checked out, no commit identity configured.
  await git(work, ['clone', '--quiet', repo.gitDir, checkout], { env: gitEnv });
});
afterEach(() => rm(work, { recursive: true, force: true }));

function environment(overrides: Partial<ActionEnvironment> = {}): ActionEnvironment {
  return {
    owner: 'acme',
    repo: 'models',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    workspace: checkout,
    eventName: 'workflow_dispatch',
    event: {},
    sha: '',
    ref: 'refs/heads/main',
    actor: 'eve',
    runId: '42',
    runAttempt: '1',
    runUrl: 'https://github.com/acme/models/actions/runs/42',
    ...overrides,
  };
}

const inputs = (overrides: Partial<PromoteInputs> = {}): PromoteInputs => ({
  model: 'fraud-detector',
  version: 'v5',
  stage: 'production',
  dryRun: false,
  registry: 'registry',
  ...overrides,
});

const promote = (overrides: Partial<PromoteInputs> = {}, env = environment(), client = gh.client()) =>
  runPromote(inputs(overrides), env, { client, now: NOW, gitEnv });

async function checkoutState(): Promise<string[]> {
  return Promise.all([
    git(checkout, ['rev-parse', 'HEAD']),
    git(checkout, ['symbolic-ref', '--short', 'HEAD']),
    git(checkout, ['status', '--porcelain', '--untracked-files=all']),
  ]);
}

async function remoteBranch(branch = BRANCH): Promise<string | undefined> {
  const { code, stdout } = await runGit(
    gh.state.repo(REPO).gitDir,
    ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`],
    { okCodes: [1, 128] },
  );
  return code === 0 ? stdout.trim() : undefined;
}

describe('promote action', () => {
  it('opens the promotion pull request, labelled, with reviewers for every required role', async () => {
    const before = await checkoutState();
    const client = gh.client();
    const result = await promote({}, environment(), client);
    if (result.status !== 'proposed') throw new Error(result.summary);

    const pulls = gh.state.repo(REPO).pulls;
    expect(pulls).toHaveLength(1);
    const pull = pulls[0]!;
    expect(result.pullRequest).toMatchObject({ number: pull.number, created: true });
    expect(pull).toMatchObject({
      head: BRANCH,
      base: 'main',
      state: 'open',
      title: 'Promote fraud-detector v5 to production (replacing v4)',
      labels: ['tollgate', 'tollgate:promotion', 'stage:production'],
      requestedReviewers: ['rita-risk', 'alice'],
      requestedTeams: ['model-risk', 'compliance', 'fraud-ml'],
    });
    expect(pull.body).toContain('| **auc** | 0.924 | 0.931 | +0.007 |');
    expect(pull.body).toContain(
      'Opened by [this workflow run](https://github.com/acme/models/actions/runs/42).',
    );
    expect(pull.body).toContain('Trained from [`');
    expect(pull.body).toContain('Requested by @eve.');

    const tip = await remoteBranch();
    expect(tip).toBe(result.commit);
    const gitDir = gh.state.repo(REPO).gitDir;
    const message = parseCommitMessage(await git(gitDir, ['log', '-1', '--format=%B', tip!]));
    expect(message.trailers).toMatchObject({ 'Requested-By': ['eve'], From: ['v4'], Stage: ['production'] });
    expect(await git(gitDir, ['log', '-1', '--format=%an <%ae>|%cn', tip!])).toBe(
      `${ACTIONS_BOT.name} <${ACTIONS_BOT.email}>|${ACTIONS_BOT.name}`,
    );
    expect(await git(gitDir, ['diff', '--name-only', 'main', tip!])).toBe(
      'registry/models/fraud-detector/stages.yaml',
    );

    expect(await checkoutState()).toEqual(before);
    expect(result.summary).toContain(`Opened [#${pull.number}]`);
    expect(result.summary).toContain('### Required sign-offs');
    // find, create, label, request reviewers.
    expect(client.calls()).toBe(4);
  });

  it("commits as the checkout's own identity when one is configured, not the fallback bot", async () => {
    await git(checkout, ['config', 'user.name', 'Deploy Key'], { env: gitEnv });
    await git(checkout, ['config', 'user.email', 'deploy@acme.example'], { env: gitEnv });
    expect((await promote()).status).toBe('proposed');
    const tip = (await remoteBranch())!;
    expect(await git(gh.state.repo(REPO).gitDir, ['log', '-1', '--format=%an <%ae>|%cn', tip])).toBe(
      'Deploy Key <deploy@acme.example>|Deploy Key',
    );
  });

  it('never asks the requester to review', async () => {
    const result = await promote({}, environment({ actor: 'alice' }));
    expect(result.status).toBe('proposed');
    const pull = gh.state.repo(REPO).pulls[0]!;
    expect(pull.requestedReviewers).toEqual(['rita-risk']);
    expect(pull.body).toContain('Requested by @alice.');
  });

  it('re-runs update the one pull request: same number, new body, no second pull request', async () => {
    const first = await promote();
    const before = await checkoutState();
    const second = await promote(
      {},
      environment({ runId: '43', runUrl: 'https://github.com/acme/models/actions/runs/43' }),
    );
    if (first.status !== 'proposed' || second.status !== 'proposed') throw new Error('not proposed');
    expect(second.pullRequest).toMatchObject({ number: first.pullRequest!.number, created: false });
    const pulls = gh.state.repo(REPO).pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.body).toContain('actions/runs/43');
    expect(pulls[0]!.labels).toEqual(['tollgate', 'tollgate:promotion', 'stage:production']);
    expect(await remoteBranch()).toBe(second.commit);
    expect(second.summary).toContain(`Updated [#${first.pullRequest!.number}]`);
    expect(await checkoutState()).toEqual(before);
  });

  it.each([
    ['labelling', 'POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels'],
    ['requesting reviewers', 'POST', '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers'],
  ])(
    'a failure while %s fails the run; the re-run completes without a second pull request',
    async (_, method, route) => {
      // The client tries 4 times (3 retries): all 4 fail, then GitHub recovers.
      gh.fault(method, route, { kind: 'server-error' }, 4);
      await expect(promote()).rejects.toThrow(/HTTP 502/);
      expect(gh.state.repo(REPO).pulls).toMatchObject([{ state: 'open' }]);
      expect(await remoteBranch()).toBeDefined();

      const again = await promote();
      expect(again.status === 'proposed' && again.pullRequest!.created).toBe(false);
      const pulls = gh.state.repo(REPO).pulls;
      expect(pulls).toHaveLength(1);
      expect(pulls[0]).toMatchObject({
        state: 'open',
        labels: ['tollgate', 'tollgate:promotion', 'stage:production'],
        requestedReviewers: ['rita-risk', 'alice'],
      });
    },
  );

  it('a pull request whose creation answer was lost is found, not opened twice', async () => {
    gh.fault('POST', '/repos/{owner}/{repo}/pulls', { kind: 'lost-response' }, 1);
    const result = await promote();
    expect(result.status).toBe('proposed');
    expect(gh.state.repo(REPO).pulls).toHaveLength(1);
  });

  it('GitHub failing with 5xx surfaces a clear error and leaves no orphan branch', async () => {
    gh.fault('POST', '/repos/{owner}/{repo}/pulls', { kind: 'server-error', status: 503 }, 4);
    const failure = promote();
    await expect(failure).rejects.toThrow(
      /GitHub API POST \/repos\/\{owner\}\/\{repo\}\/pulls failed \(HTTP 503\)/,
    );
    await expect(failure).rejects.toMatchObject({
      fix: expect.stringMatching(/re-run the job.*githubstatus/),
    });
    expect(gh.state.repo(REPO).pulls).toHaveLength(0);
    expect(await remoteBranch()).toBeUndefined();

    expect((await promote()).status).toBe('proposed');
    expect(gh.state.repo(REPO).pulls).toHaveLength(1);
  });

  it('refuses without touching GitHub or any branch', async () => {
    const client = gh.client();
    const result = await promote({ version: 'v3' }, environment(), client);
    expect(result).toMatchObject({
      status: 'refused',
      reason: expect.stringMatching(/v3 fails its validation gates/),
    });
    expect(result.summary).toContain('**Refused:**');
    expect(client.calls()).toBe(0);
    expect(await remoteBranch()).toBeUndefined();
    expect(await git(checkout, ['branch', '--list', 'tollgate/*'])).toBe('');
  });

  it('dry-run shows the pull request and writes nothing', async () => {
    const before = await checkoutState();
    const result = await runPromote(inputs({ dryRun: true }), environment(), { now: NOW, gitEnv });
    expect(result.status).toBe('dry-run');
    expect(result.summary).toContain('Dry run: nothing was written');
    expect(result.summary).toContain('reviewers to request: @rita-risk, @alice, @acme/model-risk');
    expect(await remoteBranch()).toBeUndefined();
    expect(await git(checkout, ['branch', '--list', 'tollgate/*'])).toBe('');
    expect(await checkoutState()).toEqual(before);
  });

  it('builds on the default branch as fetched, not a stale local copy', async () => {
    await git(checkout, ['checkout', '--quiet', '--detach'], { env: gitEnv });
    await git(checkout, ['branch', '--quiet', '-f', 'main', 'HEAD~1'], { env: gitEnv });
    const result = await promote();
    if (result.status !== 'proposed') throw new Error(result.summary);
    expect(await git(checkout, ['rev-parse', `${result.commit}^`])).toBe(
      await git(checkout, ['rev-parse', 'origin/main']),
    );
  });
});

describe('promote action run()', () => {
  // @actions/core caches the summary file's path on first use, so every run() in this file shares one.
  const summary = join(tmpdir(), `tollgate-promote-summary-${process.pid}.md`);
  afterAll(() => rm(summary, { force: true }));
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    saved = { ...process.env };
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = saved;
    process.exitCode = 0;
  });

  it('sets the outputs and writes the summary with the API call count', async () => {
    const output = join(work, 'output');
    await writeFile(output, '');
    await writeFile(summary, '');
    Object.assign(process.env, gitEnv, {
      GITHUB_WORKSPACE: checkout,
      GITHUB_REPOSITORY: REPO,
      GITHUB_ACTOR: 'eve',
      GITHUB_RUN_ID: '42',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_API_URL: gh.double.baseUrl,
      INPUT_MODEL: 'fraud-detector',
      INPUT_VERSION: 'v5',
      INPUT_STAGE: 'production',
      'INPUT_DRY-RUN': 'false',
      INPUT_REGISTRY: 'registry',
      INPUT_TOKEN: 'test-token',
    });
    delete process.env.GITHUB_EVENT_PATH;
    await run(contextFromEnv());
    expect(process.exitCode).not.toBe(1);
    const text = await readFile(output, 'utf8');
    const outputs: Record<string, string> = {};
    for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
    expect(outputs).toEqual({ branch: BRANCH, 'pull-request': String(gh.state.repo(REPO).pulls[0]!.number) });
    const written = await readFile(summary, 'utf8');
    expect(written).toContain('## Tollgate promote');
    expect(written).toContain('### Metrics');
    expect(written).toContain('GitHub API: 4 calls');
  });

  it('fails the job with the reason and the fix on a refusal', async () => {
    await writeFile(summary, '');
    Object.assign(process.env, gitEnv, {
      GITHUB_WORKSPACE: checkout,
      GITHUB_REPOSITORY: REPO,
      GITHUB_ACTOR: 'eve',
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_API_URL: gh.double.baseUrl,
      INPUT_MODEL: 'fraud-detector',
      INPUT_VERSION: 'v2',
      INPUT_STAGE: 'production',
      'INPUT_DRY-RUN': 'false',
      INPUT_TOKEN: 'test-token',
    });
    delete process.env.GITHUB_OUTPUT;
    delete process.env.GITHUB_EVENT_PATH;
    await run(contextFromEnv());
    expect(process.exitCode).toBe(1);
    const written = await readFile(summary, 'utf8');
    expect(written).toContain('promotion refused: fraud-detector v2 skips a stage');
    expect(written).toContain('fix: promote it to staging first');
    expect(written).toContain('GitHub API: 0 calls');
  });
});
