import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommitMessage } from '../../src/git/history.ts';
import { decideAutoRollback, openIncident } from '../../src/incident/record.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import {
  applyRollback,
  heldVersions,
  planRollback,
  pointerHistory,
  registryTimeline,
} from '../../src/rollback/execute.ts';
import { renderPostmortem, resolveIncident } from '../../src/incident/record.ts';
import { chooseRollbackTarget, lastMoveWasRollback } from '../../src/rollback/target.ts';
import type { ModelVersion, Stages } from '../../src/registry/types.ts';
import { hours, makeRepo, stagesYaml, versionYaml, type TestRepo } from './repo.ts';

const STAGES = 'registry/models/fraud/stages.yaml';
const DAY = 86_400;
const repos: TestRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.remove()));

async function repo(): Promise<TestRepo> {
  const r = await makeRepo();
  repos.push(r);
  return r;
}

/** v1 100 h, v2 48 h, v3 2 h, v4 live; a staging-only change in between that is not a production move. */
async function linear(): Promise<{ r: TestRepo; shas: string[] }> {
  const r = await repo();
  r.write('README.md', 'demo\n');
  for (const v of ['v1', 'v2', 'v3', 'v4'])
    r.write(`registry/models/fraud/versions/${v}.yaml`, versionYaml('fraud', v));
  r.write(STAGES, stagesYaml('fraud', { staging: 'v1', production: 'v1' }));
  const c1 = await r.commit('Add fraud', 0);
  r.write(STAGES, stagesYaml('fraud', { staging: 'v1', production: 'v2' }));
  const c2 = await r.commit('Promote fraud v2 to production', 100);
  r.write(STAGES, stagesYaml('fraud', { staging: 'v3', production: 'v2' }));
  await r.commit('Promote fraud v3 to staging', 140);
  r.write(STAGES, stagesYaml('fraud', { staging: 'v3', production: 'v3' }));
  const c3 = await r.commit('Promote fraud v3 to production (#13)', 148);
  r.write('README.md', 'unrelated\n');
  await r.commit('Unrelated change', 149);
  r.write(STAGES, stagesYaml('fraud', { staging: 'v3', production: 'v4' }));
  const c4 = await r.commit(
    'Promote fraud v4 to production\n\nTollgate-Event: promotion\nPull-Request: #14',
    150,
  );
  return { r, shas: [c1, c2, c3, c4] };
}

const readYaml = <T>(r: TestRepo, path: string) => load(readFileSync(join(r.dir, path), 'utf8')) as T;
const options = {
  by: 'oncall',
  now: hours(151),
  forwardFixOnConflict: true,
  incident: 'INC-20261107-070000-ab12',
};

async function assertPristine(r: TestRepo, head: string): Promise<void> {
  expect(await r.git(['rev-parse', 'HEAD'])).toBe(head);
  expect(await r.git(['status', '--porcelain'])).toBe('');
  expect(existsSync(join(r.dir, '.git/REVERT_HEAD'))).toBe(false);
  expect(existsSync(join(r.dir, '.git/sequencer'))).toBe(false);
}

describe('pointerHistory', () => {
  it('lists only the commits that moved this stage, oldest first, with times and pull requests', async () => {
    const { r, shas } = await linear();
    const history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    expect(history).toEqual([
      { sha: shas[0], at: '2026-11-01T00:00:00Z', to: 'v1', isMerge: false, isRollback: false },
      { sha: shas[1], at: '2026-11-05T04:00:00Z', from: 'v1', to: 'v2', isMerge: false, isRollback: false },
      {
        sha: shas[2],
        at: '2026-11-07T04:00:00Z',
        from: 'v2',
        to: 'v3',
        isMerge: false,
        isRollback: false,
        pullRequest: 13,
      },
      {
        sha: shas[3],
        at: '2026-11-07T06:00:00Z',
        from: 'v3',
        to: 'v4',
        isMerge: false,
        isRollback: false,
        pullRequest: 14,
      },
    ]);
    expect((await pointerHistory(r.dir, 'HEAD', STAGES, 'staging')).map((m) => m.to)).toEqual(['v1', 'v3']);
  });

  it('refuses a shallow clone and says how to fetch full history', async () => {
    const { r } = await linear();
    const shallow = await repo();
    await shallow.git(['fetch', '-q', '--depth', '1', `file://${r.dir}`, 'main']);
    await shallow.git(['checkout', '-q', 'FETCH_HEAD']);
    await expect(pointerHistory(shallow.dir, 'HEAD', STAGES, 'production')).rejects.toMatchObject({
      message: expect.stringContaining('shallow'),
      fix: expect.stringContaining('fetch-depth: 0'),
    });
  });
});

describe('applyRollback', () => {
  it('reverts the later pointer moves in one commit with trailers, and marks the bad version held', async () => {
    const { r, shas } = await linear();
    const history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    const plan = chooseRollbackTarget({
      model: 'fraud',
      stage: 'production',
      history,
      current: 'v4',
      stableFor: DAY,
      now: hours(151),
      held: [],
    });
    expect(plan.commitsToRevert).toEqual([shas[3], shas[2]]);
    const before = await r.git(['rev-parse', 'HEAD']);
    const result = await applyRollback(r.dir, plan, options);
    expect(result).toMatchObject({ mode: 'revert', reverted: [shas[3], shas[2]], held: 'v4' });
    expect(await r.git(['rev-parse', 'HEAD^'])).toBe(before);
    expect(readYaml<Stages>(r, STAGES).stages).toEqual({
      staging: { version: 'v3' },
      production: { version: 'v2' },
    });
    expect(readYaml<ModelVersion>(r, 'registry/models/fraud/versions/v4.yaml').held).toEqual({
      reason: 'rolled back for INC-20261107-070000-ab12',
      at: '2026-11-07T07:00:00Z',
      by: 'oncall',
      incident: 'INC-20261107-070000-ab12',
    });
    expect(readFileSync(join(r.dir, 'README.md'), 'utf8')).toBe('unrelated\n');
    const message = await r.git(['log', '-1', '--format=%B']);
    expect(message.split('\n')[0]).toBe('Roll back fraud production from v4 to v2');
    expect(parseCommitMessage(message).trailers).toEqual({
      'Tollgate-Event': ['rollback'],
      Model: ['fraud'],
      Stage: ['production'],
      Version: ['v2'],
      From: ['v4'],
      Incident: ['INC-20261107-070000-ab12'],
      'Requested-By': ['oncall'],
      'Rollback-Mode': ['revert'],
      Reverts: [shas[3], shas[2]],
      'Rollback-Started': ['2026-11-07T07:00:00Z'],
    });
    expect(await r.git(['diff', '--name-only', 'HEAD^', 'HEAD'])).toBe(
      `${STAGES}\nregistry/models/fraud/versions/v4.yaml`,
    );
    expect(await r.git(['status', '--porcelain'])).toBe('');
  });

  it('then refuses to roll back the rollback automatically', async () => {
    const { r } = await linear();
    let history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    const plan = chooseRollbackTarget({
      model: 'fraud',
      stage: 'production',
      history,
      current: 'v4',
      stableFor: DAY,
      now: hours(151),
      held: [],
    });
    await applyRollback(r.dir, plan, options);
    history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    expect(history.at(-1)).toMatchObject({ from: 'v4', to: 'v2', isRollback: true });
    const policy = effectivePolicy(undefined);
    const incident = openIncident({
      models: ['fraud'],
      metrics: { error_rate: 0.9 },
      now: hours(152),
      id: 'INC-20261107-080000-cd34',
      policy,
    });
    const decision = decideAutoRollback({
      incident,
      policy,
      now: hours(152),
      state: {
        model: 'fraud',
        current: 'v2',
        promotionInFlight: false,
        lastPointerChangeWasRollback: lastMoveWasRollback(history),
        stableTarget: 'v1',
      },
    });
    expect(decision).toMatchObject({
      rollback: false,
      reason: expect.stringContaining('already a rollback'),
    });
  });

  it('recognises a hand-made git revert as a rollback', async () => {
    const { r, shas } = await linear();
    await r.git(['revert', '--no-edit', shas[3]!], 152);
    expect((await pointerHistory(r.dir, 'HEAD', STAGES, 'production')).at(-1)).toMatchObject({
      to: 'v3',
      isRollback: true,
    });
  });

  it('reverts merge-commit promotions with -m 1 and sees them as merges with their pull request', async () => {
    const r = await repo();
    for (const v of ['v1', 'v2', 'v3'])
      r.write(`registry/models/fraud/versions/${v}.yaml`, versionYaml('fraud', v));
    r.write(STAGES, stagesYaml('fraud', { production: 'v1' }));
    r.write('notes.txt', 'a\n');
    await r.commit('Add fraud', 0);
    const promote = async (n: number, v: string, at: number) => {
      await r.git(['checkout', '-q', '-b', `promote-${v}`]);
      r.write(STAGES, stagesYaml('fraud', { production: v }));
      await r.commit(`Promote fraud ${v}`, at);
      await r.git(['checkout', '-q', 'main']);
      r.write('notes.txt', `main moved before ${v}\n`);
      await r.commit(`Work on main before ${v}`, at + 0.5);
      await r.git(
        ['merge', '-q', '--no-ff', '-m', `Merge pull request #${n} from acme/promote-${v}`, `promote-${v}`],
        at + 1,
      );
      return r.git(['rev-parse', 'HEAD']);
    };
    const m2 = await promote(7, 'v2', 50);
    const m3 = await promote(8, 'v3', 100);
    const history = await pointerHistory(r.dir, 'main', STAGES, 'production');
    expect(history.map((m) => [m.to, m.isMerge, m.pullRequest])).toEqual([
      ['v1', false, undefined],
      ['v2', true, 7],
      ['v3', true, 8],
    ]);
    expect(history.map((m) => m.sha).slice(1)).toEqual([m2, m3]);
    const plan = chooseRollbackTarget({
      model: 'fraud',
      stage: 'production',
      history,
      current: 'v3',
      stableFor: DAY,
      now: hours(102),
      held: [],
    });
    expect(plan).toMatchObject({ target: 'v2', commitsToRevert: [m3] });
    const result = await applyRollback(r.dir, plan, options);
    expect(result).toMatchObject({ mode: 'revert', reverted: [m3], held: 'v3' });
    expect(readYaml<Stages>(r, STAGES).stages.production).toEqual({ version: 'v2' });
    expect(readFileSync(join(r.dir, 'notes.txt'), 'utf8')).toBe('main moved before v3\n');
  });

  it('reverts a squash-merged promotion as a plain commit', async () => {
    const r = await repo();
    for (const v of ['v1', 'v2'])
      r.write(`registry/models/fraud/versions/${v}.yaml`, versionYaml('fraud', v));
    r.write(STAGES, stagesYaml('fraud', { production: 'v1' }));
    await r.commit('Add fraud', 0);
    await r.git(['checkout', '-q', '-b', 'promote-v2']);
    r.write(STAGES, stagesYaml('fraud', { production: 'v2' }));
    await r.commit('Promote fraud v2', 40);
    await r.git(['checkout', '-q', 'main']);
    await r.git(['merge', '-q', '--squash', 'promote-v2'], 41);
    const squash = await r.commit('Promote fraud v2 (#21)', 41);
    const history = await pointerHistory(r.dir, 'main', STAGES, 'production');
    expect(history.at(-1)).toMatchObject({
      sha: squash,
      isMerge: false,
      pullRequest: 21,
      from: 'v1',
      to: 'v2',
    });
    const plan = chooseRollbackTarget({
      model: 'fraud',
      stage: 'production',
      history,
      current: 'v2',
      stableFor: DAY,
      now: hours(42),
      held: [],
    });
    expect(await applyRollback(r.dir, plan, options)).toMatchObject({ mode: 'revert', reverted: [squash] });
    expect(readYaml<Stages>(r, STAGES).stages.production).toEqual({ version: 'v1' });
  });

  it('aborts a conflicting revert cleanly and writes the previous pointer forward', async () => {
    const { r, shas } = await linear();
    // A later edit next to the production pointer that is not itself a move: reverting c3/c4 now conflicts.
    r.write(STAGES, stagesYaml('fraud', { staging: 'v3', production: 'v4' }, '    weight: 1'));
    const c5 = await r.commit('Set production weight', 150.5);
    const history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    expect(history.map((m) => m.sha)).toEqual(shas);
    const plan = chooseRollbackTarget({
      model: 'fraud',
      stage: 'production',
      history,
      current: 'v4',
      stableFor: DAY,
      now: hours(151),
      held: [],
    });

    await expect(applyRollback(r.dir, plan, { ...options, forwardFixOnConflict: false })).rejects.toThrow(
      /cannot roll back fraud production by revert: reverting [0-9a-f]{12} conflicts with later changes in registry\/models\/fraud\/stages.yaml; nothing was changed/,
    );
    await assertPristine(r, c5);

    const result = await applyRollback(r.dir, plan, options);
    expect(result).toMatchObject({
      mode: 'forward-fix',
      reverted: [],
      held: 'v4',
      forwardFixReason: expect.stringContaining('conflicts'),
    });
    expect(readYaml<Stages>(r, STAGES)).toEqual({
      apiVersion: 'tollgate/v1',
      kind: 'Stages',
      model: 'fraud',
      stages: { staging: { version: 'v3' }, production: { version: 'v2', weight: 1 } },
    });
    const trailers = parseCommitMessage(await r.git(['log', '-1', '--format=%B'])).trailers;
    expect(trailers['Rollback-Mode']).toEqual(['forward-fix']);
    expect(trailers.Reverts).toBeUndefined();
    expect(await r.git(['status', '--porcelain'])).toBe('');
  });

  it('does not revert a promotion that also changed another registry file; it writes forward instead', async () => {
    const { r } = await linear();
    r.write('registry/models/fraud/versions/v5.yaml', versionYaml('fraud', 'v5'));
    r.write(STAGES, stagesYaml('fraud', { staging: 'v3', production: 'v5' }));
    const c5 = await r.commit('Add and promote v5 in one commit', 152);
    const history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    const plan = chooseRollbackTarget({
      model: 'fraud',
      stage: 'production',
      history,
      current: 'v5',
      to: 'v4',
      stableFor: DAY,
      now: hours(153),
      held: [],
    });
    expect(plan.commitsToRevert).toEqual([c5]);
    const result = await applyRollback(r.dir, plan, options);
    expect(result).toMatchObject({
      mode: 'forward-fix',
      forwardFixReason: expect.stringContaining('versions/v5.yaml'),
    });
    expect(existsSync(join(r.dir, 'registry/models/fraud/versions/v5.yaml'))).toBe(true);
    expect(readYaml<ModelVersion>(r, 'registry/models/fraud/versions/v5.yaml').held?.by).toBe('oncall');
    expect(readYaml<Stages>(r, STAGES).stages.production).toEqual({ version: 'v4' });
  });

  it('leaves everything as it was when the commit itself fails', async () => {
    const { r } = await linear();
    const history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    const plan = chooseRollbackTarget({
      model: 'fraud',
      stage: 'production',
      history,
      current: 'v4',
      stableFor: DAY,
      now: hours(151),
      held: [],
    });
    const head = await r.git(['rev-parse', 'HEAD']);
    // The one commit function skips hooks, so an identity git refuses is what makes this commit fail.
    const failing = { ...options, env: { GIT_COMMITTER_NAME: '' } };
    await expect(applyRollback(r.dir, plan, failing)).rejects.toThrow(/git commit/);
    await assertPristine(r, head);
  });

  it('commits past a dirty file it does not touch, and refuses a target without a version file', async () => {
    const { r } = await linear();
    const history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    const plan = chooseRollbackTarget({
      model: 'fraud',
      stage: 'production',
      history,
      current: 'v4',
      stableFor: DAY,
      now: hours(151),
      held: [],
    });
    const before = await r.git(['rev-parse', 'HEAD']);
    r.write('README.md', 'edited\n');
    const done = await applyRollback(r.dir, plan, options);
    expect(await r.git(['show', '--name-only', '--format=', done.commit])).not.toContain('README.md');
    expect(await r.git(['status', '--porcelain'])).toBe(' M README.md');
    await r.git(['reset', '-q', '--hard', before]);
    await r.git(['rm', '-q', 'registry/models/fraud/versions/v2.yaml']);
    await r.commit('Drop v2', 150.7);
    await expect(applyRollback(r.dir, plan, options)).rejects.toThrow(/fraud v2 has no version file/);
  });

  it('refuses a rollback that would leave the registry invalid, and leaves everything as it was', async () => {
    const { r } = await linear();
    // A model.yaml, so the model's cross-file rules apply; then v2's file no longer validates (no artifact): serving it again would point production at a broken record.
    r.write(
      'registry/models/fraud/versions/v2.yaml',
      versionYaml('fraud', 'v2').replace(/^artifact:\n( {2}.*\n)+/m, ''),
    );
    r.write(
      'registry/models/fraud/model.yaml',
      'apiVersion: tollgate/v1\nkind: Model\nname: fraud\nowners:\n  teams:\n    - acme/ml\n',
    );
    await r.commit('Break v2', 150.5);
    const head = await r.git(['rev-parse', 'HEAD']);
    const { plan } = await planRollback(r.dir, { model: 'fraud', stableFor: DAY, now: hours(151) });
    expect(plan.target).toBe('v2');
    const attempt = applyRollback(r.dir, plan, options);
    await expect(attempt).rejects.toThrow(/would leave the registry invalid; nothing was changed/);
    await expect(attempt).rejects.toThrow(/stage production points to version v2, whose file is invalid/);
    await assertPristine(r, head);
  });

  it('reports no stable version when every earlier tenure was short', async () => {
    const r = await repo();
    r.write(STAGES, stagesYaml('fraud', { production: 'v1' }));
    await r.commit('Add', 0);
    r.write(STAGES, stagesYaml('fraud', { production: 'v2' }));
    await r.commit('v2', 1);
    const history = await pointerHistory(r.dir, 'HEAD', STAGES, 'production');
    expect(() =>
      chooseRollbackTarget({
        model: 'fraud',
        stage: 'production',
        history,
        current: 'v2',
        stableFor: DAY,
        now: hours(2),
        held: [],
      }),
    ).toThrow(/no stable version.*earlier versions: v1/);
  });
});

describe('planRollback, heldVersions and registryTimeline', () => {
  it('plans from git alone, skipping held versions, and feeds the postmortem timeline', async () => {
    const { r } = await linear();
    const first = await planRollback(r.dir, { model: 'fraud', stableFor: DAY, now: hours(151) });
    expect(first.plan).toMatchObject({ current: 'v4', target: 'v2' });
    await applyRollback(r.dir, first.plan, options);
    expect(await heldVersions(r.dir, 'HEAD', 'fraud')).toEqual(['v4']);
    expect(await heldVersions(r.dir, 'HEAD~1', 'fraud')).toEqual([]);
    await expect(
      planRollback(r.dir, { model: 'fraud', to: 'v4', stableFor: DAY, now: hours(152) }),
    ).rejects.toThrow(/v4 is held/);

    const timeline = await registryTimeline(r.dir, { since: '2026-11-07T00:00:00Z' });
    expect(timeline.map((c) => c.subject)).toEqual([
      'Promote fraud v3 to production (#13)',
      'Promote fraud v4 to production',
      'Roll back fraud production from v4 to v2',
    ]);
    expect(timeline.at(-1)!.trailers).toMatchObject({
      'Tollgate-Event': 'rollback',
      Reverts: expect.any(Array),
    });
    const policy = effectivePolicy(undefined);
    let incident = openIncident({
      models: ['fraud'],
      metrics: { error_rate: 0.9 },
      now: hours(150.5),
      id: 'INC-20261107-063000-ab12',
      policy,
    });
    incident = resolveIncident(incident, hours(152));
    const md = renderPostmortem(incident, timeline);
    expect(md).toMatch(
      /Promote fraud v4 to production \[promotion\][\s\S]*detected[\s\S]*Roll back fraud production from v4 to v2 \[rollback\][\s\S]*resolved/,
    );
  });
});
