// The incident action against the GitHub double, on a real clone with a real pointer history.
import { load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentRequest, runIncident, type IncidentDeps } from '../../src/actions/incident.ts';
import { verifyGateIntegrity } from '../../src/evidence/integrity.ts';
import { git, runGit } from '../../src/git/run.ts';
import type { Incident } from '../../src/registry/types.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { repositoryDispatch, webhookExample } from '../github-double/webhook-examples.ts';
import { BOT, MODEL, MONITOR, REPO, at, opsFixture, type OpsFixture } from './ops-fixture.ts';

const gh = useGitHubDouble();
let fixture: OpsFixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const pushStates = (text: string) => text.replace('state_writes: pull-request', 'state_writes: push');

/** Detected at +151 h; the rollback finishes six minutes later. */
const deps = (): IncidentDeps => ({
  client: gh.client(),
  now: at(151),
  clock: () => at(151.1),
  suffix: 'ab12',
  gitEnv: BOT,
});

async function remoteIncident(f: OpsFixture, ref: string, id: string): Promise<Incident> {
  return load(await git(f.gitDir, ['show', `${ref}:registry/incidents/${id}.yaml`])) as Incident;
}

describe('incident action', () => {
  it('refuses a repository_dispatch from a sender the policy does not list, before it reads the payload', async () => {
    const f = (fixture = await opsFixture(gh));
    const before = await git(f.gitDir, ['rev-parse', 'main']);
    const event = {
      ...webhookExample('repository_dispatch'),
      action: 'tollgate-incident',
      client_payload: 42,
    };
    await expect(
      runIncident(
        { model: '', metrics: '', dryRun: false },
        { ...f.env, eventName: 'repository_dispatch', event },
        deps(),
      ),
    ).rejects.toThrow(
      /^refused the repository_dispatch tollgate-incident from Codertocat to declare an incident/,
    );
    expect(await git(f.gitDir, ['rev-parse', 'main'])).toBe(before);
    expect(gh.state.repo(REPO).pulls).toHaveLength(0);
  });

  it('records who ran a workflow_dispatch by hand', async () => {
    const f = (fixture = await opsFixture(gh, pushStates));
    const event = webhookExample('workflow_dispatch');
    // GITHUB_ACTOR is the person who pressed "Run workflow", the event's sender.
    const env = {
      ...f.env,
      eventName: 'workflow_dispatch',
      event: event as unknown as Record<string, unknown>,
      actor: event.sender.login,
    };
    const result = await runIncident(
      { model: MODEL, metrics: 'accuracy_drop=0.06', dryRun: false },
      env,
      deps(),
    );
    expect(result.audit.every((a) => a.actor === event.sender.login)).toBe(true);
    expect(
      (await git(f.gitDir, ['log', '-1', '--format=%(trailers:key=Requested-By,valueonly)', 'main'])).trim(),
    ).toBe(event.sender.login);
  });

  it('runs from a repository_dispatch: the payload is classified, rolled back and recorded', async () => {
    const f = (fixture = await opsFixture(gh, pushStates));
    const env = {
      ...f.env,
      eventName: 'repository_dispatch',
      event: repositoryDispatch(
        'tollgate-incident',
        { model: MODEL, metrics: { availability: 0.3, error_rate: 0.6 }, alert: 'FraudErrorRateHigh' },
        MONITOR,
      ),
    };
    const result = await runIncident({ model: '', metrics: '', alert: '', dryRun: false }, env, deps());
    expect(result.incident).toMatchObject({ severity: 'P0', models: [MODEL], alert: 'FraudErrorRateHigh' });
    expect(result.rolledBack).toBe(true);
    expect(await f.remoteProduction()).toBe('v3');
    expect((await remoteIncident(f, 'main', result.incident.id)).metrics).toEqual({
      availability: 0.3,
      error_rate: 0.6,
    });
  });

  it('P0: rolls back automatically, pushed directly, and pushes the record with its audit events', async () => {
    const f = (fixture = await opsFixture(gh, pushStates));
    const d = deps();
    const result = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', alert: 'HighErrorRate', dryRun: false },
      f.env,
      d,
    );
    expect(result.incident.severity).toBe('P0');
    expect(result.rolledBack).toBe(true);
    expect(await f.remoteProduction()).toBe('v3');
    // One API call: the open promotions. Everything else is git.
    expect(d.client!.calls()).toBe(1);
    expect(gh.state.repo(REPO).pulls).toHaveLength(0);

    const recorded = await remoteIncident(f, 'main', result.incident.id);
    expect(recorded.timeline.map((e) => e.event)).toEqual([
      'detected',
      'classified',
      'rollback-started',
      'rollback-completed',
    ]);
    expect(recorded.timeline[3]).toMatchObject({ duration: 360, at: '2026-11-07T07:06:00Z' });
    expect(recorded.rollback).toMatchObject({ model: MODEL, stage: 'production', from: 'v4', to: 'v3' });
    // The record goes first, so the rollback commit's own tree holds the incident that allows the push.
    const log = await git(f.gitDir, ['log', '-3', '--format=%s', 'main']);
    expect(log.split('\n')).toEqual([
      `Record the rollback on incident ${result.incident.id}`,
      'Roll back fraud-detector production from v4 to v3',
      expect.stringMatching(/^Open incident INC-20261107-070000-ab12: P0 on fraud-detector/),
    ]);
    const files = await git(f.gitDir, ['show', '--name-only', '--format=', 'main']);
    expect(files.split('\n').sort()).toEqual([
      'registry/audit/2026/11/20261107T070000Z-ab12-rb1.yaml',
      `registry/incidents/${result.incident.id}.yaml`,
    ]);
    const rollback = await git(f.gitDir, ['rev-parse', 'main~1']);
    const audit = await verifyGateIntegrity(f.checkout, { ref: 'main' });
    expect(audit.allowed.map((a) => a.sha)).toContain(rollback);
    expect(audit.findings.map((a) => a.sha)).not.toContain(rollback);
    expect(await git(f.checkout, ['status', '--porcelain'])).toBe('');
  });

  it('P0 with state_writes: pull-request: the emergency push carries the opening record, the update is proposed', async () => {
    const f = (fixture = await opsFixture(gh));
    const result = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
      f.env,
      deps(),
    );
    expect(result.rolledBack).toBe(true);
    expect(await f.remoteProduction()).toBe('v3');
    const pulls = gh.state.repo(REPO).pulls;
    expect(pulls.map((p) => p.head)).toEqual([`tollgate/incident/${result.incident.id}`]);
    // The emergency push carried the record up to rollback-started; the update came as a state pull request,
    // which the action merged itself (nothing in this repository requires a check).
    expect(result.record).toMatchObject({ mode: 'pull-request', merge: { status: 'merged' } });
    expect(pulls[0]).toMatchObject({ merged: true });
    const onMain = await remoteIncident(f, 'main', result.incident.id);
    expect(onMain.timeline.map((e) => e.event)).toEqual([
      'detected',
      'classified',
      'rollback-started',
      'rollback-completed',
    ]);
    expect(onMain.timeline.at(-1)).toMatchObject({ event: 'rollback-completed', duration: 360 });
    expect(await git(f.checkout, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
  });

  it('P1: proposes the rollback in a pull request and the record in another (state_writes: pull-request)', async () => {
    const f = (fixture = await opsFixture(gh));
    const result = await runIncident(
      { model: MODEL, metrics: 'accuracy_drop=0.35', dryRun: false },
      f.env,
      deps(),
    );
    expect(result.incident.severity).toBe('P1');
    expect(result.rolledBack).toBe(false);
    expect(await f.remoteProduction()).toBe('v4');
    const pulls = gh.state.repo(REPO).pulls;
    expect(pulls.map((p) => [p.head, p.labels])).toEqual([
      [`tollgate/rollback/${MODEL}/production`, ['tollgate:rollback']],
      [`tollgate/incident/${result.incident.id}`, ['tollgate:incident']],
    ]);
    expect(result.rollbackPullRequest).toBe(pulls[0]!.number);
    expect(result.record).toMatchObject({ mode: 'pull-request', pullRequest: pulls[1]!.number });
    const recorded = await remoteIncident(f, `tollgate/incident/${result.incident.id}`, result.incident.id);
    expect(recorded.rollback).toMatchObject({ to: 'v3', pull_request: pulls[0]!.number });
    expect(recorded.timeline.at(-1)).toMatchObject({ event: 'note' });
    expect(recorded.timeline.at(-1)!.detail).toContain(`pull request #${pulls[0]!.number}`);
    expect(await git(f.checkout, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
    // The record's pull request was merged by the action (one squash commit on main); the checkout stayed put.
    expect(result.record.merge).toMatchObject({ status: 'merged' });
    expect(await git(f.checkout, ['rev-parse', 'HEAD'])).toBe(await git(f.gitDir, ['rev-parse', 'main^']));
  });

  it('P2: no auto-rollback condition holds, so none is made, and the timeline says why', async () => {
    const f = (fixture = await opsFixture(gh));
    const result = await runIncident(
      { model: MODEL, metrics: 'latency_increase_pct=0.8', dryRun: false },
      f.env,
      deps(),
    );
    expect(result.incident.severity).toBe('P2');
    expect(result.rollbacks[0]!.outcome).toBeUndefined();
    expect(result.incident.timeline.at(-1)).toMatchObject({ event: 'rollback-skipped' });
    expect(result.incident.timeline.at(-1)!.detail).toContain('no auto-rollback condition holds');
    expect(gh.state.repo(REPO).pulls.map((p) => p.head)).toEqual([`tollgate/incident/${result.incident.id}`]);
    expect(result.audit.map((e) => e.event)).toEqual(['incident-opened', 'rollback-skipped']);
  });

  it('skips the rollback while a promotion of the model is in flight, and records the reason', async () => {
    const f = (fixture = await opsFixture(gh, pushStates));
    await gh.state.commit(REPO, `tollgate/promote/${MODEL}/production`, { 'x.txt': 'x\n' }, 'Promote v5');
    const promotion = gh.state.openPull(REPO, { head: `tollgate/promote/${MODEL}/production` });
    const result = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
      f.env,
      deps(),
    );
    expect(result.rolledBack).toBe(false);
    expect(await f.remoteProduction()).toBe('v4');
    const recorded = await remoteIncident(f, 'main', result.incident.id);
    expect(recorded.timeline.at(-1)).toMatchObject({ event: 'rollback-skipped' });
    expect(recorded.timeline.at(-1)!.detail).toContain(`a promotion of this model is in flight`);
    expect(recorded.timeline.at(-1)!.detail).toContain(`#${promotion.number}`);
  });

  it('does not roll back a rollback', async () => {
    const f = (fixture = await opsFixture(gh, pushStates));
    const first = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.7', dryRun: false },
      f.env,
      deps(),
    );
    expect(first.rolledBack).toBe(true);
    const second = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.7', dryRun: false },
      f.env,
      {
        ...deps(),
        now: at(152),
        clock: () => at(152),
        suffix: 'cd34',
      },
    );
    expect(second.rolledBack).toBe(false);
    expect(second.incident.timeline.at(-1)!.detail).toContain('never roll back a rollback automatically');
    expect(await f.remoteProduction()).toBe('v3');
  });

  it('makes no rollback when no earlier version was stable, and the timeline says why', async () => {
    const f = (fixture = await opsFixture(gh, (t) =>
      pushStates(t).replace('stable_for: 86400', 'stable_for: 315360000'),
    ));
    const result = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
      f.env,
      deps(),
    );
    expect(result.incident.severity).toBe('P0');
    expect(result.rolledBack).toBe(false);
    expect(await f.remoteProduction()).toBe('v4');
    const recorded = await remoteIncident(f, 'main', result.incident.id);
    expect(recorded.timeline.map((e) => e.event)).toEqual(['detected', 'classified', 'rollback-skipped']);
    expect(recorded.timeline.at(-1)!.detail).toBe(
      `${MODEL} production: no earlier version held the stage long enough to count as stable`,
    );
    expect(result.audit.map((e) => e.event)).toEqual(['incident-opened', 'rollback-skipped']);
  });

  it('records the incident even when a model has no stage pointer to roll back', async () => {
    const f = (fixture = await opsFixture(gh, pushStates));
    const result = await runIncident(
      { model: `${MODEL},no-such-model`, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
      f.env,
      deps(),
    );
    expect(result.rolledBack).toBe(true);
    const recorded = await remoteIncident(f, 'main', result.incident.id);
    expect(recorded.models).toEqual([MODEL, 'no-such-model']);
    expect(recorded.timeline.at(-1)).toMatchObject({ event: 'rollback-skipped' });
    expect(recorded.timeline.at(-1)!.detail).toContain('model no-such-model has no stages file');
    expect(result.audit.map((e) => [e.event, e.model])).toEqual([
      ['incident-opened', undefined],
      ['rollback', MODEL],
      ['rollback-skipped', 'no-such-model'],
    ]);
  });

  it('a failed notification is recorded and does not block the rollback', async () => {
    const f = (fixture = await opsFixture(gh, (t) =>
      pushStates(t).replace(
        /^incident:\n/m,
        `incident:\n  notify_webhook: https://hooks.example.com/policy\n`,
      ),
    ));
    const posted: string[] = [];
    const result = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
      f.env,
      {
        ...deps(),
        notifyWebhook: 'https://hooks.example.com/services/secret',
        fetch: async (url) => {
          posted.push(String(url));
          throw new TypeError('fetch failed');
        },
      },
    );
    expect(posted).toEqual(['https://hooks.example.com/services/secret']);
    expect(result.rolledBack).toBe(true);
    expect(await f.remoteProduction()).toBe('v3');
    const recorded = await remoteIncident(f, 'main', result.incident.id);
    expect(recorded.timeline.map((e) => e.event)).toEqual([
      'detected',
      'classified',
      'rollback-started',
      'rollback-completed',
      'notification-failed',
    ]);
    expect(recorded.timeline.at(-1)!.detail).toBe('https://hooks.example.com: fetch failed');
  });

  it("notifies the policy's webhook after the rollback, and records it", async () => {
    const f = (fixture = await opsFixture(gh, (t) =>
      pushStates(t).replace(
        /^incident:\n/m,
        `incident:\n  notify_webhook: https://hooks.example.com/policy\n`,
      ),
    ));
    const bodies: { text: string }[] = [];
    const result = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
      f.env,
      {
        ...deps(),
        fetch: async (url, init) => {
          expect(String(url)).toBe('https://hooks.example.com/policy');
          bodies.push(JSON.parse(String(init!.body)) as { text: string });
          return new Response('ok');
        },
      },
    );
    expect(result.incident.timeline.at(-1)).toMatchObject({ event: 'notified' });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.text).toContain(`*P0* ${result.incident.id}`);
    expect(bodies[0]!.text).toContain('rollback-completed: fraud-detector production v4 -> v3');
  });

  it('writes nothing on a dry run', async () => {
    const f = (fixture = await opsFixture(gh, pushStates));
    const head = await git(f.checkout, ['rev-parse', 'HEAD']);
    const d = deps();
    const result = await runIncident({ model: MODEL, metrics: 'error_rate=0.7', dryRun: true }, f.env, d);
    expect(result.record.mode).toBe('dry-run');
    expect(result.rollbacks[0]!.decision.rollback).toBe(true);
    expect(result.summary).toContain('dry run: nothing written');
    expect(await git(f.checkout, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(f.checkout, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(await git(f.gitDir, ['rev-parse', 'main'])).toBe(head);
    expect(gh.state.repo(REPO).pulls).toHaveLength(0);
    expect(d.client!.callLog().every((c) => c.method === 'GET')).toBe(true);
    const { stdout } = await runGit(f.gitDir, ['for-each-ref', '--format=%(refname)', 'refs/heads/']);
    expect(stdout.trim()).toBe('refs/heads/main');
  });
});

describe('incidentRequest', () => {
  const base = {
    owner: 'acme',
    repo: 'models',
    serverUrl: '',
    apiUrl: '',
    workspace: '',
    sha: '',
    ref: '',
    actor: 'monitor',
    runId: '',
    runAttempt: '1',
  };

  it('reads a repository_dispatch client_payload, with metrics as an object or as text', () => {
    const event = (client_payload: unknown) => ({
      ...base,
      eventName: 'repository_dispatch',
      event: { action: 'incident', client_payload },
    });
    expect(
      incidentRequest(
        { dryRun: false },
        event({ model: MODEL, metrics: { error_rate: 0.7, availability: '0.4' }, alert: 'Errors' }),
      ),
    ).toEqual({ models: [MODEL], metrics: { error_rate: 0.7, availability: 0.4 }, alert: 'Errors' });
    expect(
      incidentRequest({ dryRun: false }, event({ model: MODEL, metrics: 'error_rate=0.7,accuracy_drop=0.2' }))
        .metrics,
    ).toEqual({ error_rate: 0.7, accuracy_drop: 0.2 });
    // An input that is set wins over the payload.
    expect(
      incidentRequest(
        { dryRun: false, metrics: 'error_rate=0.1' },
        event({ model: MODEL, metrics: 'error_rate=0.9' }),
      ).metrics,
    ).toEqual({ error_rate: 0.1 });
    expect(() =>
      incidentRequest({ dryRun: false }, event({ model: MODEL, metrics: { error_rate: 'high' } })),
    ).toThrow(/not a finite number/);
    expect(() => incidentRequest({ dryRun: false }, event({ metrics: 'error_rate=1' }))).toThrow(
      /client_payload\.model is missing/,
    );
  });

  it('ignores a payload outside repository_dispatch', () => {
    const env = { ...base, eventName: 'workflow_dispatch', event: { client_payload: { model: 'other' } } };
    expect(
      incidentRequest({ dryRun: false, model: MODEL, metrics: 'error_rate=0.2\navailability=0.9' }, env),
    ).toEqual({
      models: [MODEL],
      metrics: { error_rate: 0.2, availability: 0.9 },
    });
  });
});
