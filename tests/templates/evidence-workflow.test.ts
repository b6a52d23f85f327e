// The evidence workflow: full history, every subject passed through, read-only token, the bundle uploaded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const yaml = (path: string) => load(readFileSync(join(ROOT, path), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('templates/workflows/tollgate-evidence.yml', () => {
  const workflow = yaml('templates/workflows/tollgate-evidence.yml');
  const steps = workflow.jobs.export.steps as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  const evidence = steps.findIndex((s) => String(s.uses).includes('/actions/evidence@'));

  it('checks out the full history before the export, with a token that can only read', () => {
    const checkout = steps.findIndex((s) => String(s.uses).startsWith('actions/checkout@'));
    expect(checkout).toBeGreaterThanOrEqual(0);
    expect(checkout).toBeLessThan(evidence);
    expect(steps[checkout]!.with['fetch-depth']).toBe(0);
    expect(workflow.permissions).toEqual({});
    expect(Object.values(workflow.jobs.export.permissions).every((p) => p === 'read')).toBe(true);
  });

  it('passes each subject of a dispatch to an input the action declares', () => {
    const declared = Object.keys(yaml('actions/evidence/action.yml').inputs);
    const subjects = ['model', 'version', 'pr', 'incident', 'since', 'until'];
    expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(subjects);
    for (const s of subjects) {
      expect(declared).toContain(s);
      expect(steps[evidence]!.with[s]).toBe(`\${{ inputs.${s} }}`);
    }
  });

  it('uploads the folder (files, manifest and bundle.tar.gz) as a workflow artifact after the export', () => {
    const id = steps[evidence]!.id as string;
    const upload = steps.findIndex((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload).toBeGreaterThan(evidence);
    expect(steps[upload]!.with.path).toBe(`\${{ steps.${id}.outputs.path }}`);
  });
});
