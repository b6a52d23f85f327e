import { describe, expect, it } from 'vitest';
import { lineageOf } from '../../src/evidence/lineage.ts';

const pin = 'a'.repeat(64);
describe('lineageOf', () => {
  it.each<[Parameters<typeof lineageOf>[0], Parameters<typeof lineageOf>[1], RegExp[]]>([
    [
      { data: { uri: 's3://d/2026-11', sha256: pin }, parent: 'v4' },
      { uri: 's3://d/2026-10', sha256: 'b'.repeat(64) },
      [],
    ],
    [{ data: { uri: 's3://d/snapshots/latest' } }, undefined, [/moving snapshot \(`latest`\)/]],
    [{}, undefined, [/no training data is recorded/]],
    [
      { data: { uri: 's3://d/2026-11', sha256: pin }, parent: 'v4' },
      { uri: 's3://d/other', sha256: pin },
      [/same data as its parent v4: a retrain on unchanged data/],
    ],
    [
      { data: { uri: 's3://d/x' }, parent: 'v4' },
      { uri: 's3://d/x' },
      [/no sha256/, /same data as its parent v4 \(same URI, no hash to tell\)/],
    ],
  ])('%j (parent %j)', (version, parent, expected) => {
    const warnings = lineageOf(version, parent).warnings;
    expect(warnings).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(warnings[i]).toMatch(re));
  });
});
