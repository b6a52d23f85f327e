// What triggered a retrain (a drift or an incident): the metric values and the thresholds they crossed, given as
// JSON by the CLI (--metrics, --thresholds) and the retrain action (inputs metrics, thresholds), snapshotted on
// the RetrainRequest.
import { TollgateError } from '../errors.ts';
import type { GateSpec, RetrainRequest } from '../registry/types.ts';

export type TriggerKind = RetrainRequest['trigger']['kind'];
export const TRIGGER_KINDS: readonly TriggerKind[] = ['manual', 'schedule', 'incident', 'drift'];

const OPS: readonly string[] = ['>=', '>', '<=', '<', '=='];

function parseJson(what: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TollgateError(`${what} is not JSON: ${(error as Error).message}`, {
      kind: 'usage',
      fix: `e.g. ${example}`,
    });
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
      kind: 'usage',
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
      kind: 'usage',
      fix: `e.g. ${example}`,
    });
  }
  return (parsed as GateSpec[]).map(({ metric, op, threshold }) => ({ metric, op, threshold }));
}

/**
 * A training command given as a JSON array of arguments (run without a shell), e.g. `["node", "train.ts"]`.
 * `what` names the option or input in messages; `field` is set for an action input.
 */
export function parseTrainingCommand(text: string, what: string, field?: string): string[] {
  const example = '["python", "train.py", "--fast"]';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TollgateError(`${what} is not JSON: ${(error as Error).message}`, {
      kind: 'usage',
      ...(field ? { field } : {}),
      fix: `pass a JSON array of arguments, e.g. ${example}`,
    });
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((a) => typeof a !== 'string' || a === ''))
    throw new TollgateError(`${what} must be a non-empty JSON array of non-empty strings`, {
      kind: 'usage',
      ...(field ? { field } : {}),
      fix: `e.g. ${example}`,
    });
  return parsed as string[];
}

/** A retrain's request as the action's inputs give it (text); empty inputs mean the defaults. */
export interface RetrainInputs {
  model: string;
  reason?: string;
  trigger?: string;
  /** JSON array of arguments, or '' for model.yaml's command. */
  command?: string;
  /** JSON object of the metric values that triggered a drift or incident retrain. */
  metrics?: string;
  /** JSON array of the thresholds they crossed ({metric, op, threshold}). */
  thresholds?: string;
}

/** The retrain flow's request fields from the action's inputs; a bad input is an error naming it. */
export function retrainRequestOf(inputs: RetrainInputs): {
  model: string;
  reason?: string;
  trigger: TriggerKind;
  command?: string[];
  triggerMetrics?: Record<string, number>;
  triggerThresholds?: GateSpec[];
} {
  const trigger = inputs.trigger?.trim() || 'manual';
  if (!(TRIGGER_KINDS as readonly string[]).includes(trigger))
    throw new TollgateError(`input "trigger" must be one of ${TRIGGER_KINDS.join(', ')}, not "${trigger}"`, {
      kind: 'usage',
      field: 'trigger',
    });
  const text = (value: string | undefined) => (value?.trim() ? value : undefined);
  const command = text(inputs.command);
  const metrics = text(inputs.metrics);
  const thresholds = text(inputs.thresholds);
  return {
    model: inputs.model,
    ...(inputs.reason ? { reason: inputs.reason } : {}),
    trigger: trigger as TriggerKind,
    ...(command ? { command: parseTrainingCommand(command, 'input "command"', 'command') } : {}),
    ...(metrics ? { triggerMetrics: parseTriggerMetrics(metrics, 'input "metrics"') } : {}),
    ...(thresholds ? { triggerThresholds: parseTriggerThresholds(thresholds, 'input "thresholds"') } : {}),
  };
}

export const RETRAIN_MODES = ['all', 'train', 'record'] as const;
export type RetrainMode = (typeof RETRAIN_MODES)[number];

/** The action's `mode` input: `all` (one job), or one half of a retrain in two jobs. */
export function retrainModeOf(text: string): RetrainMode {
  const mode = (text.trim() || 'all') as RetrainMode;
  if (!RETRAIN_MODES.includes(mode))
    throw new TollgateError(`input "mode" must be one of ${RETRAIN_MODES.join(', ')}, not "${mode}"`, {
      kind: 'usage',
      field: 'mode',
      fix: 'use train in the job without write credentials and record in the job that holds the App token',
    });
  return mode;
}
