// Trend charts drawn at build time as inline SVG: one metric across a model's versions, the stage pointers marked
// and the validation gate's threshold drawn. No script; colours come from the page's stylesheet, so they follow
// dark mode and print in black. Pure.
import { markup, type Html } from './html.ts';

export interface TrendPoint {
  /** The version id, shown under the axis. */
  label: string;
  value: number | null;
}

export interface TrendChartInput {
  /** Unique within the page: ids of the title and description elements. */
  id: string;
  metric: string;
  points: TrendPoint[];
  /** Stage pointers: index into points -> stage names. */
  markers: Map<number, string[]>;
  threshold?: { op: string; value: number };
}

const W = 640;
const H = 250;
const M = { left: 52, right: 18, top: 26, bottom: 40 };

/** Round tick values covering [min, max]: 1, 2 or 5 times a power of ten apart. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? raw;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100
    ? value.toFixed(1)
    : abs >= 1
      ? String(Number(value.toFixed(3)))
      : String(Number(value.toPrecision(3)));
}

/** A plain-language summary of the chart, for its <desc> and for anyone who cannot see it. */
export function describeTrend(input: TrendChartInput): string {
  const known = input.points.filter((p): p is TrendPoint & { value: number } => p.value !== null);
  if (known.length === 0) return `No version reports ${input.metric}.`;
  const first = known[0]!;
  const last = known[known.length - 1]!;
  const stages = [...input.markers]
    .map(([i, names]) => {
      const p = input.points[i]!;
      return `${names.join(' and ')}: ${p.label} (${p.value === null ? 'not reported' : formatNumber(p.value)})`;
    })
    .join('; ');
  return [
    `${input.metric} across ${input.points.length} version${input.points.length === 1 ? '' : 's'}: ${formatNumber(first.value)} at ${first.label}, ${formatNumber(last.value)} at ${last.label}.`,
    stages ? ` Stages: ${stages}.` : '',
    input.threshold
      ? ` Gate: ${input.metric} ${input.threshold.op} ${formatNumber(input.threshold.value)}.`
      : '',
  ].join('');
}

export function trendChart(input: TrendChartInput): Html {
  const values = input.points.map((p) => p.value).filter((v): v is number => v !== null);
  const titleId = `${input.id}-title`;
  const descId = `${input.id}-desc`;
  const description = describeTrend(input);
  if (values.length === 0)
    return markup`<figure class="chart"><figcaption>${input.metric}</figcaption><p class="muted small">${description}</p></figure>`;
  const domain = input.threshold ? [...values, input.threshold.value] : values;
  const ticks = niceTicks(Math.min(...domain), Math.max(...domain), 5);
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = input.points.length;
  const x = (i: number) => M.left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number) => M.top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
  const f = (v: number) => v.toFixed(1);

  // The line breaks where a version does not report the metric, rather than drawing through it.
  const segments: string[] = [];
  let current: string[] = [];
  input.points.forEach((p, i) => {
    if (p.value === null) {
      if (current.length) segments.push(current.join(' '));
      current = [];
    } else current.push(`${current.length ? 'L' : 'M'}${f(x(i))},${f(y(p.value))}`);
  });
  if (current.length) segments.push(current.join(' '));

  const every = Math.max(1, Math.ceil(n / 8));
  const xLabels = input.points
    .map((p, i) => ({ p, i }))
    .filter(({ i }) => i % every === 0 || i === n - 1 || input.markers.has(i));
  // Dots only while they stay apart; with hundreds of versions the line alone reads better.
  const dots = n <= 60;
  const markerLabel = (i: number, names: string[]) => {
    const p = input.points[i]!;
    if (p.value === null) return markup``;
    const px = x(i);
    const py = y(p.value);
    const anchor = px > W - 90 ? 'end' : px < M.left + 40 ? 'start' : 'middle';
    const ly = py - M.top > 16 ? py - 10 : py + 18;
    return markup`<g><circle class="stage" cx="${f(px)}" cy="${f(py)}" r="5.5"></circle><text class="stage-label" x="${f(px)}" y="${f(ly)}" text-anchor="${anchor}">${names.join(', ')}</text></g>`;
  };
  const grid = ticks.map(
    (t) =>
      markup`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${f(y(t))}" y2="${f(y(t))}"></line><text class="axis" x="${M.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${formatNumber(t)}</text>`,
  );
  const labels = xLabels.map(
    ({ p, i }) =>
      markup`<text class="axis" x="${f(x(i))}" y="${H - M.bottom + 16}" text-anchor="middle">${p.label}</text>`,
  );
  const threshold = input.threshold
    ? markup`<line class="threshold" x1="${M.left}" x2="${W - M.right}" y1="${f(y(input.threshold.value))}" y2="${f(y(input.threshold.value))}"></line><text class="threshold-label" x="${W - M.right}" y="${f(y(input.threshold.value) - 5)}" text-anchor="end">gate ${input.threshold.op} ${formatNumber(input.threshold.value)}</text>`
    : '';
  const points = dots
    ? input.points.map((p, i) =>
        p.value === null
          ? ''
          : markup`<circle class="pt" cx="${f(x(i))}" cy="${f(y(p.value))}" r="3"><title>${p.label}: ${formatNumber(p.value)}</title></circle>`,
      )
    : '';
  return markup`<figure class="chart">
<figcaption id="${titleId}">${input.metric}</figcaption>
<svg class="trend" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${titleId}" aria-describedby="${descId}" xmlns="http://www.w3.org/2000/svg">
<desc id="${descId}">${description}</desc>
${grid}
${labels}
<text class="axis" x="${M.left + plotW / 2}" y="${H - 6}" text-anchor="middle">version (oldest to newest)</text>
${threshold}
${segments.map((d) => markup`<path class="line" d="${d}"></path>`)}
${points}
${[...input.markers].map(([i, names]) => markerLabel(i, names))}
</svg>
</figure>`;
}
