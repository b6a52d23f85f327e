// Validation gates: a version passes when every gate (the policy's and the model's) holds for its metrics.
import type { GateResult, GateSpec } from '../registry/types.ts';
import { compare } from './effective.ts';

/** Results in the order given; a metric the version does not report fails its gate. */
export function evaluateGates(
  gates: GateSpec[],
  metrics: Record<string, number>,
): { passed: boolean; gates: GateResult[] } {
  const results = gates.map((gate) => {
    const value = Object.hasOwn(metrics, gate.metric) ? metrics[gate.metric]! : null;
    return { ...gate, value, pass: compare(value, gate.op, gate.threshold) };
  });
  return { passed: results.every((r) => r.pass), gates: results };
}

/** The policy's gates, then the model's; a model gate on the same metric and operator replaces the policy's. */
export function gatesFor(policyGates: GateSpec[], modelGates: GateSpec[] = []): GateSpec[] {
  const key = (g: GateSpec) => `${g.metric} ${g.op}`;
  const own = new Set(modelGates.map(key));
  return [...policyGates.filter((g) => !own.has(key(g))), ...modelGates];
}
