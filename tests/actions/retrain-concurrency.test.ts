// Twenty retrain runs of one model dispatched at the same moment, each on its own clone of the GitHub double's
// bare repository (as each workflow run has its own checkout): exactly one trains and opens a pull request. And a
// re-run after the pull request could not be opened: no duplicate, no orphan branch.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { dispatchRun, runRetrain, type RetrainActionInputs as RetrainInputs } from './retrain-face.ts';
import { git, runGit } from '../../src/git/run.ts';
import { retrainLockBranch } from '../../src/retrain/flow.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
let work: string;
let gitDir: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-retrain-race-'));
  ({ gitDir } = await gh.state.createRepo('acme/models', { files: exampleFiles() }));
});
afterEach(() => rm(work, { recursive: true, force: true }));

async function clone(name: string): Promise<string> {
  const dir = join(work, name);
  await git(work, ['clone', '--quiet', gitDir, dir], { env: ISOLATED_GIT_ENV });
  await git(dir, ['config', 'user.name', 'tollgate'], { env: ISOLATED_GIT_ENV });
  await git(dir, ['config', 'user.email', 'tollgate@example.com'], { env: ISOLATED_GIT_ENV });
  return dir;
}

const environment = (workspace: string, runId: string) => dispatchRun(workspace, 'tollgate-bot', runId);

const inputs: RetrainInputs = {
  model: 'fraud-detector',
  reason: 'scheduled retrain',
  trigger: 'manual',
  command: '',
  dryRun: false,
  registry: 'registry',
};

const deps = (now = '2026-11-25T22:00:00Z') => ({
  client: gh.client(),
  now: () => new Date(now),
  gitEnv: ISOLATED_GIT_ENV,
  tempDir: work,
});

const remoteBranches = async () =>
  (await git(gitDir, ['for-each-ref', '--format=%(refname:short)', 'refs/heads'])).split('\n');

it('lets exactly one of 20 concurrent retrains of a model proceed, with one pull request', async () => {
  const checkouts = await Promise.all(Array.from({ length: 20 }, (_, i) => clone(`run-${i}`)));
  const outcomes = await Promise.all(
    checkouts.map((dir, i) => runRetrain(inputs, environment(dir, String(100 + i)), deps())),
  );
  const statuses = outcomes.map((o) => o.status);
  expect(statuses.filter((s) => s === 'completed')).toHaveLength(1);
  expect(statuses.filter((s) => s === 'refused')).toHaveLength(19);
  for (const refused of outcomes.filter((o) => o.status === 'refused')) {
    expect(refused.error!.message).toMatch(
      /another run is starting a retrain of fraud-detector|open retrain pull/,
    );
  }
  const pulls = gh.state.repo('acme/models').pulls;
  expect(pulls).toHaveLength(1);
  const winner = outcomes.find((o) => o.status === 'completed')!;
  expect(pulls[0]!.head).toBe(winner.branch);
  // The claim is released once the pull request exists; only the winner's retrain branch was pushed.
  expect((await remoteBranches()).sort()).toEqual(['main', winner.branch].sort());
}, 90_000);

it('refuses while another run holds the claim, and takes over a claim left by a run that died', async () => {
  const holder = await clone('holder');
  const lock = retrainLockBranch('fraud-detector');
  const env = {
    ...ISOLATED_GIT_ENV,
    GIT_AUTHOR_DATE: '2026-11-25T21:00:00Z',
    GIT_COMMITTER_DATE: '2026-11-25T21:00:00Z',
  };
  await git(holder, ['commit', '--quiet', '--allow-empty', '-m', 'claim'], { env });
  await git(holder, ['push', '--quiet', 'origin', `HEAD:refs/heads/${lock}`], { env });

  // One hour later the holder may still be training (within the timeout, 1 h, plus an hour): refused.
  const refused = await runRetrain(inputs, environment(await clone('second'), '201'), deps());
  expect(refused.status).toBe('refused');
  expect(refused.error!.message).toContain(`it holds the branch ${lock}`);
  expect(gh.state.repo('acme/models').pulls).toHaveLength(0);

  // A day later the claim is stale: the run takes it over, and releases it when its pull request is open.
  const later = await runRetrain(
    inputs,
    environment(await clone('third'), '202'),
    deps('2026-11-26T22:00:00Z'),
  );
  expect(later.status).toBe('completed');
  expect(gh.state.repo('acme/models').pulls).toHaveLength(1);
  const { code } = await runGit(gitDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${lock}`], {
    okCodes: [1],
  });
  expect(code).toBe(1);
});

it('a re-run after the pull request could not be opened creates no duplicate and leaves no orphan branch', async () => {
  gh.fault('POST', '/repos/{owner}/{repo}/pulls', { kind: 'forbidden' }, 1);
  await expect(runRetrain(inputs, environment(await clone('first'), '301'), deps())).rejects.toThrow();
  // The pushed retrain branch and the claim are gone again: nothing half written on the remote.
  expect(await remoteBranches()).toEqual(['main']);
  expect(gh.state.repo('acme/models').pulls).toHaveLength(0);

  const rerun = await runRetrain(inputs, environment(await clone('rerun'), '301'), deps());
  expect(rerun.status).toBe('completed');
  // A second re-run finds the pull request the first re-run opened and refuses.
  const again = await runRetrain(inputs, environment(await clone('again'), '301'), deps());
  expect(again.status).toBe('refused');
  expect(gh.state.repo('acme/models').pulls).toHaveLength(1);
  expect((await remoteBranches()).sort()).toEqual(['main', rerun.branch].sort());
});
