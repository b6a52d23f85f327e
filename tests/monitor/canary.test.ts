// The canary decision: absolute and relative criteria, keep watching without enough data, abort on any failure.
import { describe, expect, it } from 'vitest';
import { analyzeCanary, parseWeight, renderCanaryTable } from '../../src/monitor/canary.ts';
import { DEFAULT_CANARY_LIMITS, DEFAULT_CANARY_RELATIVE } from '../../src/policy/effective.ts';

const stat = (value: number, covered = 3600) => ({ value, samples: 60, covered });
const input = (canary: Record<string, number>, baseline: Record<string, number>, covered = 3600) => ({
  window: 3600,
  limits: DEFAULT_CANARY_LIMITS,
  relative: DEFAULT_CANARY_RELATIVE,
  canary: Object.fromEntries(Object.entries(canary).map(([k, v]) => [k, stat(v, covered)])),
  baseline: Object.fromEntries(Object.entries(baseline).map(([k, v]) => [k, stat(v)])),
});

describe('analyzeCanary', () => {
  it.each([
    [
      'healthy over the whole window',
      { error_rate: 0.012, latency_p95: 110 },
      { error_rate: 0.01, latency_p95: 100 },
      3600,
      'promote',
    ],
    [
      'error rate exactly baseline + 1 point',
      { error_rate: 0.02, latency_p95: 100 },
      { error_rate: 0.01, latency_p95: 100 },
      3600,
      'promote',
    ],
    [
      'error rate above baseline + 1 point',
      { error_rate: 0.0201, latency_p95: 100 },
      { error_rate: 0.01, latency_p95: 100 },
      3600,
      'abort',
    ],
    [
      'p95 above 1.2 x baseline',
      { error_rate: 0.01, latency_p95: 121 },
      { error_rate: 0.01, latency_p95: 100 },
      3600,
      'abort',
    ],
    [
      'absolute error limit',
      { error_rate: 0.05, latency_p95: 100 },
      { error_rate: 0.045, latency_p95: 100 },
      3600,
      'abort',
    ],
    [
      'healthy, but only 20 minutes of data',
      { error_rate: 0.01, latency_p95: 100 },
      { error_rate: 0.01, latency_p95: 100 },
      1200,
      'keep watching',
    ],
    [
      'no latency data for the canary',
      { error_rate: 0.01 },
      { error_rate: 0.01, latency_p95: 100 },
      3600,
      'keep watching',
    ],
    [
      'a failure decides even with missing data',
      { error_rate: 0.3 },
      { error_rate: 0.01, latency_p95: 100 },
      3600,
      'abort',
    ],
  ])('%s: %s', (_name, canary, baseline, covered, decision) => {
    expect(analyzeCanary(input(canary, baseline, covered)).decision).toBe(decision);
  });

  it('prints each criterion with both values, the limit and the verdict', () => {
    const analysis = analyzeCanary(
      input({ error_rate: 0.03, latency_p95: 130 }, { error_rate: 0.01, latency_p95: 100 }),
    );
    expect(renderCanaryTable(analysis, { canary: 'canary (v5)', baseline: 'production (v4)' })).toBe(
      [
        '| criterion | canary (v5) | production (v4) | limit | verdict |',
        '| --- | --- | --- | --- | --- |',
        '| `error_rate < 0.05` | 0.03 | 0.01 | 0.05 | pass |',
        '| `error_rate <= baseline + 0.01` | 0.03 | 0.01 | 0.02 | **fail** |',
        '| `latency_p95 <= 1.2 x baseline` | 130 | 100 | 120 | **fail** |',
        '',
        '**Decision: abort** (failed: error_rate <= baseline + 0.01, latency_p95 <= 1.2 x baseline; window 1h).',
      ].join('\n'),
    );
  });
});

describe('parseWeight', () => {
  it.each([
    ['10%', 0.1],
    ['0.1', 0.1],
    ['100%', 1],
    ['0', 0],
  ])('%s is %s', (text, value) => expect(parseWeight(text)).toBeCloseTo(value));
  it.each(['', '%', '120%', '-0.1', 'ten'])('refuses %j', (text) =>
    expect(() => parseWeight(text)).toThrow(/not a share of traffic/),
  );
});
