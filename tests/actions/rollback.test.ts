// The rollback action against the GitHub double, on a real clone with a real pointer history.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { runPromote } from './promote-face.ts';
import { rollbackRequest, type RollbackInputs } from '../../src/rollback/flow.ts';
import { runRollback } from './rollback-face.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import type { Incident } from '../../src/registry/types.ts';
import { git, runGit } from '../../src/git/run.ts';
import { parseCommitMessage } from '../../src/git/history.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { BOT, MODEL, REPO, at, opsFixture, type OpsFixture } from './ops-fixture.ts';

const gh = useGitHubDouble();
let fixture: OpsFixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const BRANCH = `tollgate/rollback/${MODEL}/production`;
const INCIDENT = 'INC-20261107-070000-ab12';

/** Records an incident of `severity` on main (as the incident action would have) and pushes it. */
async function recordIncident(f: OpsFixture, severity: string): Promise<void> {
  await writeFile(
    join(f.checkout, `registry/incidents/${INCIDENT}.yaml`),
    [
      'apiVersion: tollgate/v1',
      'kind: Incident',
      `id: ${INCIDENT}`,
      `title: ${severity} on ${MODEL}`,
      `severity: ${severity}`,
      'status: open',
      `models: [${MODEL}]`,
      'metrics: {availability: 0.2}',
      "detected_at: '2026-11-07T07:00:00Z'",
      'timeline: []',
      '',
    ].join('\n'),
  );
  await git(f.checkout, ['add', '-A']);
  await git(f.checkout, ['commit', '-qm', `Open incident ${INCIDENT}`]);
  await git(f.checkout, ['push', '--quiet', 'origin', 'main']);
}

describe('rollback action', () => {
  it('opens one pull request carrying the rollback commit, and finds it again on a re-run', async () => {
    const f = (fixture = await opsFixture(gh));
    const head = await git(f.checkout, ['rev-parse', 'HEAD']);
    const client = gh.client();
    const inputs = { model: MODEL, dryRun: false };
    const first = await runRollback(inputs, f.env, { client, now: at(151), gitEnv: BOT });

    expect(first.target).toBe('v3');
    expect(first.outcome.mode).toBe('pull-request');
    const pulls = gh.state.repo(REPO).pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: BRANCH, base: 'main', labels: ['tollgate:rollback'] });
    expect(first.pullRequest).toBe(pulls[0]!.number);
    // The pull request's head is the rollback commit itself, with its trailers.
    expect(await git(f.gitDir, ['rev-parse', `refs/heads/${BRANCH}`])).toBe(first.commit);
    const { trailers } = parseCommitMessage(await git(f.gitDir, ['log', '-1', '--format=%B', BRANCH]));
    expect(trailers).toMatchObject({ 'Tollgate-Event': ['rollback'], From: ['v4'], Version: ['v3'] });
    // The default branch and the checkout are untouched.
    expect(await f.remoteProduction()).toBe('v4');
    expect(await git(f.checkout, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(f.checkout, ['status', '--porcelain'])).toBe('');

    const again = await runRollback(inputs, f.env, { client, now: at(152), gitEnv: BOT });
    expect(again.pullRequest).toBe(first.pullRequest);
    expect(gh.state.repo(REPO).pulls).toHaveLength(1);
    expect(again.summary).toContain('updated');
  });

  it('pushes directly for an incident whose severity allows an emergency push, and not twice', async () => {
    const f = (fixture = await opsFixture(gh));
    await recordIncident(f, 'P0');
    const client = gh.client();
    const inputs = { model: MODEL, incident: INCIDENT, dryRun: false };
    const result = await runRollback(inputs, f.env, { client, now: at(151), gitEnv: BOT });
    expect(result.outcome.mode).toBe('pushed');
    expect(result.severity).toBe('P0');
    expect(result.pullRequest).toBeUndefined();
    expect(await f.remoteProduction()).toBe('v3');
    expect(await git(f.gitDir, ['rev-parse', 'main'])).toBe(result.commit);
    expect(client.calls()).toBe(0);

    // A re-run for the same incident finds its rollback already made.
    const rerun = await runRollback(inputs, f.env, { client, now: at(152), gitEnv: BOT });
    expect(rerun.outcome.mode).toBe('already-done');
    expect(rerun.commit).toBe(result.commit);
    expect(await f.remoteProduction()).toBe('v3');

    // Anything else is a rollback of a rollback: refused.
    await expect(
      runRollback({ model: MODEL, dryRun: false }, f.env, { client, now: at(152), gitEnv: BOT }),
    ).rejects.toThrow(/was itself a rollback; Tollgate does not roll back a rollback/);
    expect(await f.remoteProduction()).toBe('v3');
  });

  it('leaves the rolled-back version held on main, so the promote action refuses to bring it back', async () => {
    const f = (fixture = await opsFixture(gh));
    await recordIncident(f, 'P0');
    const result = await runRollback({ model: MODEL, incident: INCIDENT, dryRun: false }, f.env, {
      client: gh.client(),
      now: at(151),
      gitEnv: BOT,
    });
    expect(result.outcome.mode).toBe('pushed');
    const promoted = await runPromote(
      { model: MODEL, version: 'v4', stage: 'production', dryRun: true, registry: 'registry' },
      f.env,
      { client: gh.client(), now: at(152) },
    );
    expect(promoted).toMatchObject({
      status: 'refused',
      reason: expect.stringContaining(`${MODEL} v4 is held: rolled back for ${INCIDENT}`),
      fix: expect.stringContaining(`tollgate unhold ${MODEL} v4`),
    });
  });

  it('proposes rather than pushes for a severity the policy does not allow to push', async () => {
    const f = (fixture = await opsFixture(gh));
    await recordIncident(f, 'P2');
    const result = await runRollback({ model: MODEL, incident: INCIDENT, dryRun: false }, f.env, {
      client: gh.client(),
      now: at(151),
      gitEnv: BOT,
    });
    expect(result.outcome.mode).toBe('pull-request');
    expect(gh.state.repo(REPO).pulls[0]!.body).toContain(`Incident: ${INCIDENT} (P2)`);
    expect(await f.remoteProduction()).toBe('v4');
  });

  // The emergency severities come from the policy: with emergency_push [P2], a P2 pushes and a P0 does not.
  it.each([
    ['P2', 'pushed', 'v3'],
    ['P0', 'pull-request', 'v4'],
  ] as const)(
    "with emergency_push [P2], a %s incident's rollback is %s",
    async (severity, mode, production) => {
      const f = (fixture = await opsFixture(gh, (t) =>
        t.replace(/emergency_push:\n {4}- P0\n/, 'emergency_push:\n    - P2\n'),
      ));
      expect(await readFile(join(f.checkout, 'registry/policy.yaml'), 'utf8')).toContain(
        'emergency_push:\n    - P2\n',
      );
      await recordIncident(f, severity);
      const result = await runRollback({ model: MODEL, incident: INCIDENT, dryRun: false }, f.env, {
        client: gh.client(),
        now: at(151),
        gitEnv: BOT,
      });
      expect(result.outcome.mode).toBe(mode);
      expect(await f.remoteProduction()).toBe(production);
    },
  );

  it('writes nothing and calls nothing on a dry run', async () => {
    const f = (fixture = await opsFixture(gh));
    const head = await git(f.checkout, ['rev-parse', 'HEAD']);
    const client = gh.client();
    const result = await runRollback({ model: MODEL, dryRun: true }, f.env, { client, now: at(151) });
    expect(result.target).toBe('v3');
    expect(result.commit).toBeUndefined();
    expect(result.summary).toContain('Dry run: would revert 1 commit(s)');
    expect(client.calls()).toBe(0);
    expect(await git(f.checkout, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(f.checkout, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
    const { code } = await runGit(f.gitDir, ['rev-parse', '--verify', `refs/heads/${BRANCH}`], {
      okCodes: [128],
    });
    expect(code).toBe(128);
  });

  it('refuses a checkout that is not the default branch', async () => {
    const f = (fixture = await opsFixture(gh));
    await git(f.checkout, ['checkout', '-q', '--detach']);
    await expect(
      runRollback({ model: MODEL, dryRun: false }, f.env, { client: gh.client(), now: at(151) }),
    ).rejects.toMatchObject({ fix: expect.stringContaining('fetch-depth: 0') });
  });
});

/** The incident record as a commit (or ref) of the double's repository holds it. */
async function incidentAt(f: OpsFixture, rev: string): Promise<Incident> {
  return load(await git(f.gitDir, ['show', `${rev}:registry/incidents/${INCIDENT}.yaml`])) as Incident;
}

describe('rollback action: the incident record', () => {
  it('emergency push: one commit reverts, holds and records rollback-started and rollback-completed', async () => {
    const f = (fixture = await opsFixture(gh));
    await recordIncident(f, 'P0');
    const before = await git(f.gitDir, ['rev-parse', 'main']);
    const result = await runRollback({ model: MODEL, incident: INCIDENT, dryRun: false }, f.env, {
      client: gh.client(),
      now: at(151.5),
      clock: () => at(151.75),
      gitEnv: BOT,
    });
    expect(result.outcome.mode).toBe('pushed');
    // Exactly one new commit on main, and it carries the pointer, the held mark and the record together.
    expect(await git(f.gitDir, ['rev-list', '--count', `${before}..main`])).toBe('1');
    expect((await git(f.gitDir, ['show', '--name-only', '--format=', 'main'])).split('\n').sort()).toEqual([
      `registry/incidents/${INCIDENT}.yaml`,
      `registry/models/${MODEL}/stages.yaml`,
      `registry/models/${MODEL}/versions/v4.yaml`,
    ]);
    const reverted = result.outcome.mode === 'pushed' ? result.outcome.result.reverted : [];
    const incident = await incidentAt(f, 'main');
    expect(incident.timeline).toEqual([
      {
        at: '2026-11-07T07:30:00Z',
        event: 'rollback-started',
        detail: `${MODEL} production v4 -> v3; reverts ${reverted[0]!.slice(0, 12)}; emergency push; by oncall`,
      },
      {
        at: '2026-11-07T07:45:00Z',
        event: 'rollback-completed',
        detail: `${MODEL} production v4 -> v3 by revert (emergency push, 15m 00s after it started)`,
        duration: 2700,
      },
    ]);
    expect(incident.rollback).toEqual({ model: MODEL, stage: 'production', from: 'v4', to: 'v3' });
    const { trailers } = parseCommitMessage(await git(f.gitDir, ['log', '-1', '--format=%B', 'main']));
    expect(trailers).toMatchObject({
      'Tollgate-Event': ['rollback'],
      Incident: [INCIDENT],
      Model: [MODEL],
      Stage: ['production'],
      'Rollback-Started': ['2026-11-07T07:30:00Z'],
    });
  });

  it('pull request: the one commit records rollback-started with the pull request link, nothing on main', async () => {
    const f = (fixture = await opsFixture(gh));
    await recordIncident(f, 'P2');
    const main = await git(f.gitDir, ['rev-parse', 'main']);
    const client = gh.client();
    const result = await runRollback({ model: MODEL, incident: INCIDENT, dryRun: false }, f.env, {
      client,
      now: at(151.5),
      gitEnv: BOT,
    });
    expect(result.outcome.mode).toBe('pull-request');
    const [pull] = gh.state.repo(REPO).pulls;
    expect(result.pullRequest).toBe(pull!.number);
    expect(pull!.body).toContain(`Adds rollback-started to the timeline of ${INCIDENT}`);
    // The branch holds one commit on main: the rollback with the record, and it is the commit reported.
    expect(await git(f.gitDir, ['rev-list', '--count', `main..${BRANCH}`])).toBe('1');
    expect(await git(f.gitDir, ['rev-parse', BRANCH])).toBe(result.commit);
    const incident = await incidentAt(f, BRANCH);
    expect(incident.timeline).toHaveLength(1);
    expect(incident.timeline[0]).toMatchObject({ at: '2026-11-07T07:30:00Z', event: 'rollback-started' });
    expect(incident.timeline[0]!.detail).toMatch(
      new RegExp(
        `^${MODEL} production v4 -> v3; reverts [0-9a-f]{12}; pull request #${pull!.number} \\S+/pull/${pull!.number}; by oncall$`,
      ),
    );
    expect(incident.rollback).toMatchObject({ from: 'v4', to: 'v3', pull_request: pull!.number });
    const { trailers } = parseCommitMessage(await git(f.gitDir, ['log', '-1', '--format=%B', BRANCH]));
    expect(trailers).toMatchObject({
      Incident: [INCIDENT],
      Stage: ['production'],
      'Rollback-Started': ['2026-11-07T07:30:00Z'],
    });
    // The default branch and the checkout still have the record as it was.
    expect(await git(f.gitDir, ['rev-parse', 'main'])).toBe(main);
    expect((await incidentAt(f, 'main')).timeline).toEqual([]);
    expect(await git(f.checkout, ['status', '--porcelain'])).toBe('');

    // A re-run updates the same pull request; the record still has one rollback-started entry.
    const again = await runRollback({ model: MODEL, incident: INCIDENT, dryRun: false }, f.env, {
      client,
      now: at(151.6),
      gitEnv: BOT,
    });
    expect(again.pullRequest).toBe(pull!.number);
    expect(gh.state.repo(REPO).pulls).toHaveLength(1);
    expect((await incidentAt(f, BRANCH)).timeline.map((e) => e.event)).toEqual(['rollback-started']);
  });
});

/** GitHub's repository_dispatch example, sent as a monitoring system would send Tollgate's rollback. */
const dispatchEvent = (payload: unknown) => {
  const event = webhookExample('repository_dispatch');
  event.action = 'tollgate-rollback';
  (event as { client_payload: unknown }).client_payload = payload;
  return event;
};
const dispatch = (payload: unknown) => ({
  eventName: 'repository_dispatch',
  payload: dispatchEvent(payload),
});
const dispatchRun = (payload: unknown, base: ActionEnvironment): ActionEnvironment => ({
  ...base,
  eventName: 'repository_dispatch',
  event: dispatchEvent(payload) as unknown as Record<string, unknown>,
});

describe('rollbackRequest: a repository_dispatch client_payload', () => {
  const empty: RollbackInputs = { model: '', dryRun: false };

  it('fills what the inputs leave empty; an input that is set wins', () => {
    expect(
      rollbackRequest(
        empty,
        dispatch({
          model: 'fraud-detector',
          stage: 'staging',
          to: 'v3',
          incident: INCIDENT,
          'dry-run': true,
        }),
      ),
    ).toEqual({ model: 'fraud-detector', stage: 'staging', to: 'v3', incident: INCIDENT, dryRun: true });
    expect(
      rollbackRequest(
        { model: 'churn', stage: '', dryRun: false },
        dispatch({ model: 'fraud-detector', dry_run: 'false' }),
      ),
    ).toEqual({
      model: 'churn',
      stage: '',
      dryRun: false,
    });
  });

  it('is ignored for other events', () => {
    const event = webhookExample('workflow_dispatch');
    (event as { client_payload?: unknown }).client_payload = { model: 'x' };
    expect(rollbackRequest(empty, { eventName: 'workflow_dispatch', payload: event })).toBe(empty);
  });

  it('names the payload field in every refusal', () => {
    expect(() => rollbackRequest(empty, dispatch({}))).toThrow(/client_payload\.model is missing/);
    expect(() => rollbackRequest(empty, dispatch(undefined))).toThrow(/client_payload\.model is missing/);
    expect(() => rollbackRequest(empty, dispatch(['fraud']))).toThrow(/client_payload must be an object/);
    expect(() => rollbackRequest(empty, dispatch({ model: 7 }))).toThrow(
      /client_payload\.model must be a string/,
    );
    expect(() => rollbackRequest(empty, dispatch({ model: '../etc' }))).toThrow(
      /client_payload\.model "\.\.\/etc" contains "\.\."/,
    );
    expect(() => rollbackRequest(empty, dispatch({ model: 'fraud', stage: 'Prod' }))).toThrow(
      /client_payload\.stage/,
    );
    expect(() => rollbackRequest(empty, dispatch({ model: 'fraud', to: 'v1;rm' }))).toThrow(
      /client_payload\.to/,
    );
    expect(() => rollbackRequest(empty, dispatch({ model: 'fraud', incident: 'INC-1' }))).toThrow(
      /client_payload\.incident "INC-1" is not an incident id/,
    );
    expect(() => rollbackRequest(empty, dispatch({ model: 'fraud', 'dry-run': 'maybe' }))).toThrow(
      /client_payload\.dry-run must be true or false/,
    );
  });

  it('runs the rollback a repository_dispatch asks for, recording it on the incident', async () => {
    const f = (fixture = await opsFixture(gh));
    await recordIncident(f, 'P0');
    const env = dispatchRun({ model: MODEL, incident: INCIDENT }, f.env);
    const result = await runRollback(empty, env, { client: gh.client(), now: at(151.5), gitEnv: BOT });
    expect(result.outcome.mode).toBe('pushed');
    expect(await f.remoteProduction()).toBe('v3');
    expect((await incidentAt(f, 'main')).timeline.map((e) => e.event)).toEqual([
      'rollback-started',
      'rollback-completed',
    ]);
  });
});
