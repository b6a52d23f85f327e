// Severity P0–P4 from incident metrics and the policy's thresholds. Pure.
import { TollgateError } from '../errors.ts';
import { compare, type EffectivePolicy } from '../policy/effective.ts';
import type { MetricCondition, Severity } from '../registry/types.ts';

export interface SeverityResult {
  severity: Severity;
  /** The conditions of that severity that held; empty for P4. */
  matched: MetricCondition[];
  explanation: string;
}

const RANKED: Exclude<Severity, 'P4'>[] = ['P0', 'P1', 'P2', 'P3'];

export const describeCondition = (c: MetricCondition): string => `${c.metric} ${c.op} ${c.value}`;

/** The most severe level with any condition holding (checked P0 to P3); nothing holding is P4. */
export function classifySeverity(metrics: Record<string, number>, policy: EffectivePolicy): SeverityResult {
  for (const severity of RANKED) {
    const matched = policy.incident.severity[severity].filter((c) =>
      compare(metricValue(metrics, c.metric), c.op, c.value),
    );
    if (matched.length > 0) {
      const because = matched
        .map((c) => `${c.metric} = ${metricValue(metrics, c.metric)} (threshold ${describeCondition(c)})`)
        .join('; ');
      return { severity, matched, explanation: `${severity} because ${because}` };
    }
  }
  const shown = Object.keys(metrics).length
    ? Object.entries(metrics)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')
    : 'no metrics given';
  return { severity: 'P4', matched: [], explanation: `P4: no P0–P3 threshold met (${shown})` };
}

/** Own properties only, so a metric called "constructor" is not read off the prototype. */
export function metricValue(metrics: Record<string, number>, name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(metrics, name) ? metrics[name] : undefined;
}

const METRIC_NAME = /^[a-z][a-z0-9_.-]{0,63}$/i;

/** `['error_rate=0.7', 'availability=0.4']` -> `{error_rate: 0.7, availability: 0.4}`. */
export function parseMetricArgs(args: string[]): Record<string, number> {
  const metrics: Record<string, number> = Object.create(null);
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const fix = 'pass metrics as NAME=NUMBER, e.g. --metric error_rate=0.7';
    if (eq < 0)
      throw new TollgateError(`metric "${arg}" has no "=": expected NAME=NUMBER`, { kind: 'usage', fix });
    const name = arg.slice(0, eq).trim();
    const raw = arg.slice(eq + 1).trim();
    if (!METRIC_NAME.test(name)) {
      throw new TollgateError(
        `metric "${arg}": name "${name}" must start with a letter and hold only letters, digits, "_", "." and "-"`,
        { kind: 'usage', fix },
      );
    }
    const value = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value)) {
      throw new TollgateError(`metric "${arg}": value "${raw}" is not a finite number`, {
        kind: 'usage',
        fix,
      });
    }
    if (Object.prototype.hasOwnProperty.call(metrics, name)) {
      throw new TollgateError(`metric "${name}" is given twice ("${arg}")`, { fix: 'give each metric once' });
    }
    metrics[name] = value;
  }
  return { ...metrics };
}
