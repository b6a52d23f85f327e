// Regression: a candidate's metrics against the version it replaces, with the policy's direction of "better" per
// metric and its `no_regression` tolerances. Pure: the promotion body renders it, the gate blocks on it.
import type { MetricDirection, NoRegressionRule } from '../registry/types.ts';

export type MetricVerdict =
  /** Better than the replaced version by more than float noise. */
  | 'better'
  | 'worse'
  | 'same'
  /** The policy names no direction for this metric: a change is shown, not judged. */
  | 'changed'
  | 'missing-candidate'
  | 'missing-current';

export interface MetricComparison {
  metric: string;
  current?: number;
  candidate?: number;
  /** candidate − current, rounded to 10 significant digits. */
  delta?: number;
  better?: MetricDirection;
  verdict: MetricVerdict;
  /** The no_regression rule that applies to this metric at this stage, if any. */
  rule?: NoRegressionRule;
  /** True when a rule applies and the candidate is worse by more than its tolerance, or lacks the metric. */
  blocks: boolean;
}

const round = (n: number) => Number(n.toPrecision(10));

/** The rules for a stage: a rule without `stage` applies to every stage. */
export function regressionRulesFor(rules: readonly NoRegressionRule[], stage: string): NoRegressionRule[] {
  return rules.filter((r) => r.stage === undefined || r.stage === stage);
}

/** One metric of the candidate against the replaced version. */
export function compareMetric(
  metric: string,
  current: number | undefined,
  candidate: number | undefined,
  better: MetricDirection | undefined,
  rule?: NoRegressionRule,
): MetricComparison {
  const base = {
    metric,
    ...(current !== undefined ? { current } : {}),
    ...(candidate !== undefined ? { candidate } : {}),
    ...(better !== undefined ? { better } : {}),
    ...(rule !== undefined ? { rule } : {}),
  };
  if (candidate === undefined)
    // A rule on a metric the candidate does not report fails closed, as a gate on a missing metric does.
    return { ...base, verdict: 'missing-candidate', blocks: rule !== undefined && current !== undefined };
  if (current === undefined) return { ...base, verdict: 'missing-current', blocks: false };
  const delta = round(round(candidate) - round(current));
  if (delta === 0) return { ...base, delta, verdict: 'same', blocks: false };
  if (better === undefined) return { ...base, delta, verdict: 'changed', blocks: rule !== undefined };
  const improved = better === 'higher' ? delta > 0 : delta < 0;
  const worsening = Math.abs(delta);
  const blocks = !improved && rule !== undefined && round(worsening - rule.tolerance) > 0;
  return { ...base, delta, verdict: improved ? 'better' : 'worse', blocks };
}

/**
 * Every metric of either version (the order given first, then the rest alphabetically) compared, with the rules
 * for `stage` attached. A rule metric neither version reports is listed too, so the gap is visible.
 */
export function compareVersions(input: {
  current: Record<string, number>;
  candidate: Record<string, number>;
  order?: readonly string[];
  directions: Readonly<Record<string, MetricDirection>>;
  rules: readonly NoRegressionRule[];
  stage: string;
}): MetricComparison[] {
  const rules = regressionRulesFor(input.rules, input.stage);
  const all = new Set([
    ...Object.keys(input.current),
    ...Object.keys(input.candidate),
    ...rules.map((r) => r.metric),
  ]);
  const first = (input.order ?? []).filter((m) => all.has(m));
  const rest = [...all].filter((m) => !first.includes(m)).sort();
  const value = (map: Record<string, number>, m: string) => (Object.hasOwn(map, m) ? map[m] : undefined);
  return [...first, ...rest].map((metric) =>
    compareMetric(
      metric,
      value(input.current, metric),
      value(input.candidate, metric),
      Object.hasOwn(input.directions, metric) ? input.directions[metric] : undefined,
      rules.find((r) => r.metric === metric),
    ),
  );
}

/** Why each blocking comparison blocks, with its fix, in the gate's "reason; fix: …" form. */
export function regressionFailures(comparisons: readonly MetricComparison[], replaced: string): string[] {
  return comparisons
    .filter((c) => c.blocks)
    .map((c) => {
      const tolerance = c.rule?.tolerance ?? 0;
      if (c.verdict === 'missing-candidate')
        return `no_regression on ${c.metric}: the candidate does not report ${c.metric} (${replaced} has ${c.current}); fix: record ${c.metric} for the candidate`;
      if (c.verdict === 'changed')
        return `no_regression on ${c.metric}: the policy does not say whether higher or lower is better; fix: set metrics.${c.metric}.better in registry/policy.yaml`;
      return (
        `no_regression on ${c.metric}: ${c.current} → ${c.candidate} is worse than ${replaced} by ${Math.abs(c.delta!)}` +
        ` (${c.better} is better, tolerance ${tolerance}); fix: promote a version no worse than ${replaced}, or change the policy's tolerance in its own reviewed pull request`
      );
    });
}

/** A moving name in a data URI: a snapshot that can change under the same name. */
const MOVING_SEGMENT = /^(?:latest|current|head|main|master|live|newest|today)$/i;

/**
 * Why a data reference does not pin its content, or undefined when it does: no sha256, or a URI whose path names a
 * moving snapshot (`.../latest`, `:latest`, `@main`) — the hash then pins what was read, not what the URI serves.
 */
export function mutableDataReason(data: { uri: string; sha256?: string } | undefined): string | undefined {
  if (data === undefined) return 'no training data is recorded';
  const parts = data.uri
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split(/[/:@?#=&]+/)
    .filter(Boolean)
    .map((p) => p.replace(/\.[a-z0-9]{1,8}$/i, ''));
  const moving = parts.find((p) => MOVING_SEGMENT.test(p));
  if (moving !== undefined && data.sha256 === undefined)
    return `the data URI names a moving snapshot (\`${moving}\`) and no sha256 pins its content`;
  if (moving !== undefined)
    return `the data URI names a moving snapshot (\`${moving}\`): the sha256 pins what was read, but the URI may now serve other data`;
  if (data.sha256 === undefined) return 'no sha256 pins the data: the URI may serve other data tomorrow';
  return undefined;
}

export interface ComparabilityInput {
  current: { metrics: Record<string, number>; evaluation?: { uri: string; sha256?: string } };
  candidate: { metrics: Record<string, number>; evaluation?: { uri: string; sha256?: string } };
  currentId: string;
  keyMetrics: readonly string[];
}

/**
 * Why the two versions' numbers may not be alike: a key metric the candidate lacks, different metric sets, or
 * different (or unrecorded) evaluation data.
 */
export function comparabilityWarnings(input: ComparabilityInput): string[] {
  const out: string[] = [];
  const has = (m: Record<string, number>, k: string) => Object.hasOwn(m, k);
  const missing = input.keyMetrics.filter((k) => !has(input.candidate.metrics, k));
  if (missing.length > 0)
    out.push(
      `the candidate does not report the key metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  const onlyCurrent = Object.keys(input.current.metrics).filter(
    (k) => !has(input.candidate.metrics, k) && !missing.includes(k),
  );
  const onlyCandidate = Object.keys(input.candidate.metrics).filter((k) => !has(input.current.metrics, k));
  if (onlyCurrent.length > 0 || onlyCandidate.length > 0) {
    const parts = [
      ...(onlyCurrent.length > 0 ? [`only ${input.currentId} reports ${onlyCurrent.sort().join(', ')}`] : []),
      ...(onlyCandidate.length > 0 ? [`only the candidate reports ${onlyCandidate.sort().join(', ')}`] : []),
    ];
    out.push(`the versions were scored on different metric sets (${parts.join('; ')})`);
  }
  const a = input.current.evaluation;
  const b = input.candidate.evaluation;
  if (a !== undefined && b !== undefined) {
    const same = a.sha256 !== undefined && b.sha256 !== undefined ? a.sha256 === b.sha256 : a.uri === b.uri;
    if (!same)
      out.push(
        `the versions were evaluated on different data (${input.currentId}: \`${a.uri}\`, candidate: \`${b.uri}\`${a.uri === b.uri ? ', different sha256' : ''})`,
      );
  } else if (a !== undefined || b !== undefined) {
    out.push(
      `only ${a !== undefined ? input.currentId : 'the candidate'} records its evaluation data: the two may have been scored on different data`,
    );
  }
  return out;
}
