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

  it('asks for no more than it needs, and pushes with the token that opens the pull request', () => {
    expect(retrain.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    const checkout = stepsOf(retrain).find((s) => s.uses?.startsWith('actions/checkout@'))!;
    // Pushes made with GITHUB_TOKEN start no workflows: the sign-off gate would never run on the pull request.
    expect(checkout.with).toMatchObject({ 'fetch-depth': 0 });
    expect(checkout.with!.token).toBe(actionStep(retrain, 'retrain').with!.token);
    for (const name of Object.keys(dispatch))
      expect(actionStep(retrain, 'retrain').with![name]).toBe(`\${{ inputs.${name} }}`);
  });
});

describe('tollgate-scheduler.yml', () => {
  it('ticks on a cron, one tick at a time, dispatching the retrain template', () => {
    expect(scheduler.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(scheduler.concurrency).toMatchObject({ 'cancel-in-progress': false });
    expect(actionStep(scheduler, 'scheduler').with!.workflow).toBe('tollgate-retrain.yml');
    expect(scheduler.permissions).toEqual({ contents: 'read', actions: 'write', 'pull-requests': 'read' });
  });
});
