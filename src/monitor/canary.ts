// Canary analysis: the canary's metrics against the stage it would replace, over the policy's window, by absolute
// limits ("error_rate < 0.05") and limits relative to the baseline ("error_rate <= baseline + 0.01", "latency_p95
// <= 1.2 x baseline"). Decides promote, keep watching (too little data yet) or abort. Pure.
import { TollgateError } from '../errors.ts';
import { compare, type RelativeCriterion } from '../policy/effective.ts';
import type { MetricCondition } from '../registry/types.ts';
import { COVERAGE_SLACK_SECONDS, formatSeconds } from './rules.ts';
import type { WindowStat } from './window.ts';

export type CanaryDecision = 'promote' | 'keep watching' | 'abort';

export interface CanaryRow {
  criterion: string;
  metric: string;
  canary?: number;
  baseline?: number;
  /** The value the canary is held to. */
  limit?: number;
  verdict: 'pass' | 'fail' | 'no data';
}

export interface CanaryAnalysis {
  decision: CanaryDecision;
  reason: string;
  window: number;
  rows: CanaryRow[];
}

export interface CanaryInput {
  window: number;
  limits: MetricCondition[];
  relative: RelativeCriterion[];
  canary: Record<string, WindowStat | undefined>;
  baseline: Record<string, WindowStat | undefined>;
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

export function analyzeCanary(input: CanaryInput): CanaryAnalysis {
  const rows: CanaryRow[] = [];
  for (const c of input.limits) {
    const canary = input.canary[c.metric]?.value;
    rows.push({
      criterion: `${c.metric} ${c.op} ${c.value}`,
      metric: c.metric,
      ...(canary !== undefined ? { canary } : {}),
      ...(input.baseline[c.metric] ? { baseline: input.baseline[c.metric]!.value } : {}),
      limit: c.value,
      verdict: canary === undefined ? 'no data' : compare(canary, c.op, c.value) ? 'pass' : 'fail',
    });
  }
  for (const r of input.relative) {
    const canary = input.canary[r.metric]?.value;
    const baseline = input.baseline[r.metric]?.value;
    const scaled = r.factor === 1 ? 'baseline' : `${r.factor} x baseline`;
    const criterion = `${r.metric} ${r.op} ${scaled}${r.offset ? ` ${r.offset > 0 ? '+' : '-'} ${Math.abs(r.offset)}` : ''}`;
    const limit = baseline === undefined ? undefined : round(baseline * r.factor + r.offset);
    rows.push({
      criterion,
      metric: r.metric,
      ...(canary !== undefined ? { canary } : {}),
      ...(baseline !== undefined ? { baseline } : {}),
      ...(limit !== undefined ? { limit } : {}),
      verdict:
        canary === undefined || limit === undefined
          ? 'no data'
          : compare(canary, r.op, limit)
            ? 'pass'
            : 'fail',
    });
  }
  const failed = rows.filter((r) => r.verdict === 'fail');
  if (failed.length > 0)
    return {
      decision: 'abort',
      reason: `failed: ${failed.map((r) => r.criterion).join(', ')}`,
      window: input.window,
      rows,
    };
  const missing = rows.filter((r) => r.verdict === 'no data');
  if (missing.length > 0 || rows.length === 0)
    return {
      decision: 'keep watching',
      reason:
        rows.length === 0
          ? 'no criteria to judge by'
          : `no data yet for ${missing.map((r) => r.metric).join(', ')}`,
      window: input.window,
      rows,
    };
  const covered = Math.min(
    ...Object.values(input.canary)
      .filter((s): s is WindowStat => s !== undefined)
      .map((s) => s.covered),
  );
  if (covered + COVERAGE_SLACK_SECONDS < input.window)
    return {
      decision: 'keep watching',
      reason: `every criterion holds, but the canary has ${formatSeconds(covered)} of data of the ${formatSeconds(input.window)} window`,
      window: input.window,
      rows,
    };
  return {
    decision: 'promote',
    reason: `every criterion held over ${formatSeconds(input.window)}`,
    window: input.window,
    rows,
  };
}

const show = (n: number | undefined): string => (n === undefined ? '—' : String(round(n)));

/** The analysis as a markdown table: criterion, canary, baseline, limit, verdict. */
export function renderCanaryTable(
  analysis: CanaryAnalysis,
  stages: { canary: string; baseline: string },
): string {
  return [
    `| criterion | ${stages.canary} | ${stages.baseline} | limit | verdict |`,
    '| --- | --- | --- | --- | --- |',
    ...analysis.rows.map(
      (r) =>
        `| \`${r.criterion}\` | ${show(r.canary)} | ${show(r.baseline)} | ${show(r.limit)} | ${r.verdict === 'fail' ? '**fail**' : r.verdict} |`,
    ),
    '',
    `**Decision: ${analysis.decision}** (${analysis.reason}; window ${formatSeconds(analysis.window)}).`,
  ].join('\n');
}

/** `10%` or `0.1` -> 0.1. */
export function parseWeight(text: string): number {
  const trimmed = text.trim();
  const percent = trimmed.endsWith('%');
  const value = Number(percent ? trimmed.slice(0, -1) : trimmed) / (percent ? 100 : 1);
  if (trimmed === '' || trimmed === '%' || !Number.isFinite(value) || value < 0 || value > 1)
    throw new TollgateError(`--weight ${text} is not a share of traffic`, {
      fix: 'give it as a percentage (10%) or a fraction (0.1), between 0 and 100%',
    });
  return value;
}
