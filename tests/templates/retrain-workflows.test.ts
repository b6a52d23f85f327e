// The retrain and scheduler workflow templates: typed dispatch inputs, one retrain per model at a time, minimal
// permissions, nothing interpolated into a shell, and a retrain workflow that accepts what the scheduler sends.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { scheduledRetrainInputs } from '../../src/scheduler/flow.ts';
import { TRIGGER_KINDS } from '../../src/retrain/flow.ts';

const ROOT = join(import.meta.dirname, '..', '..');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
const yaml = (path: string) => load(readFileSync(join(ROOT, path), 'utf8')) as Doc;

const retrain = yaml('templates/workflows/tollgate-retrain.yml');
const scheduler = yaml('templates/workflows/tollgate-scheduler.yml');
const stepsOf = (workflow: Doc): Step[] =>
  Object.values(workflow.jobs as Record<string, Doc>).flatMap((j) => j.steps);
const actionStep = (workflow: Doc, action: string): Step =>
  stepsOf(workflow).find((s) => String(s.uses).includes(`/actions/${action}@`))!;

describe.each([
  [retrain, 'retrain'],
  [scheduler, 'scheduler'],
])('templates/workflows/tollgate-%s.yml', (workflow, action) => {
  it('passes only inputs the action declares, and interpolates nothing into a shell', () => {
    const declared = Object.keys(yaml(`actions/${action}/action.yml`).inputs);
    expect(Object.keys(actionStep(workflow, action).with ?? {}).filter((k) => !declared.includes(k))).toEqual(
      [],
    );
    for (const step of stepsOf(workflow)) expect(String(step.run ?? '')).not.toContain('${{');
  });
});

describe('tollgate-retrain.yml', () => {
  const dispatch = retrain.on.workflow_dispatch.inputs as Record<
    string,
    { type?: string; options?: string[] }
  >;

  it('runs on workflow_dispatch only, with a type on every input', () => {
    expect(Object.keys(retrain.on)).toEqual(['workflow_dispatch']);
    for (const [name, input] of Object.entries(dispatch)) expect(input.type, name).toBeTruthy();
    expect(dispatch.trigger!.options!.sort()).toEqual([...TRIGGER_KINDS].sort());
  });

  it('accepts every input the scheduler dispatches it with', () => {
    for (const [name, value] of Object.entries(scheduledRetrainInputs('fraud-detector'))) {
      expect(dispatch[name], name).toBeDefined();
      if (dispatch[name]!.options) expect(dispatch[name]!.options).toContain(value);
    }
  });

  it('holds one retrain per model at a time, never cancelling a running one', () => {
    expect(retrain.concurrency).toEqual({
      group: 'tollgate-retrain-${{ inputs.model }}',
      'cancel-in-progress': false,
    });
  });

  it('passes every dispatch input to the training job, and the recording job records with the App token', () => {
    const train = retrain.jobs.train.steps.find((s: Step) =>
      String(s.uses).includes('/actions/retrain@'),
    ) as Step;
    const record = retrain.jobs.record.steps.find((s: Step) =>
      String(s.uses).includes('/actions/retrain@'),
    ) as Step;
    expect(train.with).toMatchObject({ mode: 'train' });
    expect(record.with).toMatchObject({ mode: 'record', report: '${{ needs.train.outputs.report }}' });
    for (const name of Object.keys(dispatch)) expect(train.with![name], name).toBe(`\${{ inputs.${name} }}`);
    // Pushes made with GITHUB_TOKEN start no workflows: the sign-off gate would never run on the pull request.
    const checkout = (retrain.jobs.record.steps as Step[]).find((s) =>
      s.uses?.startsWith('actions/checkout@'),
    )!;
    expect(checkout.with).toMatchObject({ 'fetch-depth': 0 });
    expect(checkout.with!.token).toBe(record.with!.token);
    expect(record.with!.token).toBe('${{ steps.app.outputs.token }}');
  });
});

describe('tollgate-scheduler.yml', () => {
  it('ticks on a cron, one tick at a time, dispatching the retrain template', () => {
    expect(scheduler.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    // One run of each job at a time, never cancelling a running one, each job in a queue of its own.
    for (const id of ['tick', 'escalate', 'digest'])
      expect(scheduler.jobs[id].concurrency, id).toEqual({
        group: `tollgate-scheduler-${id}`,
        'cancel-in-progress': false,
      });
    expect(actionStep(scheduler, 'scheduler').with!.workflow).toBe('tollgate-retrain.yml');
    expect(scheduler.permissions).toEqual({});
    expect(scheduler.jobs.tick.permissions).toEqual({
      contents: 'read',
      actions: 'write',
      'pull-requests': 'read',
    });
  });

  const jobSteps = (id: string): Step[] => scheduler.jobs[id].steps as Step[];
  const schedulerStep = (id: string) =>
    jobSteps(id).find((s) => String(s.uses).includes('/actions/scheduler@'))!;

  it('runs the escalation sweep and the sign-off digest as jobs of their own, each with the scheduler action', () => {
    expect(Object.keys(scheduler.jobs)).toEqual(['tick', 'escalate', 'digest']);
    expect(schedulerStep('tick').with!.mode ?? 'tick').toBe('tick');
    expect(schedulerStep('escalate').with).toMatchObject({ mode: 'escalate' });
    expect(schedulerStep('digest').with).toMatchObject({ mode: 'digest' });
    for (const id of ['tick', 'escalate', 'digest']) {
      // No job runs a command: each holds a token, and the checkout is the repository's, read as data.
      expect(
        jobSteps(id).every((s) => s.run === undefined && s.uses !== undefined),
        id,
      ).toBe(true);
      const declared = Object.keys(yaml('actions/scheduler/action.yml').inputs);
      expect(
        Object.keys(schedulerStep(id).with ?? {}).filter((k) => !declared.includes(k)),
        id,
      ).toEqual([]);
    }
  });

  it('escalates on every tick with the App token for records and GITHUB_TOKEN only for incident issues', () => {
    const job = scheduler.jobs.escalate;
    expect(job.environment).toBe('tollgate');
    expect(job.permissions).toEqual({ issues: 'write' });
    const app = jobSteps('escalate').find((s) =>
      String(s.uses).startsWith('actions/create-github-app-token@'),
    )!;
    expect(app.with).toMatchObject({ 'permission-contents': 'write', 'permission-pull-requests': 'write' });
    expect(app.with!['permission-checks']).toBeUndefined();
    const checkout = jobSteps('escalate').find((s) => String(s.uses).startsWith('actions/checkout@'))!;
    expect(checkout.with!.token).toBe('${{ steps.app.outputs.token }}');
    expect(schedulerStep('escalate').with).toMatchObject({
      token: '${{ steps.app.outputs.token }}',
      'issues-token': '${{ github.token }}',
    });
    expect(Object.keys((schedulerStep('escalate') as Step & { env: object }).env).sort()).toEqual([
      'TOLLGATE_NOTIFY_WEBHOOK',
      'TOLLGATE_PAGERDUTY_ROUTING_KEY',
      'TOLLGATE_SLACK_WEBHOOK',
    ]);
  });

  it('posts the digest once a day (and by hand) with a read-only token', () => {
    const crons = (scheduler.on.schedule as { cron: string }[]).map((c) => c.cron);
    const daily = crons.find((c) => !c.startsWith('*/'))!;
    expect(daily).toBe('0 8 * * 1-5');
    const job = scheduler.jobs.digest;
    expect(job.if).toBe(`github.event.schedule == '${daily}' || github.event_name == 'workflow_dispatch'`);
    expect(job.permissions).toEqual({});
    const app = jobSteps('digest').find((s) =>
      String(s.uses).startsWith('actions/create-github-app-token@'),
    )!;
    const asked = Object.entries(app.with!).filter(([k]) => k.startsWith('permission-'));
    expect(asked.every(([, level]) => level === 'read')).toBe(true);
    expect(schedulerStep('digest').with!.token).toBe('${{ steps.app.outputs.token }}');
    // The tick and the sweep run on the 15-minute cron and by hand, never on the digest's cron.
    for (const id of ['tick', 'escalate'])
      expect(scheduler.jobs[id].if, id).toBe(`github.event.schedule != '${daily}'`);
  });
});
