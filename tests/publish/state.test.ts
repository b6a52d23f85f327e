// The registry-state path against the GitHub double: a state-only pull request is merged by the action itself,
// at once or by auto-merge once the gate's check passes; pushed straight where the policy says so.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { upsertCheckRun } from '../../src/github/checks.ts';
import { git } from '../../src/git/run.ts';
import { publishStateChange, type StateChangeRequest } from '../../src/publish/state.ts';
import type { AuditEvent } from '../../src/registry/types.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const FULL = 'acme/models';
const repo = { owner: 'acme', repo: 'models' };
const env = {
  ...ISOLATED_GIT_ENV,
  GIT_AUTHOR_DATE: '2026-11-25T10:00:00Z',
  GIT_COMMITTER_DATE: '2026-11-25T10:00:00Z',
};
let work: string;
let checkout: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-state-'));
  const { gitDir } = await gh.state.createRepo(FULL, { files: { 'registry/README.md': 'registry\n' } });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env });
  await git(checkout, ['config', 'user.name', 'tollgate'], { env });
  await git(checkout, ['config', 'user.email', 'tollgate@example.com'], { env });
});
afterEach(() => rm(work, { recursive: true, force: true }));

const event: AuditEvent = {
  apiVersion: 'tollgate/v1',
  kind: 'AuditEvent',
  id: '20261125T100000Z-retrain-failed-fraud',
  at: '2026-11-25T10:00:00Z',
  event: 'retrain-failed',
  actor: 'tollgate-bot',
  model: 'fraud',
};
const AUDIT_FILE = 'registry/audit/2026/11/20261125T100000Z-retrain-failed-fraud.yaml';

const request = (over: Partial<StateChangeRequest> = {}): StateChangeRequest => ({
  repoRoot: checkout,
  registryDir: 'registry',
  writes: [{ path: 'audit/2026/11/20261125T100000Z-retrain-failed-fraud.yaml', document: event }],
  message: 'Record failed retrain of fraud',
  trailers: { 'Tollgate-Event': 'retrain-failed', Model: 'fraud' },
  baseBranch: 'main',
  stateWrites: 'pull-request',
  branch: 'tollgate/state/fraud/r1',
  pullRequest: { title: 'Record failed retrain of fraud', body: 'state only', labels: ['tollgate:state'] },
  env,
  ...over,
});

const github = () => ({ client: gh.client(), repo });
const onMain = (path: string) => git(gh.state.repo(FULL).gitDir, ['show', `main:${path}`]);

it('merges the state pull request at once when nothing blocks it, as one squash commit', async () => {
  const result = await publishStateChange(request(), github());
  expect(result.mode).toBe('pull-request');
  expect(result.pullRequest?.merge.status).toBe('merged');
  expect(gh.state.repo(FULL).pulls[0]).toMatchObject({ merged: true, state: 'closed' });
  expect(await onMain(AUDIT_FILE)).toContain('event: retrain-failed');
  // Squash: the default branch gains one commit whose only parent is the old tip.
  expect(await git(gh.state.repo(FULL).gitDir, ['rev-list', '--count', 'main'])).toBe('2');
  expect(await git(checkout, ['status', '--porcelain'])).toBe('');
});

it('enables auto-merge while the gate check is pending, and GitHub merges once the gate passes it', async () => {
  gh.state.repo(FULL).requiredChecks = ['tollgate/signoff'];
  const result = await publishStateChange(request(), github());
  expect(result.pullRequest?.merge.status).toBe('auto-merge');
  const pull = gh.state.repo(FULL).pulls[0]!;
  expect(pull).toMatchObject({ state: 'open', autoMerge: { method: 'squash', expectedHead: result.commit } });
  // What the sign-off gate does on the pull request: a passing check on its head completes the merge.
  await upsertCheckRun(gh.client(), repo, {
    name: 'tollgate/signoff',
    headSha: result.commit,
    conclusion: 'success',
    title: 'State change only: no sign-off required',
    summary: 'state only',
  });
  expect(pull.merged).toBe(true);
  expect(await onMain(AUDIT_FILE)).toContain('event: retrain-failed');
});

it('does not merge on a failing gate check', async () => {
  gh.state.repo(FULL).requiredChecks = ['tollgate/signoff'];
  const result = await publishStateChange(request(), github());
  await upsertCheckRun(gh.client(), repo, {
    name: 'tollgate/signoff',
    headSha: result.commit,
    conclusion: 'failure',
    title: 'Blocked',
    summary: 'not only state',
  });
  expect(gh.state.repo(FULL).pulls[0]!.merged).toBe(false);
});

it('falls back to a merge method the repository allows', async () => {
  gh.state.repo(FULL).mergeMethods = ['merge'];
  const result = await publishStateChange(request(), github());
  expect(result.pullRequest?.merge.status).toBe('merged');
  const parents = await git(gh.state.repo(FULL).gitDir, ['rev-list', '--parents', '-n', '1', 'main']);
  expect(parents.split(' ')).toHaveLength(3);
});

it('leaves the pull request open with the reason and the fix when auto-merge is off', async () => {
  gh.state.repo(FULL).requiredChecks = ['tollgate/signoff'];
  gh.state.repo(FULL).allowAutoMerge = false;
  const result = await publishStateChange(request(), github());
  const merge = result.pullRequest?.merge;
  expect(merge?.status).toBe('open');
  expect(merge?.status === 'open' && merge.reason).toMatch(/tollgate\/signoff.*Auto merge is not allowed/s);
  expect(gh.state.repo(FULL).pulls[0]).toMatchObject({ state: 'open', merged: false });
});

it('pushes straight to the default branch when the policy says state_writes: push', async () => {
  const result = await publishStateChange(request({ stateWrites: 'push' }), github());
  expect(result.mode).toBe('pushed');
  expect(gh.state.repo(FULL).pulls).toHaveLength(0);
  expect(await onMain(AUDIT_FILE)).toContain('event: retrain-failed');
});

it('without GitHub, commits to the state branch only and leaves the checkout alone', async () => {
  const result = await publishStateChange(request());
  expect(result).toMatchObject({ mode: 'committed', branch: 'tollgate/state/fraud/r1' });
  expect(await git(checkout, ['show', `tollgate/state/fraud/r1:${AUDIT_FILE}`])).toContain('retrain-failed');
  expect(await git(checkout, ['rev-list', '--count', 'main'])).toBe('1');
});

it('refuses a state branch the gate does not guard, before touching git or GitHub', async () => {
  // Only tollgate/state/* and tollgate/incident/* are held to state-only changes by the gate; Tollgate merging a
  // pull request from any other branch would merge whatever someone pushed onto it.
  await expect(publishStateChange(request({ branch: 'feature/records' }), github())).rejects.toThrow(
    /state branch feature\/records is not under tollgate\/state\/ or tollgate\/incident\//,
  );
  expect(gh.state.repo(FULL).pulls).toHaveLength(0);
});
