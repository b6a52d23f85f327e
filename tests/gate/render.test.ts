import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/gate/evaluate.ts';
import { markdownCell, renderVerdictMarkdown } from '../../src/gate/render.ts';
import { approve, promote, scenario } from './fixture.ts';

describe('renderVerdictMarkdown', () => {
  it('renders a missing role with who could sign off and why near misses did not count', () => {
    const input = scenario({ reviews: [approve('rita'), approve('carol', 'b'.repeat(40)), approve('olga')] });
    expect(renderVerdictMarkdown(evaluateGate(input))).toBe(
      [
        '### ❌ 2 of 3 sign-offs; missing: compliance',
        '',
        '**Changes that need review**',
        '',
        '- fraud: production v12 → v13',
        '',
        '| Role | Needed by | Signed off | Could sign off |',
        '| --- | --- | --- | --- |',
        '| risk | production promotion | ✅ @rita at 2026-11-20T10:00:00Z on `hhhhhhh` |  |',
        '| compliance | production promotion | ❌ missing — carol: approved bbbbbbb, not the head hhhhhhh | @Carol |',
        '| model-owner (fraud) | production promotion | ✅ @olga at 2026-11-20T10:00:00Z on `hhhhhhh` |  |',
        '',
      ].join('\n'),
    );
  });

  it('puts blocking reasons first', () => {
    const md = renderVerdictMarkdown(
      evaluateGate(
        scenario({ changes: [promote, { kind: 'file-changed', path: '.github/workflows/gate.yml' }] }),
      ),
    );
    expect(md.split('\n').slice(0, 4)).toEqual([
      '### ❌ Blocked: mixed change: a promotion or policy change together with code, workflow or gate set-up changes (.github/workflows/gate.yml)',
      '',
      '**Blocked** — no review can pass this pull request until these are fixed:',
      '',
    ]);
  });

  it('says so for a state-only pull request', () => {
    const md = renderVerdictMarkdown(
      evaluateGate(
        scenario({
          reviews: [],
          changes: [{ kind: 'audit-appended', path: 'audit/2026/11/a.yaml', id: 'a' }],
        }),
      ),
    );
    expect(md).toBe(
      '### ✅ State changes only: no sign-off needed\n\nOnly state changes (schedule, retrains, incidents, audit): no sign-off needed.\n',
    );
  });

  it('keeps table cells intact whatever a reason holds', () => {
    expect(markdownCell('a|b\nc\\')).toBe('a\\|b c\\\\');
  });
});
