import { describe, expect, it } from 'vitest';
import { evaluateGates, gatesFor } from '../../src/policy/gates.ts';

describe('evaluateGates', () => {
  it('passes only when every gate holds, at the threshold edge too', () => {
    const gates = [
      { metric: 'auc', op: '>=', threshold: 0.9 },
      { metric: 'latency_ms', op: '<', threshold: 50 },
    ] as const;
    expect(evaluateGates([...gates], { auc: 0.9, latency_ms: 49.9 }).passed).toBe(true);
    const failing = evaluateGates([...gates], { auc: 0.8999, latency_ms: 50 });
    expect(failing.passed).toBe(false);
    expect(failing.gates.map((g) => g.pass)).toEqual([false, false]);
  });

  it('fails a gate whose metric is missing, recording a null value', () => {
    const result = evaluateGates([{ metric: 'auc', op: '>=', threshold: 0.5 }], { accuracy: 1 });
    expect(result).toEqual({
      passed: false,
      gates: [{ metric: 'auc', op: '>=', threshold: 0.5, value: null, pass: false }],
    });
  });

  it('does not read inherited properties as metrics', () => {
    expect(evaluateGates([{ metric: 'constructor', op: '>', threshold: -1 }], {}).passed).toBe(false);
  });
});

describe('gatesFor', () => {
  it('lets a model gate replace the policy gate on the same metric and operator', () => {
    const merged = gatesFor(
      [
        { metric: 'auc', op: '>=', threshold: 0.8 },
        { metric: 'accuracy', op: '>=', threshold: 0.7 },
      ],
      [{ metric: 'auc', op: '>=', threshold: 0.95 }],
    );
    expect(merged).toEqual([
      { metric: 'accuracy', op: '>=', threshold: 0.7 },
      { metric: 'auc', op: '>=', threshold: 0.95 },
    ]);
  });
});
