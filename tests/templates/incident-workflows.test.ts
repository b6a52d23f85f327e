// The on-call workflows: both events start them, and what a dispatch carries reaches the action only as inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const yaml = (path: string) => load(readFileSync(join(ROOT, path), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each([
  ['tollgate-rollback', 'rollback'],
  ['tollgate-incident', 'incident'],
])('templates/workflows/%s.yml', (name, action) => {
  const workflow = yaml(`templates/workflows/${name}.yml`);
  const steps = workflow.jobs[Object.keys(workflow.jobs)[0]!].steps as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  const step = steps.find((s) => String(s.uses).includes(`/actions/${action}@`))!;

  it('runs on workflow_dispatch and on a repository_dispatch of its own type', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch', 'repository_dispatch']);
    expect(workflow.on.repository_dispatch.types).toEqual([name]);
  });

  it('passes only inputs the action declares, and interpolates nothing into a shell', () => {
    const declared = Object.keys(yaml(`actions/${action}/action.yml`).inputs);
    expect(Object.keys(step.with).filter((k) => !declared.includes(k))).toEqual([]);
    for (const s of steps) expect(JSON.stringify(s.run ?? '')).not.toMatch(/inputs\.|client_payload/);
  });

  it('has a concurrency group that is not empty under either event', () => {
    const group = String(workflow.concurrency.group);
    if (group.includes('inputs.')) expect(group).toContain('github.event.client_payload.');
  });
});

describe('tollgate-rollback.yml', () => {
  it('takes every value from the inputs or, on a dispatch, client_payload', () => {
    const workflow = yaml('templates/workflows/tollgate-rollback.yml');
    const step = (workflow.jobs.rollback.steps as { uses?: string; with?: Record<string, string> }[]).find(
      (s) => s.uses?.includes('/actions/rollback@'),
    )!;
    for (const field of ['model', 'stage', 'to', 'incident', 'dry-run'])
      expect(step.with![field]).toMatch(
        new RegExp(
          `^\\$\\{\\{ inputs\\.${field} \\|\\| github\\.event\\.client_payload\\.${field}( \\|\\| .*)? \\}\\}$`,
        ),
      );
  });
});
