// The sign-off gate's world for action tests: the example registry on the double's acme/models, the teams and
// collaborators its policy names, a checkout of main, and helpers to open a promotion, approve and run the gate.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import {
  runSignoffGate,
  type SignoffGateInputs,
  type SignoffGateResult,
} from '../../src/actions/signoff-gate.ts';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import { git } from '../../src/git/run.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import type { GitHubDoubleHandle } from '../github-double/harness.ts';
import { TOLLGATE_APP } from '../github-double/state.ts';

export const FULL = 'acme/models';
export const BRANCH = 'tollgate/promote/fraud-detector/production';
export const STAGES = 'registry/models/fraud-detector/stages.yaml';

async function readTree(dir: string, root = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, await readTree(full, root));
    else out[relative(root, full)] = await readFile(full, 'utf8');
  }
  return out;
}

/** fraud-detector's stages.yaml with these pointers. */
export const stages = (production: string, staging = 'v5') =>
  [
    'apiVersion: tollgate/v1',
    'kind: Stages',
    'model: fraud-detector',
    'stages:',
    '  staging:',
    `    version: ${staging}`,
    '  production:',
    `    version: ${production}`,
    '',
  ].join('\n');

export interface GateFixture {
  /** A temporary folder for this test. */
  readonly work: string;
  /** A clone of main: the gate's checkout. */
  readonly checkout: string;
  /** The example registry, repository-relative path -> text. */
  readonly registryFiles: Record<string, string>;
  openPromotion(extra?: Record<string, string | null>, requester?: string): Promise<string>;
  approve(...logins: string[]): Promise<void>;
  environment(eventName: string, event: Record<string, unknown>): ActionEnvironment;
  gate(options?: {
    client?: GitHubClient;
    event?: [string, Record<string, unknown>];
    inputs?: Partial<SignoffGateInputs>;
  }): Promise<{ result: SignoffGateResult; client: GitHubClient }>;
  checkRuns(): ReturnType<GitHubDoubleHandle['state']['repo']>['checkRuns'];
}

/**
 * risk: rita-risk by name, or acme/model-risk (eve, helper); compliance: acme/compliance (carol; paul pending);
 * fraud-detector owners: alice or acme/fraud-ml (bob); policy-owner: paula-policy. All have write access.
 */
export function useGateFixture(gh: GitHubDoubleHandle): GateFixture {
  let work = '';
  let checkout = '';
  let registryFiles: Record<string, string> | undefined;

  beforeEach(async () => {
    registryFiles ??= Object.fromEntries(
      Object.entries(await readTree(join(import.meta.dirname, '..', '..', 'registry'))).map(
        ([path, text]) => [`registry/${path}`, text],
      ),
    );
    work = await mkdtemp(join(tmpdir(), 'tollgate-gate-'));
    const repo = await gh.state.createRepo(FULL, { files: registryFiles });
    gh.state.addTeam('acme', 'model-risk', { members: ['eve', 'helper'] });
    gh.state.addTeam('acme', 'compliance', { members: ['carol'], pending: ['paul'] });
    gh.state.addTeam('acme', 'fraud-ml', { members: ['bob'] });
    gh.state.user('helper-app[bot]', 'Bot');
    for (const login of [
      'rita-risk',
      'carol',
      'alice',
      'eve',
      'paul',
      'bob',
      'paula-policy',
      'helper-app[bot]',
    ])
      gh.state.setCollaborator(FULL, login, 'write');
    checkout = join(work, 'checkout');
    await git(work, ['clone', '--quiet', repo.gitDir, checkout], { env: ISOLATED_GIT_ENV });
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  const environment = (eventName: string, event: Record<string, unknown>): ActionEnvironment => ({
    owner: 'acme',
    repo: 'models',
    serverUrl: 'https://github.com',
    apiUrl: gh.double.baseUrl,
    workspace: checkout,
    eventName,
    event: { repository: { default_branch: 'main' }, ...event },
    sha: '',
    ref: '',
    actor: 'someone',
    runId: '7',
    runAttempt: '1',
    runUrl: 'https://github.com/acme/models/actions/runs/7',
  });

  return {
    get work() {
      return work;
    },
    get checkout() {
      return checkout;
    },
    get registryFiles() {
      if (!registryFiles) throw new Error('the gate fixture exists only inside a test');
      return registryFiles;
    },
    /** A bot-opened promotion pull request asked for by eve (Requested-By), as `tollgate promote` makes it. */
    async openPromotion(extra = {}, requester = 'eve') {
      const head = await gh.state.commit(
        FULL,
        BRANCH,
        { [STAGES]: stages('v5'), ...extra },
        `Promote fraud-detector v5 to production\n\nTollgate-Event: promote\nModel: fraud-detector\nRequested-By: ${requester}\n`,
        'tollgate-bot',
      );
      gh.state.openPull(FULL, { head: BRANCH, user: 'tollgate-bot' });
      return head;
    },
    async approve(...logins) {
      for (const user of logins) await gh.state.addReview(FULL, 1, { user, state: 'APPROVED' });
    },
    environment,
    /** The gate as Tollgate's App runs it (app-id pinned), on pull request #1 unless told otherwise. */
    async gate(options = {}) {
      const client = options.client ?? gh.client();
      const head = await gh.state.headSha(FULL, BRANCH);
      const [name, event] = options.event ?? [
        'pull_request_target',
        { number: 1, pull_request: { number: 1, head: { sha: head } } },
      ];
      const result = await runSignoffGate(
        { checkName: 'tollgate/signoff', registry: 'registry', appId: TOLLGATE_APP.id, ...options.inputs },
        environment(name, event),
        { client, now: new Date('2026-11-25T12:00:00Z') },
      );
      return { result, client };
    },
    checkRuns: () => gh.state.repo(FULL).checkRuns,
  };
}
