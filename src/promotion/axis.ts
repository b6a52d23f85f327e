// The y axis of a promotion chart: wide enough that a small difference looks small, bounded where the metric is.

export interface Axis {
  min: number;
  max: number;
  /** Why the axis is wider than the data, when it is. */
  note?: string;
}

/** The smallest share of the largest magnitude the axis spans: a 1 % change never fills the chart's height. */
const MIN_SPAN_SHARE = 0.1;

const round = (n: number) => Number(n.toPrecision(10));

function niceStep(span: number): number {
  const power = 10 ** Math.floor(Math.log10(span));
  for (const m of [0.1, 0.2, 0.25, 0.5, 1]) if (power * m * 10 >= span) return power * m;
  return power * 2;
}

/**
 * An axis for these values (metric values and thresholds): at least MIN_SPAN_SHARE of the largest magnitude tall,
 * starting at 0 when the data sits near 0, never below 0 for non-negative data nor above 1 for data within 0..1
 * (rates, AUC), with ends rounded to a round step.
 */
export function honestAxis(values: readonly number[]): Axis {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { min: 0, max: 1 };
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  const nonNegative = lo >= 0;
  const unit = nonNegative && hi <= 1;
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const minSpan = magnitude * MIN_SPAN_SHARE;
  let note: string | undefined;
  if (hi - lo < minSpan) {
    const mid = (lo + hi) / 2;
    lo = mid - minSpan / 2;
    hi = mid + minSpan / 2;
    note = `at least ${MIN_SPAN_SHARE * 100} % of the values' size, so small differences look small`;
  }
  const pad = (hi - lo) * 0.1;
  lo -= pad;
  hi += pad;
  // Data close to zero (its distance from 0 is less than its spread) is shown from zero.
  if (nonNegative && lo <= hi - lo) lo = 0;
  if (nonNegative) lo = Math.max(0, lo);
  if (unit) hi = Math.min(1, hi);
  const step = niceStep(hi - lo);
  let min = round(Math.floor(round(lo / step)) * step);
  let max = round(Math.ceil(round(hi / step)) * step);
  if (nonNegative) min = Math.max(0, min);
  if (unit) max = Math.min(1, max);
  if (min === max) max = round(min + step);
  return { min, max, ...(note ? { note } : {}) };
}
