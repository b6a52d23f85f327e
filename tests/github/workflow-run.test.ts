import { describe, expect, it } from 'vitest';
import { branchOfRef } from '../../src/github/workflow-run.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';

describe('the branch a dispatched run is on', () => {
  it("takes the branch from GitHub's workflow_dispatch examples", () => {
    expect(branchOfRef(webhookExample('workflow_dispatch', { index: 0 }).ref, 'the retrain workflow')).toBe(
      'main',
    );
    expect(branchOfRef(webhookExample('workflow_dispatch', { index: 1 }).ref, 'the retrain workflow')).toBe(
      'master',
    );
  });

  it('refuses a dispatch on a tag, naming the tag and how to dispatch on a branch', () => {
    // The examples are all on branches; a workflow_dispatch on a tag carries refs/tags/... in the same field.
    const event = webhookExample('workflow_dispatch');
    event.ref = 'refs/tags/v1.2.0';
    expect(() => branchOfRef(event.ref, 'the retrain workflow')).toThrow(
      'the retrain workflow runs on the tag v1.2.0, not a branch',
    );
    try {
      branchOfRef(event.ref, 'the retrain workflow');
    } catch (error) {
      expect((error as { fix?: string }).fix).toContain('--ref main');
    }
  });

  it.each([['refs/pull/7/merge'], ['refs/heads/'], [''], [undefined]])('refuses %j', (ref) => {
    expect(() => branchOfRef(ref, 'x')).toThrow(/not a branch/);
  });
});
