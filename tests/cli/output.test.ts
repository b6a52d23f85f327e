// Terminal output: aligned tables that fit the width with an ellipsis, and colour only on a terminal without
// NO_COLOR.
import { describe, expect, it } from 'vitest';
import { colorEnabled, paint } from '../../src/cli/style.ts';
import { renderTable, truncate } from '../../src/cli/table.ts';

describe('renderTable', () => {
  const rows = [
    [
      '2026-11-01T09:00:00Z',
      'promotion',
      'fraud-detector production v4 → v5',
      '#12',
      'a very long summary of it',
    ],
    ['2026-11-02T09:00:00Z', 'rollback', 'churn', '', 'short'],
  ];

  it('aligns every column to its widest cell when there is no width (a pipe)', () => {
    const lines = renderTable(rows).split('\n');
    expect(lines[0]).toBe(
      '2026-11-01T09:00:00Z  promotion  fraud-detector production v4 → v5  #12  a very long summary of it',
    );
    expect(lines[1]!.startsWith('2026-11-02T09:00:00Z  rollback   churn   ')).toBe(true);
    expect(lines[1]!.indexOf('short')).toBe(lines[0]!.indexOf('a very long'));
  });

  it('fits a terminal width by shrinking the flexible columns, with an ellipsis', () => {
    const lines = renderTable(rows, { width: 70, flexible: [2, 4] }).split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(70);
    expect(lines[0]).toContain('…');
    expect(lines[0]!.startsWith('2026-11-01T09:00:00Z  promotion  fraud-detector')).toBe(true);
    // Columns still line up: the fourth column starts at the same place on both lines.
    expect(lines[0]!.indexOf('#12')).toBe(lines[1]!.indexOf('short') - 5);
  });

  it('never cuts a flexible column below its minimum', () => {
    const line = renderTable([['x'.repeat(30), 'y'.repeat(30)]], { width: 10, flexible: [1], minWidth: 8 });
    expect(line).toBe(`${'x'.repeat(30)}  yyyyyyy…`);
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
  });
});

describe('colour', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ TERM: 'dumb' }, true, false],
  ])('env %j on a tty=%s: %s', (env, tty, expected) => {
    expect(colorEnabled(env, { isTTY: tty })).toBe(expected);
  });

  it('paints only when on', () => {
    expect(paint(false, 'red', 'error')).toBe('error');
    expect(paint(true, 'red', 'error')).toBe('\x1b[31merror\x1b[0m');
  });
});
