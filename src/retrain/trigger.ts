// What triggered a retrain (a drift or an incident): the metric values and the thresholds they crossed, given as
// JSON by the CLI (--metrics, --thresholds) and the retrain action (inputs metrics, thresholds), snapshotted on
// the RetrainRequest.
import { TollgateError } from '../errors.ts';
import type { GateSpec } from '../registry/types.ts';

const OPS: readonly string[] = ['>=', '>', '<=', '<', '=='];

function parseJson(what: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TollgateError(`${what} is not JSON: ${(error as Error).message}`, { fix: `e.g. ${example}` });
  }
}

/** `{"auc": 0.81}`: metric names to finite numbers. `what` names the option or input in messages. */
export function parseTriggerMetrics(text: string, what = 'metrics'): Record<string, number> {
  const example = `'{"auc": 0.81, "psi": 0.31}'`;
  const parsed = parseJson(what, text, example);
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    Object.values(parsed).some((v) => typeof v !== 'number' || !Number.isFinite(v))
  ) {
    throw new TollgateError(`${what} must be a JSON object of metric names to numbers`, {
      fix: `e.g. ${example}`,
    });
  }
  return parsed as Record<string, number>;
}

/** `[{"metric": "auc", "op": ">=", "threshold": 0.85}]`: the thresholds that were crossed. */
export function parseTriggerThresholds(text: string, what = 'thresholds'): GateSpec[] {
  const example = `'[{"metric": "auc", "op": ">=", "threshold": 0.85}]'`;
  const parsed = parseJson(what, text, example);
  const isGate = (g: unknown): boolean => {
    const { metric, op, threshold } = (g ?? {}) as Record<string, unknown>;
    return (
      typeof metric === 'string' &&
      metric !== '' &&
      OPS.includes(op as string) &&
      typeof threshold === 'number' &&
      Number.isFinite(threshold)
    );
  };
  if (!Array.isArray(parsed) || !parsed.every(isGate)) {
    throw new TollgateError(`${what} must be a JSON array of {metric, op (${OPS.join(' ')}), threshold}`, {
      fix: `e.g. ${example}`,
    });
  }
  return (parsed as GateSpec[]).map(({ metric, op, threshold }) => ({ metric, op, threshold }));
}
