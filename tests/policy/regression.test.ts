import { describe, expect, it } from 'vitest';
import {
  comparabilityWarnings,
  compareMetric,
  compareVersions,
  mutableDataReason,
  regressionFailures,
} from '../../src/policy/regression.ts';
import type { MetricDirection, NoRegressionRule } from '../../src/registry/types.ts';

describe('compareMetric', () => {
  const rule = (tolerance: number): NoRegressionRule => ({ metric: 'm', tolerance });
  it.each<
    [
      number | undefined,
      number | undefined,
      MetricDirection | undefined,
      NoRegressionRule | undefined,
      string,
      boolean,
    ]
  >([
    // current, candidate, better, rule, verdict, blocks
    [0.924, 0.875, 'higher', undefined, 'worse', false],
    [0.924, 0.875, 'higher', rule(0.01), 'worse', true],
    [0.924, 0.875, 'higher', rule(0.049), 'worse', false], // exactly the tolerance is allowed
    [0.924, 0.875, 'higher', rule(0.0489), 'worse', true],
    [0.041, 0.069, 'lower', rule(0.01), 'worse', true],
    [0.069, 0.041, 'lower', rule(0), 'better', false],
    [0.875, 0.924, 'higher', rule(0), 'better', false],
    [0.9, 0.9, 'higher', rule(0), 'same', false],
    [0.3, 0.1 + 0.2, 'higher', rule(0), 'same', false], // float noise is no change
    [0.9, 0.8, undefined, undefined, 'changed', false],
    [0.9, 0.8, undefined, rule(1), 'changed', true], // a rule without a direction fails closed
    [0.9, undefined, 'higher', undefined, 'missing-candidate', false],
    [0.9, undefined, 'higher', rule(1), 'missing-candidate', true],
    [undefined, 0.9, 'higher', rule(0), 'missing-current', false],
  ])('%s → %s (%s, rule %j): %s, blocks %s', (current, candidate, better, r, verdict, blocks) => {
    const c = compareMetric('m', current, candidate, better, r);
    expect(c.verdict).toBe(verdict);
    expect(c.blocks).toBe(blocks);
  });
});

describe('compareVersions', () => {
  it('orders key metrics first, applies only the rules for the stage, and lists a rule metric nobody reports', () => {
    const rows = compareVersions({
      current: { auc: 0.924, fpr: 0.041, latency: 30 },
      candidate: { auc: 0.875, fpr: 0.069, recall: 0.6 },
      order: ['fpr', 'auc'],
      directions: { auc: 'higher', fpr: 'lower' },
      rules: [
        { metric: 'auc', tolerance: 0.01, stage: 'production' },
        { metric: 'fpr', tolerance: 0.5, stage: 'staging' },
        { metric: 'calibration', tolerance: 0 },
      ],
      stage: 'production',
    });
    expect(rows.map((r) => [r.metric, r.verdict, r.blocks])).toEqual([
      ['fpr', 'worse', false],
      ['auc', 'worse', true],
      ['calibration', 'missing-candidate', false],
      ['latency', 'missing-candidate', false],
      ['recall', 'missing-current', false],
    ]);
    expect(regressionFailures(rows, 'v03')).toEqual([
      'no_regression on auc: 0.924 → 0.875 is worse than v03 by 0.049 (higher is better, tolerance 0.01); ' +
        "fix: promote a version no worse than v03, or change the policy's tolerance in its own reviewed pull request",
    ]);
  });
});

describe('mutableDataReason', () => {
  const pin = 'a'.repeat(64);
  it.each<[{ uri: string; sha256?: string }, RegExp | undefined]>([
    [{ uri: 's3://data/fraud/2026-11-01', sha256: pin }, undefined],
    [{ uri: 's3://data/fraud/snapshots/latest' }, /moving snapshot \(`latest`\) and no sha256/],
    [
      { uri: 's3://data/fraud/snapshots/latest', sha256: pin },
      /moving snapshot \(`latest`\): the sha256 pins what was read/,
    ],
    [{ uri: 'gs://d/fraud/latest.parquet', sha256: pin }, /`latest`/],
    [{ uri: 'registry.example/fraud-data:latest', sha256: pin }, /`latest`/],
    [{ uri: 'hf://datasets/acme/fraud@main', sha256: pin }, /`main`/],
    [{ uri: 's3://data/fraud/2026-11-01' }, /no sha256 pins the data/],
    [{ uri: 's3://data/latest-fraud/2026-11-01', sha256: pin }, undefined],
  ])('%j', (data, expected) => {
    const reason = mutableDataReason(data);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});

describe('comparabilityWarnings', () => {
  it.each<[Parameters<typeof comparabilityWarnings>[0], string[]]>([
    [
      {
        current: { metrics: { auc: 1, fpr: 0 } },
        candidate: { metrics: { auc: 1, fpr: 0 } },
        currentId: 'v1',
        keyMetrics: ['auc'],
      },
      [],
    ],
    [
      {
        current: { metrics: { auc: 1, fpr: 0 } },
        candidate: { metrics: { auc: 1 } },
        currentId: 'v1',
        keyMetrics: ['auc', 'fpr'],
      },
      ['the candidate does not report the key metric fpr'],
    ],
    [
      {
        current: { metrics: { auc: 1, ks: 0 } },
        candidate: { metrics: { auc: 1, f1: 0 } },
        currentId: 'v1',
        keyMetrics: ['auc'],
      },
      [
        'the versions were scored on different metric sets (only v1 reports ks; only the candidate reports f1)',
      ],
    ],
    [
      {
        current: { metrics: {}, evaluation: { uri: 's3://e', sha256: 'a' } },
        candidate: { metrics: {}, evaluation: { uri: 's3://e', sha256: 'b' } },
        currentId: 'v1',
        keyMetrics: [],
      },
      ['the versions were evaluated on different data (v1: `s3://e`, candidate: `s3://e`, different sha256)'],
    ],
    [
      {
        current: { metrics: {}, evaluation: { uri: 's3://e1', sha256: 'a' } },
        candidate: { metrics: {}, evaluation: { uri: 's3://e2', sha256: 'a' } },
        currentId: 'v1',
        keyMetrics: [],
      },
      [],
    ],
    [
      {
        current: { metrics: {} },
        candidate: { metrics: {}, evaluation: { uri: 's3://e' } },
        currentId: 'v1',
        keyMetrics: [],
      },
      ['only the candidate records its evaluation data: the two may have been scored on different data'],
    ],
  ])('%#', (input, expected) => {
    expect(comparabilityWarnings(input)).toEqual(expected);
  });
});
