// After a merge, the sign-off gate records it: an audit event per stage pointer moved (approvers and the gate's
// check run), and rollback-completed on the incident of a merged rollback, through the registry-state path —
// against the GitHub double with real bare repositories.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSignoffGate, type SignoffGateResult } from '../../src/actions/signoff-gate.ts';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import { eventLine } from '../../src/cli/commands/audit.ts';
import { auditFileEvents, readAuditEvents } from '../../src/evidence/history.ts';
import { git } from '../../src/git/run.ts';
import type { AuditEvent, Incident } from '../../src/registry/types.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { GITHUB_ACTIONS_APP, TOLLGATE_APP } from '../github-double/state.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';

const gh = useGitHubDouble();
const FULL = 'acme/models';
const BRANCH = 'tollgate/promote/fraud-detector/production';
const STAGES = 'registry/models/fraud-detector/stages.yaml';
const INCIDENT = 'INC-20260101-000000-test';
const INCIDENT_FILE = `registry/incidents/${INCIDENT}.yaml`;
const GIT_ENV = {
  ...ISOLATED_GIT_ENV,
  GIT_AUTHOR_NAME: 'tollgate',
  GIT_AUTHOR_EMAIL: 'tollgate@example.com',
  GIT_COMMITTER_NAME: 'tollgate',
  GIT_COMMITTER_EMAIL: 'tollgate@example.com',
  GIT_AUTHOR_DATE: '2026-01-02T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-02T00:00:00Z',
};
let work: string;
let checkout: string;
let registryFiles: Record<string, string>;

async function readTree(dir: string, root = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, await readTree(full, root));
    else out[relative(root, full)] = await readFile(full, 'utf8');
  }
  return out;
}

const stages = (production: string) =>
  [
    'apiVersion: tollgate/v1',
    'kind: Stages',
    'model: fraud-detector',
    'stages:',
    '  staging:',
    '    version: v5',
    '  production:',
    `    version: ${production}`,
    '',
  ].join('\n');

const incident = (extra: string[] = []) =>
  [
    'apiVersion: tollgate/v1',
    'kind: Incident',
    `id: ${INCIDENT}`,
    'title: fraud-detector error rate',
    'severity: P1',
    'status: open',
    'models:',
    '  - fraud-detector',
    'metrics:',
    '  error_rate: 0.2',
    "detected_at: '2026-01-01T00:00:00Z'",
    'timeline:',
    "  - at: '2026-01-01T00:00:00Z'",
    '    event: detected',
    "  - at: '2026-01-01T00:00:00Z'",
    '    event: classified',
    ...extra,
    '',
  ].join('\n');

beforeEach(async () => {
  registryFiles ??= Object.fromEntries(
    Object.entries(await readTree(join(import.meta.dirname, '..', '..', 'registry'))).map(([path, text]) => [
      `registry/${path}`,
      text,
    ]),
  );
  work = await mkdtemp(join(tmpdir(), 'tollgate-merged-'));
  const repo = await gh.state.createRepo(FULL, { files: registryFiles });
  gh.state.addTeam('acme', 'model-risk', { members: ['eve'] });
  gh.state.addTeam('acme', 'compliance', { members: ['carol'] });
  gh.state.addTeam('acme', 'fraud-ml', { members: ['bob'] });
  for (const login of ['rita-risk', 'carol', 'alice', 'eve', 'bob'])
    gh.state.setCollaborator(FULL, login, 'write');
  checkout = join(work, 'checkout');
  await git(work, ['clone', '--quiet', repo.gitDir, checkout], { env: ISOLATED_GIT_ENV });
});
afterEach(() => rm(work, { recursive: true, force: true }));

function environment(eventName: string, event: Record<string, unknown>): ActionEnvironment {
  return {
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
  };
}

const run = (event: Record<string, unknown>): Promise<SignoffGateResult> =>
  runSignoffGate(
    { checkName: 'tollgate/signoff', registry: 'registry', appId: TOLLGATE_APP.id },
    environment('pull_request_target', event),
    {
      client: gh.client(),
      now: new Date('2026-01-02T00:00:00Z'),
      gitEnv: GIT_ENV,
    },
  );

/** The gate on an open pull request, as a push or review triggers it: posts the check run. */
const judge = (number: number) => run({ action: 'synchronize', number, pull_request: { number } });

/** The `closed` event GitHub sends for pull request `number`: GitHub's example, with the double's state. */
function closedEvent(number: number): Record<string, unknown> {
  const pull = gh.state.pull(FULL, number);
  const event = webhookExample('pull_request', { action: 'closed' });
  event.number = number;
  Object.assign(event.pull_request, {
    number,
    title: pull.title,
    body: pull.body,
    merged: pull.merged,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: pull.mergeCommitSha ?? null,
    merged_by: pull.mergedBy ? { ...event.pull_request.user, login: pull.mergedBy } : null,
  });
  event.pull_request.head.sha = 'ignored';
  event.pull_request.base.ref = pull.base;
  event.repository.default_branch = 'main';
  return event as unknown as Record<string, unknown>;
}
const record = (number: number) => run(closedEvent(number));

const PROMOTION_BODY =
  '## fraud-detector v5 to production\n\n| metric | v4 | v5 |\n| --- | --- | --- |\n| auc | 0.91 | 0.93 |\n';

async function openPromotion(): Promise<number> {
  await gh.state.commit(
    FULL,
    BRANCH,
    { [STAGES]: stages('v5') },
    'Promote fraud-detector v5 to production\n\nTollgate-Event: promote\nModel: fraud-detector\nRequested-By: eve\n',
    'tollgate-bot',
  );
  return gh.state.openPull(FULL, {
    head: BRANCH,
    user: 'tollgate-bot',
    title: 'Promote fraud-detector v5',
    body: PROMOTION_BODY,
  }).number;
}

async function approve(number: number, ...logins: string[]): Promise<void> {
  for (const user of logins) await gh.state.addReview(FULL, number, { user, state: 'APPROVED' });
}

const gitDir = () => gh.state.repo(FULL).gitDir;
const onMain = async (path: string) => load(await git(gitDir(), ['show', `main:${path}`]));
const auditOnMain = async () =>
  (await git(gitDir(), ['ls-tree', '-r', '--name-only', 'main', '--', 'registry/audit/']))
    .split('\n')
    .filter((p) => !(p in registryFiles));

describe('after a promotion merges', () => {
  for (const method of ['squash', 'merge'] as const) {
    it(`records the approvers and the gate check run in an audit event on main (${method})`, async () => {
      const number = await openPromotion();
      await approve(number, 'rita-risk', 'carol', 'alice');
      expect((await judge(number)).conclusion).toBe('success');
      const checkRun = gh.state.repo(FULL).checkRuns[0]!;
      const checksBefore = structuredClone(gh.state.repo(FULL).checkRuns);
      const mergeSha = await gh.state.mergePull(FULL, number, 'alice', method);
      // A review after the merge changes nothing that merged.
      await gh.state.addReview(FULL, number, { user: 'carol', state: 'CHANGES_REQUESTED' });
      const pull = gh.state.pull(FULL, number);

      const result = await record(number);
      expect(result.error).toBeUndefined();
      expect(result.state?.mode).toBe('pull-request');
      expect(result.state?.pullRequest?.merge.status).toBe('merged');
      const [path] = await auditOnMain();
      expect(result.recorded).toEqual([path]);
      const event = (await onMain(path!)) as AuditEvent;
      expect(event).toMatchObject({
        kind: 'AuditEvent',
        event: 'promotion-merged',
        at: pull.mergedAt,
        actor: 'alice',
        model: 'fraud-detector',
        version: 'v5',
        stage: 'production',
        pull_request: number,
        commit: mergeSha,
      });
      expect(event.id).toMatch(new RegExp(`-pr${number}-${mergeSha.slice(0, 8)}-fraud-detector-production$`));
      const head = await gh.state.headSha(FULL, BRANCH);
      expect(event.details).toMatchObject({
        from_version: 'v4',
        head,
        gate_verdict: 'success',
        check_run: {
          name: 'tollgate/signoff',
          id: checkRun.id,
          conclusion: 'success',
          url: `https://github.com/acme/models/runs/${checkRun.id}`,
        },
      });
      // The description the reviewers saw, as the closed event carried it, with its digest.
      expect(event.details).toMatchObject({
        body: PROMOTION_BODY,
        body_sha256: createHash('sha256').update(PROMOTION_BODY).digest('hex'),
      });
      expect(event.details!.approvers).toEqual([
        { role: 'risk', login: 'rita-risk', commit: head, at: expect.any(String) },
        { role: 'compliance', login: 'carol', commit: head, at: expect.any(String) },
        { role: 'model-owner (fraud-detector)', login: 'alice', commit: head, at: expect.any(String) },
      ]);
      // The check run of the merged pull request is never touched.
      expect(gh.state.repo(FULL).checkRuns).toEqual(checksBefore);

      // `audit log` reads it like any audit file, approvers in its summary.
      const [logged] = auditFileEvents(await readAuditEvents(gitDir(), 'main')).filter(
        (e) => e.event === 'promotion-merged' && e.pullRequest === number,
      );
      expect(logged).toMatchObject({ sha: mergeSha, actor: 'alice', version: 'v5', stage: 'production' });
      expect(logged!.summary).toContain('rita-risk (risk)');
      expect(logged!.summary).toContain('gate check success');
      expect(eventLine(logged!)).toContain(
        `promotion-merged  fraud-detector production v4 → v5  #${number}  ${mergeSha.slice(0, 12)}  promotion-merged by alice; approved by rita-risk (risk), carol (compliance), alice (model-owner (fraud-detector)); gate check success`,
      );

      // A re-run of the closed event finds the record and writes nothing: no second state pull request.
      const pulls = gh.state.repo(FULL).pulls.length;
      const again = await record(number);
      expect(again.error).toBeUndefined();
      expect(again.title).toMatch(/already recorded/);
      expect(gh.state.repo(FULL).pulls).toHaveLength(pulls);
      expect(await auditOnMain()).toEqual([path]);

      // The state pull request's own merge records nothing: no loop.
      const state = result.state!.pullRequest!.number;
      const tip = await git(gitDir(), ['rev-parse', 'main']);
      const quiet = await record(state);
      expect(quiet.title).toMatch(/moved no stage pointer: nothing to record/);
      expect(await git(gitDir(), ['rev-parse', 'main'])).toBe(tip);
      expect(gh.state.repo(FULL).pulls).toHaveLength(pulls);
    });
  }

  it('records a merge without a passing gate check, and says so', async () => {
    const number = await openPromotion();
    await approve(number, 'alice');
    await gh.state.mergePull(FULL, number, 'admin-ann', 'squash');
    const result = await record(number);
    expect(result.error).toBeUndefined();
    const event = (await onMain((await auditOnMain())[0]!)) as AuditEvent;
    expect(event.actor).toBe('admin-ann');
    expect(event.details).toMatchObject({
      gate_verdict: 'failure',
      missing_roles: ['risk', 'compliance'],
      check_run: { name: 'tollgate/signoff', found: false },
      approvers: [{ role: 'model-owner (fraud-detector)', login: 'alice' }],
    });
    expect(gh.state.repo(FULL).checkRuns).toHaveLength(0);
  });

  it("trusts only the gate App's run: a writer's passing run of its name is recorded as forged, not as the check", async () => {
    const number = await openPromotion();
    await approve(number, 'alice');
    // The writer's workflow posts tollgate/signoff with its GITHUB_TOKEN (the GitHub Actions App); an admin merges.
    gh.state.appToken('writer-workflow-token', GITHUB_ACTIONS_APP);
    const { data: forged } = await gh.client({ token: 'writer-workflow-token' }).octokit.rest.checks.create({
      owner: 'acme',
      repo: 'models',
      name: 'tollgate/signoff',
      head_sha: (await gh.state.headSha(FULL, BRANCH))!,
      status: 'completed',
      conclusion: 'success',
      output: { title: 'All 3 sign-offs present', summary: 'ok' },
    });
    await gh.state.mergePull(FULL, number, 'admin-ann', 'squash');
    const result = await record(number);
    expect(result.error).toBeUndefined();
    const event = (await onMain((await auditOnMain())[0]!)) as AuditEvent;
    expect(event.details).toMatchObject({
      gate_verdict: 'failure',
      check_run: {
        name: 'tollgate/signoff',
        found: false,
        note: `no gate check run from App id ${TOLLGATE_APP.id} on the merged head`,
      },
      forged_check_runs: [
        { id: forged.id, app_id: GITHUB_ACTIONS_APP.id, app_slug: 'github-actions', conclusion: 'success' },
      ],
    });
    expect(result.summary).toContain(
      `forged check: run ${forged.id} by github-actions (App id 15368): success`,
    );
  });

  it('pushes the record straight to main when the policy says state_writes: push', async () => {
    const policy = registryFiles['registry/policy.yaml']!.replace(
      'state_writes: pull-request',
      'state_writes: push',
    );
    await gh.state.commit(FULL, 'main', { 'registry/policy.yaml': policy }, 'Push state');
    const number = await openPromotion();
    await approve(number, 'rita-risk', 'carol', 'alice');
    await judge(number);
    await gh.state.mergePull(FULL, number, 'alice');
    const result = await record(number);
    expect(result.error).toBeUndefined();
    expect(result.state?.mode).toBe('pushed');
    expect(gh.state.repo(FULL).pulls).toHaveLength(1);
    const event = (await onMain((await auditOnMain())[0]!)) as AuditEvent;
    expect(event).toMatchObject({ event: 'promotion-merged', version: 'v5' });
    expect(await git(gitDir(), ['log', '-1', '--format=%B', 'main'])).toContain(
      'Tollgate-Event: merge-recorded',
    );
  });
});

describe('when recording fails', () => {
  it('fails the job with the reason, leaves no branch behind, and a re-run then records it once', async () => {
    const number = await openPromotion();
    await approve(number, 'rita-risk', 'carol', 'alice');
    await judge(number);
    await gh.state.mergePull(FULL, number, 'alice');
    const tip = await git(gitDir(), ['rev-parse', 'main']);
    gh.fault(
      'POST',
      '/repos/{owner}/{repo}/pulls',
      { kind: 'forbidden', message: 'Resource not accessible by integration' },
      1,
    );
    const failed = await record(number);
    expect(failed.conclusion).toBe('failure');
    expect(failed.error).toMatch(/Resource not accessible by integration/);
    expect(failed.title).toMatch(new RegExp(`^Could not record the merge of pull request #${number}`));
    expect(await git(gitDir(), ['rev-parse', 'main'])).toBe(tip);
    expect(await git(gitDir(), ['branch', '--list', 'tollgate/state/*'])).toBe('');
    expect(gh.state.repo(FULL).checkRuns).toHaveLength(1);

    const again = await record(number);
    expect(again.error).toBeUndefined();
    expect(await auditOnMain()).toHaveLength(1);
    expect(gh.state.repo(FULL).pulls).toHaveLength(2);
  });
});

describe('nothing to record', () => {
  it('for a pull request closed without merging', async () => {
    const number = await openPromotion();
    gh.state.pull(FULL, number).state = 'closed';
    const tip = await git(gitDir(), ['rev-parse', 'main']);
    const result = await record(number);
    expect(result.conclusion).toBe('success');
    expect(result.recorded).toBeUndefined();
    expect(result.title).toMatch(/closed without merging/);
    expect(await git(gitDir(), ['rev-parse', 'main'])).toBe(tip);
    expect(gh.state.repo(FULL).checkRuns).toHaveLength(0);
  });

  it('for a merged state-only pull request', async () => {
    await gh.state.commit(FULL, 'state', { [INCIDENT_FILE]: incident() }, 'Open incident', 'tollgate-bot');
    const { number } = gh.state.openPull(FULL, { head: 'state', user: 'tollgate-bot' });
    await gh.state.mergePull(FULL, number, 'tollgate-bot', 'squash');
    const tip = await git(gitDir(), ['rev-parse', 'main']);
    const result = await record(number);
    expect(result.error).toBeUndefined();
    expect(result.title).toMatch(/moved no stage pointer/);
    expect(await git(gitDir(), ['rev-parse', 'main'])).toBe(tip);
    expect(gh.state.repo(FULL).pulls).toHaveLength(1);
  });

  it('records a merge whose event has merged_by null, with the merger the API names', async () => {
    const number = await openPromotion();
    await approve(number, 'rita-risk', 'carol', 'alice');
    await judge(number);
    await gh.state.mergePull(FULL, number, 'alice');
    const event = closedEvent(number);
    (event.pull_request as Record<string, unknown>).merged_by = null;
    const result = await run(event);
    expect(result.error).toBeUndefined();
    const [path] = await auditOnMain();
    expect(await onMain(path!)).toMatchObject({ event: 'promotion-merged', actor: 'alice' });
  });

  it('records a merge GitHub names no merger for at all, with the merge commit author', async () => {
    const number = await openPromotion();
    await approve(number, 'rita-risk', 'carol', 'alice');
    await judge(number);
    const mergeSha = await gh.state.mergePull(FULL, number, 'alice');
    delete gh.state.pull(FULL, number).mergedBy;
    const event = closedEvent(number);
    expect((event.pull_request as Record<string, unknown>).merged_by).toBeNull();
    const result = await run(event);
    expect(result.error).toBeUndefined();
    const author = await git(gitDir(), ['log', '-1', '--format=%an <%ae>', mergeSha]);
    const [path] = await auditOnMain();
    expect(await onMain(path!)).toMatchObject({
      event: 'promotion-merged',
      actor: `${author} (merge commit author; GitHub named no merger)`,
    });
  });

  it('fails the job, writing nothing, when the event lacks the merge commit', async () => {
    const number = await openPromotion();
    await gh.state.mergePull(FULL, number, 'alice');
    const event = closedEvent(number);
    (event.pull_request as Record<string, unknown>).merge_commit_sha = null;
    const result = await run(event);
    expect(result.conclusion).toBe('failure');
    expect(result.error).toMatch(/lacks its merge commit/);
    expect(gh.state.repo(FULL).checkRuns).toHaveLength(0);
    expect(gh.state.repo(FULL).pulls).toHaveLength(1);
  });
});

describe('after a rollback pull request merges', () => {
  /** Main serves v5 in production (promotion merged) and has the incident open. */
  async function promotedWithIncident(): Promise<void> {
    const number = await openPromotion();
    await approve(number, 'rita-risk', 'carol', 'alice');
    await gh.state.mergePull(FULL, number, 'alice');
    await gh.state.commit(FULL, 'main', { [INCIDENT_FILE]: incident() }, 'Open incident');
  }

  /** The rollback pull request as the rollback action makes it, optionally with rollback-started on the record. */
  async function openRollback(started?: string): Promise<{ number: number; commitDate: string }> {
    const files: Record<string, string> = { [STAGES]: stages('v4') };
    if (started)
      files[INCIDENT_FILE] = incident([
        `  - at: '${started}'`,
        '    event: rollback-started',
        '    detail: fraud-detector production v5 -> v4',
      ]);
    const sha = await gh.state.commit(
      FULL,
      'tollgate/rollback/fraud-detector/production',
      files,
      [
        'Roll back fraud-detector production from v5 to v4',
        '',
        'Tollgate-Event: rollback',
        'Model: fraud-detector',
        'Stage: production',
        'Version: v4',
        'From: v5',
        `Incident: ${INCIDENT}`,
        'Requested-By: oncall',
        'Rollback-Mode: revert',
      ].join('\n'),
      'tollgate-bot',
    );
    const { number } = gh.state.openPull(FULL, {
      head: 'tollgate/rollback/fraud-detector/production',
      user: 'tollgate-bot',
      title: 'Roll back fraud-detector production from v5 to v4',
    });
    const commitDate = await git(gitDir(), ['log', '-1', '--format=%aI', sha]);
    return { number, commitDate };
  }

  const seconds = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 1000);

  it('adds rollback-completed to the incident, timed from its rollback-started entry, once', async () => {
    await promotedWithIncident();
    const started = '2026-01-01T00:05:00Z';
    const { number } = await openRollback(started);
    await approve(number, 'alice');
    expect((await judge(number)).conclusion).toBe('success');
    const mergeSha = await gh.state.mergePull(FULL, number, 'bob');
    const mergedAt = gh.state.pull(FULL, number).mergedAt!;

    const result = await record(number);
    expect(result.error).toBeUndefined();
    expect(result.recorded).toContain(INCIDENT_FILE);
    const recorded = (await onMain(INCIDENT_FILE)) as Incident;
    const completed = recorded.timeline.filter((e) => e.event === 'rollback-completed');
    expect(completed).toHaveLength(1);
    const took = seconds(started, mergedAt);
    expect(took).toBeGreaterThan(0);
    expect(completed[0]).toMatchObject({
      at: mergedAt,
      // Like every rollback-completed entry: seconds since detection (incident stats' time to roll back).
      duration: seconds('2026-01-01T00:00:00Z', mergedAt),
    });
    expect(completed[0]!.detail).toContain(
      `pull request #${number} merged by bob in ${mergeSha.slice(0, 12)}`,
    );
    expect(completed[0]!.detail).toContain(`after rollback-started at ${started}`);

    const event = (await onMain((await auditOnMain())[0]!)) as AuditEvent;
    expect(event).toMatchObject({
      event: 'rollback-merged',
      incident: INCIDENT,
      version: 'v4',
      stage: 'production',
      actor: 'bob',
      pull_request: number,
      commit: mergeSha,
      details: {
        from_version: 'v5',
        rollback_started_at: started,
        rollback_started_from: 'timeline',
        rollback_seconds: took,
        approvers: [{ role: 'model-owner (fraud-detector)', login: 'alice' }],
      },
    });

    // A re-run adds no second entry and no second event.
    const again = await record(number);
    expect(again.error).toBeUndefined();
    expect(again.title).toMatch(/already recorded/);
    const after = (await onMain(INCIDENT_FILE)) as Incident;
    expect(after.timeline.filter((e) => e.event === 'rollback-completed')).toHaveLength(1);
  });

  it('times the rollback from its commit when the incident has no rollback-started entry', async () => {
    await promotedWithIncident();
    const { number, commitDate } = await openRollback();
    await approve(number, 'alice');
    await gh.state.mergePull(FULL, number, 'alice', 'squash');
    const mergedAt = gh.state.pull(FULL, number).mergedAt!;
    const result = await record(number);
    expect(result.error).toBeUndefined();
    const completed = ((await onMain(INCIDENT_FILE)) as Incident).timeline.at(-1)!;
    expect(completed).toMatchObject({ event: 'rollback-completed', at: mergedAt });
    const event = (await onMain((await auditOnMain())[0]!)) as AuditEvent;
    expect(event.details).toMatchObject({
      rollback_started_from: 'commit',
      rollback_started_at: new Date(commitDate).toISOString().replace('.000Z', 'Z'),
      rollback_seconds: seconds(commitDate, mergedAt),
    });
  });
});

describe('the workflow template', () => {
  it('runs on closed, makes the App token first and checks out the base with it, never the head', async () => {
    const text = await readFile(
      join(import.meta.dirname, '..', '..', 'templates', 'workflows', 'tollgate-signoff-gate.yml'),
      'utf8',
    );
    const workflow = load(text) as {
      on: { pull_request_target: { types: string[] } };
      concurrency: { group: string; 'cancel-in-progress': string };
      jobs: { gate: { steps: { id?: string; uses: string; with?: Record<string, unknown> }[] } };
    };
    expect(workflow.on.pull_request_target.types).toContain('closed');
    expect(workflow.concurrency['cancel-in-progress']).toContain("github.event.action != 'closed'");
    // A push (pull_request_target) and a relayed review (workflow_run) of one pull request share a group by its
    // head's owner:branch, forks included, so the later evaluation cancels the earlier one (case 25).
    expect(workflow.concurrency.group).toContain('github.event.pull_request.head.label');
    expect(workflow.concurrency.group).toContain(
      "format('{0}:{1}', github.event.workflow_run.head_repository.owner.login, github.event.workflow_run.head_branch)",
    );
    const steps = workflow.jobs.gate.steps;
    const app = steps.findIndex((s) => s.id === 'app');
    const checkout = steps.findIndex((s) => s.uses.startsWith('actions/checkout@'));
    expect(app).toBeGreaterThanOrEqual(0);
    expect(app).toBeLessThan(checkout);
    expect(steps[checkout]!.with).toEqual({ 'fetch-depth': 0, token: '${{ steps.app.outputs.token }}' });
  });
});
