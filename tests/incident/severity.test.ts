import { describe, expect, it } from 'vitest';
import { classifySeverity, parseMetricArgs } from '../../src/incident/severity.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import { TollgateError } from '../../src/errors.ts';

const policy = effectivePolicy(undefined);

describe('classifySeverity with the default thresholds', () => {
  // Every threshold: exactly at it (strict comparisons do not fire), just past it, and just short of it.
  const table: [Record<string, number>, string][] = [
    [{ availability: 0.5 }, 'P4'],
    [{ availability: 0.4999 }, 'P0'],
    [{ availability: 0.5001 }, 'P4'],
    [{ error_rate: 0.5 }, 'P1'],
    [{ error_rate: 0.5001 }, 'P0'],
    [{ error_rate: 0.4999 }, 'P1'],
    [{ accuracy_drop: 0.2 }, 'P2'],
    [{ accuracy_drop: 0.2001 }, 'P1'],
    [{ accuracy_drop: 0.1999 }, 'P2'],
    [{ latency_increase_pct: 2.0 }, 'P2'],
    [{ latency_increase_pct: 2.0001 }, 'P1'],
    [{ latency_increase_pct: 1.9999 }, 'P2'],
    [{ error_rate: 0.1 }, 'P2'],
    [{ error_rate: 0.1001 }, 'P1'],
    [{ error_rate: 0.0999 }, 'P2'],
    [{ accuracy_drop: 0.1 }, 'P3'],
    [{ accuracy_drop: 0.1001 }, 'P2'],
    [{ accuracy_drop: 0.0999 }, 'P3'],
    [{ latency_increase_pct: 0.5 }, 'P4'],
    [{ latency_increase_pct: 0.5001 }, 'P2'],
    [{ latency_increase_pct: 0.4999 }, 'P4'],
    [{ error_rate: 0.05 }, 'P4'],
    [{ error_rate: 0.0501 }, 'P2'],
    [{ error_rate: 0.0499 }, 'P4'],
    [{ accuracy_drop: 0.05 }, 'P4'],
    [{ accuracy_drop: 0.0501 }, 'P3'],
    [{ accuracy_drop: 0.0499 }, 'P4'],
    [{}, 'P4'],
    [{ unrelated: 1e9 }, 'P4'],
  ];
  it.each(table)('%j is %s', (metrics, expected) => {
    expect(classifySeverity(metrics, policy).severity).toBe(expected);
  });

  it('names every condition of the winning severity that held, and only those', () => {
    const result = classifySeverity(
      { error_rate: 0.2, accuracy_drop: 0.3, latency_increase_pct: 0.1 },
      policy,
    );
    expect(result.severity).toBe('P1');
    expect(result.matched).toEqual([
      { metric: 'accuracy_drop', op: '>', value: 0.2 },
      { metric: 'error_rate', op: '>', value: 0.1 },
    ]);
    expect(result.explanation).toContain('error_rate = 0.2 (threshold error_rate > 0.1)');
    expect(result.explanation).toContain('accuracy_drop = 0.3');
  });

  it('picks the most severe level when several hold', () => {
    expect(classifySeverity({ availability: 0.1, accuracy_drop: 0.06 }, policy).severity).toBe('P0');
  });

  it('uses thresholds from the policy, keeping defaults for levels the policy leaves out', () => {
    const custom = effectivePolicy({
      apiVersion: 'tollgate/v1',
      kind: 'Policy',
      roles: {},
      incident: { severity: { P3: [{ metric: 'drift', op: '>=', value: 0.3 }] } },
    });
    expect(classifySeverity({ drift: 0.3 }, custom).severity).toBe('P3');
    expect(classifySeverity({ accuracy_drop: 0.06 }, custom).severity).toBe('P4');
    expect(classifySeverity({ error_rate: 0.6 }, custom).severity).toBe('P0');
  });

  it('does not read metrics off the object prototype', () => {
    const custom = effectivePolicy({
      apiVersion: 'tollgate/v1',
      kind: 'Policy',
      roles: {},
      incident: { severity: { P0: [{ metric: 'constructor', op: '>', value: -1 }] } },
    });
    expect(classifySeverity({}, custom).severity).toBe('P4');
  });
});

describe('parseMetricArgs', () => {
  it('parses NAME=NUMBER pairs, with exponents and negatives', () => {
    expect(parseMetricArgs(['error_rate=0.7', 'availability=4e-1', 'delta=-2'])).toEqual({
      error_rate: 0.7,
      availability: 0.4,
      delta: -2,
    });
  });

  const bad: [string, RegExp][] = [
    ['error_rate', /"error_rate" has no "="/],
    ['=0.5', /name ""/],
    ['error rate=0.5', /name "error rate"/],
    ['error_rate=', /value "" is not a finite number/],
    ['error_rate=abc', /"error_rate=abc": value "abc"/],
    ['error_rate=Infinity', /value "Infinity" is not a finite number/],
    ['error_rate=NaN', /value "NaN"/],
    ['__proto__=1', /name "__proto__"/],
  ];
  it.each(bad)('rejects %s, naming it', (arg, message) => {
    expect(() => parseMetricArgs([arg])).toThrow(message);
    expect(() => parseMetricArgs([arg])).toThrow(TollgateError);
  });

  it('rejects a metric given twice', () => {
    expect(() => parseMetricArgs(['a=1', 'a=2'])).toThrow(/"a" is given twice/);
  });
});
