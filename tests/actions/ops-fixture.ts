// A repository in the GitHub double seeded with the example registry and a real production pointer history for
// fraud-detector (v2 from T0, v3 at +100 h, v4 at +150 h), and a clone of it checked out on main: what the
// rollback and incident actions find on a runner after actions/checkout with fetch-depth: 0.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import { git } from '../../src/git/run.ts';
import type { Stages } from '../../src/registry/types.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import type { GitHubDoubleHandle } from '../github-double/harness.ts';

Object.assign(process.env, ISOLATED_GIT_ENV);

export const REPO = 'acme/models';
export const MODEL = 'fraud-detector';
export const STAGES = `registry/models/${MODEL}/stages.yaml`;
const T0 = Date.parse('2026-11-01T00:00:00Z');
export const at = (hours: number): Date => new Date(T0 + hours * 3_600_000);
const stamp = (d: Date) => ({ GIT_AUTHOR_DATE: d.toISOString(), GIT_COMMITTER_DATE: d.toISOString() });

export const BOT = {
  GIT_AUTHOR_NAME: 'tollgate-bot',
  GIT_AUTHOR_EMAIL: 'bot@example.com',
  GIT_COMMITTER_NAME: 'tollgate-bot',
  GIT_COMMITTER_EMAIL: 'bot@example.com',
};

export interface OpsFixture {
  work: string;
  checkout: string;
  gitDir: string;
  env: ActionEnvironment;
  /** The production version on the remote's main. */
  remoteProduction(): Promise<string | undefined>;
  remove(): Promise<void>;
}

async function setProduction(checkout: string, version: string, message: string, when: Date): Promise<void> {
  const path = join(checkout, STAGES);
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.replace(/(production:\n\s+version:) \S+/, `$1 ${version}`));
  await git(checkout, ['commit', '-qam', message], { env: stamp(when) });
}

/** The example policy's dispatch.allowed_senders: the monitoring App's bot. */
export const MONITOR = 'tollgate-monitor[bot]';

/** `policy` edits the example policy's text (e.g. to set state_writes: push). */
export async function opsFixture(
  gh: GitHubDoubleHandle,
  policy: (text: string) => string = (t) => t,
): Promise<OpsFixture> {
  const work = await mkdtemp(join(tmpdir(), 'tollgate-ops-'));
  const { gitDir } = await gh.state.createRepo(REPO);
  const checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout]);
  await git(checkout, ['config', 'user.name', 'Seeder']);
  await git(checkout, ['config', 'user.email', 'seed@example.com']);
  await cp(join(import.meta.dirname, '..', '..', 'registry'), join(checkout, 'registry'), {
    recursive: true,
  });
  const policyFile = join(checkout, 'registry/policy.yaml');
  await writeFile(policyFile, policy(await readFile(policyFile, 'utf8')));
  await git(checkout, ['add', '-A']);
  await git(checkout, ['commit', '-qm', 'Seed the registry'], { env: stamp(at(0)) });
  await setProduction(checkout, 'v2', 'Promote fraud-detector v2 to production', at(0.5));
  await setProduction(checkout, 'v3', 'Promote fraud-detector v3 to production (#1)', at(100));
  await setProduction(checkout, 'v4', 'Promote fraud-detector v4 to production (#2)', at(150));
  await git(checkout, ['push', '--quiet', 'origin', 'main']);
  const env: ActionEnvironment = {
    owner: 'acme',
    repo: 'models',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    workspace: checkout,
    eventName: 'workflow_dispatch',
    event: {},
    sha: await git(checkout, ['rev-parse', 'HEAD']),
    ref: 'refs/heads/main',
    actor: 'oncall',
    runId: '1',
    runAttempt: '1',
  };
  return {
    work,
    checkout,
    gitDir,
    env,
    async remoteProduction() {
      const text = await git(gitDir, ['show', `main:${STAGES}`]);
      return (load(text) as Stages).stages.production?.version;
    },
    remove: () => rm(work, { recursive: true, force: true }),
  };
}
