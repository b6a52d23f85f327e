// Whether a stage is healthy after a rollback: each success criterion against the metrics read after the settle
// time. A metric without data fails its criterion: a rollback is verified only on evidence. Pure.
import { compare } from '../policy/effective.ts';
import type { MetricCondition, Severity } from '../registry/types.ts';

export interface HealthCheck {
  criterion: string;
  metric: string;
  value?: number;
  pass: boolean;
}

export interface HealthVerdict {
  healthy: boolean;
  checks: HealthCheck[];
}

export function judgeHealth(metrics: Record<string, number>, criteria: MetricCondition[]): HealthVerdict {
  const checks = criteria.map((c): HealthCheck => {
    const value = Object.prototype.hasOwnProperty.call(metrics, c.metric) ? metrics[c.metric] : undefined;
    return {
      criterion: `${c.metric} ${c.op} ${c.value}`,
      metric: c.metric,
      ...(value !== undefined ? { value } : {}),
      pass: compare(value, c.op, c.value),
    };
  });
  return { healthy: checks.length > 0 && checks.every((c) => c.pass), checks };
}

/** One level more severe (P0 stays P0): an unhealthy rollback escalates its incident. */
export function escalated(severity: Severity): Severity {
  const order: Severity[] = ['P0', 'P1', 'P2', 'P3', 'P4'];
  return order[Math.max(0, order.indexOf(severity) - 1)]!;
}

export const describeChecks = (checks: HealthCheck[]): string =>
  checks.map((c) => `${c.criterion}: ${c.value ?? 'no data'} ${c.pass ? 'ok' : 'FAILED'}`).join('; ');
