// The scheduler job flow behind the scheduler action: the mode input, and a tick whose dispatches fail still
// renders its outputs and summary, with the failure to raise after them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.ts';
import { git } from '../../src/git/run.ts';
import { schedulerJobFlow, schedulerMode, type SchedulerJobInput } from '../../src/scheduler/job-flow.ts';
import { exampleFiles } from '../cli/registry-repo.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
let work: string;
let checkout: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tollgate-scheduler-job-'));
  const { gitDir } = await gh.state.createRepo('acme/models', { files: exampleFiles() });
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', gitDir, checkout], { env: ISOLATED_GIT_ENV });
});
afterEach(() => rm(work, { recursive: true, force: true }));

describe('schedulerMode', () => {
  it('reads an empty mode as tick and takes each named mode', () => {
    expect(schedulerMode('')).toBe('tick');
    for (const mode of ['tick', 'escalate', 'digest'] as const) expect(schedulerMode(mode)).toBe(mode);
  });

  it('refuses any other mode as a usage error that lists the modes', () => {
    let error: unknown;
    try {
      schedulerMode('sweep');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).kind).toBe('usage');
    expect((error as TollgateError).message).toBe('mode sweep is not one of tick, escalate, digest');
  });
});

describe('schedulerJobFlow', () => {
  const input = (over: Partial<SchedulerJobInput>): SchedulerJobInput => ({
    mode: 'tick',
    workspace: checkout,
    repo: { owner: 'acme', repo: 'models' },
    registry: 'registry',
    dryRun: false,
    workflow: '',
    ref: '',
    ...over,
  });
  const ports = () => ({
    client: gh.client(),
    env: {},
    gitEnv: {},
    clock: () => new Date('2030-01-01T00:00:00Z'),
  });

  it('a tick that cannot dispatch renders what was due and nothing dispatched, then names the failure and its fix', async () => {
    const result = await schedulerJobFlow(input({ ref: 'no-such-branch' }), ports());
    const due = JSON.parse(result.outputs.due!) as string[];
    expect(due.length).toBeGreaterThan(0);
    expect(JSON.parse(result.outputs.dispatched!)).toEqual([]);
    expect(result.summary).toContain('Dispatch failed');
    expect(result.warnings).toEqual([]);
    expect(result.failure?.message).toMatch(new RegExp(`^could not dispatch ${due[0]}`));
    expect(result.failure?.fix).toBe(
      'check that tollgate-retrain.yml exists on no-such-branch and the token has actions: write',
    );
    expect(gh.state.repo('acme/models').workflowDispatches).toEqual([]);
  });

  it('a tick that dispatches raises nothing', async () => {
    const result = await schedulerJobFlow(input({ workflow: 'retrain.yml' }), ports());
    const dispatched = JSON.parse(result.outputs.dispatched!) as string[];
    expect(dispatched.length).toBeGreaterThan(0);
    expect(result.failure).toBeUndefined();
    expect(gh.state.repo('acme/models').workflowDispatches.map((d) => d.workflow)).toEqual(
      dispatched.map(() => 'retrain.yml'),
    );
  });
});
