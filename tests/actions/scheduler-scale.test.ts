// A scheduler tick over 1,000 models against the GitHub double: the API calls are one pull-request listing plus
// one dispatch per model it starts, however many models are scheduled (the benchmark's registry, bench/).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { scheduleTick } from '../../src/scheduler/flow.ts';
import { modelName } from '../../bench/generate-registry.ts';
import { TICK, writeScheduledRegistry } from '../../bench/scheduler.bench.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'tollgate-scheduler-scale-'));
  await writeScheduledRegistry(join(workspace, 'registry'), 1000);
  await gh.state.createRepo('acme/models', { files: { 'README.md': 'models\n' } });
  // An open retrain pull request of one overdue model: skipped, at no extra call.
  const head = `tollgate/retrain/${modelName(0)}/rt-20261125-200000-cd34`;
  await gh.state.commit('acme/models', head, { 'x.txt': 'x\n' }, 'wip');
  gh.state.openPull('acme/models', { head });
});
afterEach(() => rm(workspace, { recursive: true, force: true }));

it('ticks over 1,000 models with one listing plus one call per dispatched model', async () => {
  const client = gh.client();
  const result = await scheduleTick(
    { workflow: 'tollgate-retrain.yml', ref: '', dryRun: false, registry: 'registry' },
    { repoRoot: workspace, github: { client, repo: { owner: 'acme', repo: 'models' } }, now: TICK },
  );
  // A fifth of the models is due; of those, the ones with a running request or an open pull request wait.
  expect(result.plan.due).toHaveLength(200);
  expect(result.plan.dispatch).toHaveLength(99);
  expect(result.plan.dispatch).not.toContain(modelName(0));
  expect(result.plan.skipped).toHaveLength(901);
  expect(gh.state.repo('acme/models').workflowDispatches).toHaveLength(99);
  expect(result.failures).toEqual([]);
  expect(client.calls()).toBe(result.plan.dispatch.length + 1);
});
