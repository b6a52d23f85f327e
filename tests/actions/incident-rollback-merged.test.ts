// End to end, a rollback that goes through a pull request: the incident action classifies a P1, records
// rollback-started and opens the rollback pull request; the sign-off gate passes it on the policy's rollback rule
// (model owner only); once merged, the gate's post-merge record adds rollback-completed to the incident, which
// incident stats then read as the time to roll back.
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, expect, it } from 'vitest';
import { runIncident } from '../../src/actions/incident.ts';
import { runSignoffGate } from '../../src/actions/signoff-gate.ts';
import { git } from '../../src/git/run.ts';
import { incidentStats } from '../../src/incident/record.ts';
import type { Incident } from '../../src/registry/types.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { TOLLGATE_APP } from '../github-double/state.ts';
import { BOT, MODEL, REPO, at, opsFixture, type OpsFixture } from './ops-fixture.ts';

const gh = useGitHubDouble();
let fixture: OpsFixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

it('a P1 rollback pull request: rollback rule sign-off, merge, then rollback-completed on the incident', async () => {
  const f = (fixture = await opsFixture(gh));
  gh.state.setCollaborator(REPO, 'alice', 'write');
  const incident = await runIncident({ model: MODEL, metrics: 'accuracy_drop=0.35', dryRun: false }, f.env, {
    client: gh.client(),
    now: at(151),
    clock: () => at(151.1),
    suffix: 'ab12',
    gitEnv: BOT,
  });
  expect(incident.incident.severity).toBe('P1');
  const number = incident.rollbackPullRequest!;
  expect(number).toBeGreaterThan(0);
  const path = `registry/incidents/${incident.incident.id}.yaml`;
  const onMain = async () => load(await git(f.gitDir, ['show', `main:${path}`])) as Incident;
  // The record (merged by the incident action) has rollback-started, and no rollback-completed yet.
  expect((await onMain()).timeline.map((e) => e.event)).toEqual([
    'detected',
    'classified',
    'rollback-started',
    'note',
  ]);

  // The double's clock starts in January; move it past the detection so the merge comes after it.
  const state = gh.state as unknown as { ticks: number };
  state.ticks = (at(151.5).getTime() - Date.parse('2026-01-01T00:00:00Z')) / 60_000;

  const gateCheckout = join(f.work, 'gate');
  await git(f.work, ['clone', '--quiet', f.gitDir, gateCheckout], { env: ISOLATED_GIT_ENV });
  const gate = (event: Record<string, unknown>) =>
    runSignoffGate(
      { checkName: 'tollgate/signoff', registry: 'registry', appId: TOLLGATE_APP.id },
      {
        ...f.env,
        workspace: gateCheckout,
        eventName: 'pull_request_target',
        event: { repository: { default_branch: 'main' }, ...event },
        actor: 'someone',
      },
      { client: gh.client(), now: at(151.6), gitEnv: { ...ISOLATED_GIT_ENV, ...BOT } },
    );

  // The rollback rule asks only for the model owner: v3 held production before.
  await gh.state.addReview(REPO, number, { user: 'alice', state: 'APPROVED' });
  const judged = await gate({ action: 'synchronize', number, pull_request: { number } });
  expect(judged.conclusion, judged.title).toBe('success');

  const mergeSha = await gh.state.mergePull(REPO, number, 'alice');
  const pull = gh.state.pull(REPO, number);
  const recorded = await gate({
    action: 'closed',
    number,
    pull_request: {
      number,
      title: pull.title,
      merged: true,
      merged_at: pull.mergedAt,
      merge_commit_sha: mergeSha,
      merged_by: { login: 'alice' },
      head: { sha: 'ignored' },
      base: { ref: 'main' },
    },
  });
  expect(recorded.error).toBeUndefined();
  expect(await f.remoteProduction()).toBe('v3');

  const after = await onMain();
  const completed = after.timeline.filter((e) => e.event === 'rollback-completed');
  expect(completed).toHaveLength(1);
  const toRollback = Math.round((Date.parse(pull.mergedAt!) - at(151).getTime()) / 1000);
  expect(completed[0]).toMatchObject({ at: pull.mergedAt, duration: toRollback });
  expect(completed[0]!.detail).toContain(`pull request #${number} merged by alice`);
  expect(completed[0]!.detail).toContain(`after rollback-started at ${iso(at(151))}`);
  // The held mark came with the rollback commit.
  const v4 = load(await git(f.gitDir, ['show', `main:registry/models/${MODEL}/versions/v4.yaml`])) as {
    held?: { incident?: string };
  };
  expect(v4.held?.incident).toBe(incident.incident.id);

  const stats = incidentStats([after]);
  expect(stats.incidents[0]).toMatchObject({ toClassify: 0, toRollback, toResolve: null });
  expect(stats.timeToRollback.count).toBe(1);
});
