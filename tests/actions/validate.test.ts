import { describe, expect, it } from 'vitest';
import {
  baseOf,
  changedRegistryPaths,
  chooseScope,
  summaryMarkdown,
} from '../../src/registry/validate-flow.ts';
import type { Problem } from '../../src/registry/types.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';

describe('validate action: what to check', () => {
  it.each([
    ['auto', 'pull_request', 'changed'],
    ['auto', 'merge_group', 'changed'],
    ['auto', 'push', 'all'],
    ['', 'workflow_dispatch', 'all'],
    ['changed', 'push', 'changed'],
    ['all', 'pull_request', 'all'],
  ])('scope %j on %s -> %s', (input, event, scope) => {
    expect(chooseScope(input, event)).toBe(scope);
  });

  it('rejects an unknown scope', () => {
    expect(() => chooseScope('some', 'push')).toThrow(/auto, changed or all/);
  });

  it('takes the base from the input, the pull request, or the merge group', () => {
    expect(baseOf(' origin/main ', {})).toBe('origin/main');
    // GitHub's example payloads: the base sha sits in a different place for each event.
    const pull = webhookExample('pull_request', { action: 'synchronize' });
    expect(baseOf('', pull)).toBe(pull.pull_request.base.sha);
    const group = webhookExample('merge_group', { action: 'checks_requested' });
    expect(baseOf('', group)).toBe(group.merge_group.base_sha);
    expect(baseOf('', webhookExample('push'))).toBeUndefined();
    expect(baseOf('', {})).toBeUndefined();
  });

  it('keeps only registry files, registry-relative', () => {
    const diff = 'README.md\nregistry/policy.yaml\nregistry-tools/x.yaml\nregistry/models/a/stages.yaml\n';
    expect(changedRegistryPaths(diff, 'registry')).toEqual(['models/a/stages.yaml', 'policy.yaml']);
    expect(changedRegistryPaths(diff, './registry/')).toEqual(['models/a/stages.yaml', 'policy.yaml']);
    expect(changedRegistryPaths('', 'registry')).toEqual([]);
  });
});

describe('validate action: job summary', () => {
  it('says so when there is nothing wrong', () => {
    expect(summaryMarkdown([], { files: 3, scope: 'changed', registryPath: 'registry' })).toBe(
      '## Tollgate validate\n\nChecked 3 changed registry file(s) in `registry`: 0 error(s), 0 warning(s).\n\nNo problems found.\n',
    );
  });

  it('renders one table row per problem, escaping pipes', () => {
    const problems: Problem[] = [
      { file: 'policy.yaml', line: 4, severity: 'error', message: 'a | b', fix: 'do x' },
      { file: 'notes.txt', severity: 'warning', message: 'unknown file' },
    ];
    expect(summaryMarkdown(problems, { files: 30, scope: 'all', registryPath: 'reg' })).toBe(
      [
        '## Tollgate validate',
        '',
        'Checked 30 registry file(s) in `reg`: 1 error(s), 1 warning(s).',
        '',
        '| | File | Line | Problem | Fix |',
        '| --- | --- | --- | --- | --- |',
        '| ❌ | `policy.yaml` | 4 | a \\| b | do x |',
        '| ⚠️ | `notes.txt` |  | unknown file |  |',
        '',
      ].join('\n'),
    );
  });
});
