// Aggregates over a time window, for rules "metric op threshold for duration" and canary analysis. Pure.
import type { Sample } from './metrics-json.ts';

export type WindowStatKind = 'min' | 'max' | 'avg';

export interface WindowStat {
  value: number;
  /** How many samples fell in the window. */
  samples: number;
  /** Seconds from the earliest sample in the window to its end: how much of the window has data. */
  covered: number;
}

/** The min, max or mean of the samples in [end - seconds, end]; undefined when none fall in it. */
export function aggregateWindow(
  samples: Sample[],
  stat: WindowStatKind,
  end: number,
  seconds: number,
): WindowStat | undefined {
  const start = end - seconds * 1000;
  const inside = samples.filter((s) => s.at >= start && s.at <= end);
  if (inside.length === 0) return undefined;
  const values = inside.map((s) => s.value);
  const value =
    stat === 'min'
      ? Math.min(...values)
      : stat === 'max'
        ? Math.max(...values)
        : values.reduce((a, b) => a + b, 0) / values.length;
  const first = Math.min(...inside.map((s) => s.at));
  return { value, samples: inside.length, covered: Math.round((end - first) / 1000) };
}
