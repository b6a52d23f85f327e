// planUpgrade and its diff: which workflows change, and a unified diff that says exactly what `git diff` says.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Release } from '../../src/init/release.ts';
import { planUpgrade, unifiedDiff } from '../../src/init/upgrade.ts';

const SHA = 'c'.repeat(40);
const release: Release = { repository: 'tollgate-dev/tollgate', version: '1.2.0', tag: 'v1.2.0', sha: SHA };
const work = mkdtempSync(join(tmpdir(), 'tollgate-diff-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What `git diff --no-index` prints for the same change, with its headers named like ours. */
function gitDiff(path: string, before: string, after: string): string {
  writeFileSync(join(work, 'a'), before);
  writeFileSync(join(work, 'b'), after);
  const r = spawnSync('git', ['diff', '--no-index', '--no-color', '--unified=3', 'a', 'b'], {
    cwd: work,
    encoding: 'utf8',
  });
  const lines = r.stdout.split('\n');
  const from = lines.findIndex((l) => l.startsWith('--- '));
  return [`--- a/${path}`, `+++ b/${path}`, ...lines.slice(from + 2)].join('\n');
}

const workflow = (ref: string, extra = '') =>
  [
    'name: tollgate-validate',
    'on:',
    '  pull_request:',
    'jobs:',
    '  validate:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v5',
    '        with:',
    '          fetch-depth: 0',
    `      - uses: tollgate-dev/tollgate/actions/validate@${ref}`,
    `        with:${extra}`,
    '          registry: registry',
    '',
  ].join('\n');

describe('planUpgrade', () => {
  it('rewrites only the files that name another release, and lists the rest as current', () => {
    const plan = planUpgrade(
      [
        { path: '.github/workflows/tollgate-validate.yml', content: workflow('v1') },
        { path: '.github/workflows/tollgate-evidence.yml', content: workflow(`${SHA} # v1.2.0`) },
      ],
      release,
    );
    expect(plan.current).toEqual(['.github/workflows/tollgate-evidence.yml']);
    expect(plan.changed.map((c) => c.path)).toEqual(['.github/workflows/tollgate-validate.yml']);
    expect(plan.changed[0]!.content).toBe(workflow(`${SHA} # v1.2.0`));
    expect(plan.changed[0]!.changes).toEqual([
      {
        line: 11,
        action: 'validate',
        from: '- uses: tollgate-dev/tollgate/actions/validate@v1',
        to: `- uses: tollgate-dev/tollgate/actions/validate@${SHA} # v1.2.0`,
      },
    ]);
    expect(plan.changed[0]!.diff).toBe(
      [
        '--- a/.github/workflows/tollgate-validate.yml',
        '+++ b/.github/workflows/tollgate-validate.yml',
        '@@ -8,6 +8,6 @@',
        '       - uses: actions/checkout@v5',
        '         with:',
        '           fetch-depth: 0',
        '-      - uses: tollgate-dev/tollgate/actions/validate@v1',
        `+      - uses: tollgate-dev/tollgate/actions/validate@${SHA} # v1.2.0`,
        '         with:',
        '           registry: registry',
        '',
      ].join('\n'),
    );
  });

  it('keeps every line the adopter changed, and reports actions this release does not ship', () => {
    const edited = workflow('v1', ' # the adopter wrote this').replace(
      'registry: registry',
      'registry: ml/registry\n      - uses: tollgate-dev/tollgate/actions/canary@v2',
    );
    const plan = planUpgrade([{ path: 'w.yml', content: edited }], release);
    const after = plan.changed[0]!.content;
    expect(after).toContain('        with: # the adopter wrote this');
    expect(after).toContain('registry: ml/registry');
    expect(after).toContain('tollgate-dev/tollgate/actions/canary@v2');
    expect(plan.unknown).toEqual([{ path: 'w.yml', line: 14, action: 'canary' }]);
  });
});

describe('unifiedDiff', () => {
  it('is empty for identical texts', () => {
    expect(unifiedDiff('x', 'a\nb\n', 'a\nb\n')).toBe('');
  });

  it('refuses texts of different length rather than print a wrong diff', () => {
    expect(() => unifiedDiff('x', 'a\n', 'a\nb\n')).toThrow(/number of lines/);
  });

  const changes = fc.tuple(
    fc.array(fc.constantFrom('a', 'b', 'uses: x', ''), { minLength: 1, maxLength: 30 }),
    fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
    fc.boolean(),
  );
  const texts = ([lines, picks, finalNewline]: [string[], number[], boolean], unique: boolean) => {
    const before = unique ? lines.map((l, i) => `${i}: ${l}`) : [...lines];
    // Without a final newline the last line has text (an empty one would just be the newline of the one before).
    if (!finalNewline && before.at(-1) === '') before[before.length - 1] = 'z';
    const after = [...before];
    for (const p of picks) after[p % before.length] = `${after[p % before.length]}!`;
    const end = finalNewline ? '\n' : '';
    return { a: before.join('\n') + end, b: after.join('\n') + end };
  };

  it('prints what git diff prints for in-place changes (joined and separate hunks, file edges, no final newline)', () => {
    fc.assert(
      fc.property(changes, (input) => {
        const { a, b } = texts(input, true);
        expect(unifiedDiff('f.yml', a, b).trimEnd()).toBe(gitDiff('f.yml', a, b).trimEnd());
      }),
      { numRuns: 40 },
    );
  });

  it('applies with git apply to exactly the new text, also where lines repeat', () => {
    fc.assert(
      fc.property(changes, (input) => {
        const { a, b } = texts(input, false);
        writeFileSync(join(work, 'f.yml'), a);
        writeFileSync(join(work, 'patch'), unifiedDiff('f.yml', a, b));
        const r = spawnSync('git', ['apply', '--unsafe-paths', '--directory=.', 'patch'], {
          cwd: work,
          encoding: 'utf8',
        });
        expect(r.stderr).toBe('');
        expect(readFileSync(join(work, 'f.yml'), 'utf8')).toBe(b);
      }),
      { numRuns: 40 },
    );
  });
});
