// The promotion pull request's body: the candidate against the version it replaces, so reviewers judge evidence.
import { markdownCell } from '../gate/render.ts';
import type { Requirement } from '../gate/types.ts';
import type { ModelVersion } from '../registry/types.ts';

export interface PromotionBodyInput {
  model: string;
  stage: string;
  candidate: ModelVersion;
  /** The version the stage points at now, if any. */
  current?: ModelVersion;
  /** Recent versions for the chart, any order (sorted by created_at here); the candidate is added if missing. */
  recent: ModelVersion[];
  requirements: Pick<Requirement, 'rule' | 'role' | 'candidates'>[];
  /** Metrics shown first (the model's key_metrics). */
  keyMetrics?: string[];
  /** The workflow run that opened this pull request. */
  runUrl?: string;
  /** e.g. https://github.com/acme/models, for commit links. */
  repoUrl?: string;
}

/** At most this many charts, so the body stays readable. */
const MAX_CHARTS = 3;

/** Registry text may reach the body: only http(s) links become links, anything else is shown as code. */
function link(text: string, url: string | undefined): string {
  if (url !== undefined && /^https:\/\/[^\s()<>]+$|^http:\/\/[^\s()<>]+$/.test(url))
    return `[${text}](${url})`;
  return url === undefined ? text : `${text} (${code(url)})`;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

/** Rounds away float noise (0.93 - 0.91) without hiding real precision. */
function formatNumber(value: number): string {
  return String(Number(value.toPrecision(10)));
}

function formatDelta(candidate: number | undefined, current: number | undefined): string {
  if (candidate === undefined || current === undefined) return '';
  const delta = Number((candidate - current).toPrecision(10));
  if (delta === 0) return '0';
  return `${delta > 0 ? '+' : '−'}${formatNumber(Math.abs(delta))}`;
}

function metricOrder(keyMetrics: string[], versions: (ModelVersion | undefined)[]): string[] {
  const all = new Set<string>();
  for (const v of versions) for (const name of Object.keys(v?.metrics ?? {})) all.add(name);
  const keys = keyMetrics.filter((m) => all.has(m));
  const rest = [...all].filter((m) => !keys.includes(m)).sort();
  return [...keys, ...rest];
}

const metricOf = (v: ModelVersion | undefined, name: string) =>
  v !== undefined && Object.hasOwn(v.metrics, name) ? v.metrics[name] : undefined;

function chart(metric: string, versions: ModelVersion[]): string[] {
  const points = versions.filter((v) => metricOf(v, metric) !== undefined);
  if (points.length < 2) return [];
  const label = (s: string) => `"${s.replace(/["\\\n\r]/g, '')}"`;
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${label(metric)}`,
    `  x-axis [${points.map((v) => label(v.id)).join(', ')}]`,
    `  y-axis ${label(metric)}`,
    `  line [${points.map((v) => formatNumber(metricOf(v, metric)!)).join(', ')}]`,
    '```',
    '',
  ];
}

export function renderPromotionBody(input: PromotionBodyInput): string {
  const { model, stage, candidate, current } = input;
  const out: string[] = [`## Promote ${model} ${candidate.id} to ${stage}`, ''];
  out.push(
    current
      ? `Replaces **${current.id}** in \`${stage}\`.`
      : `\`${stage}\` has no version yet: this is its first.`,
  );
  if (input.runUrl) out.push(`Opened by ${link('this workflow run', input.runUrl)}.`);
  out.push('');

  const metrics = metricOrder(input.keyMetrics ?? [], [candidate, current]);
  const keys = new Set(input.keyMetrics ?? []);
  out.push('### Metrics', '');
  if (metrics.length === 0) {
    out.push('No metrics recorded.', '');
  } else {
    const head = current
      ? `| Metric | ${current.id} (${stage}) | ${candidate.id} (candidate) | Δ |`
      : `| Metric | ${candidate.id} (candidate) |`;
    out.push(head, current ? '| --- | ---: | ---: | ---: |' : '| --- | ---: |');
    for (const name of metrics) {
      const shown = keys.has(name) ? `**${markdownCell(name)}**` : markdownCell(name);
      const value = (v: number | undefined) => (v === undefined ? '—' : formatNumber(v));
      const now = metricOf(current, name);
      const next = metricOf(candidate, name);
      out.push(
        current
          ? `| ${shown} | ${value(now)} | ${value(next)} | ${formatDelta(next, now)} |`
          : `| ${shown} | ${value(next)} |`,
      );
    }
    out.push('');
  }

  out.push('### Validation gates', '');
  if (candidate.validation.gates.length === 0) {
    out.push('No gates apply to this model.', '');
  } else {
    out.push('| Gate | Value | Result |', '| --- | ---: | --- |');
    for (const g of candidate.validation.gates) {
      const value = g.value === null ? '—' : formatNumber(g.value);
      out.push(
        `| ${markdownCell(`${g.metric} ${g.op} ${g.threshold}`)} | ${value} | ${g.pass ? '✅ pass' : '❌ fail'} |`,
      );
    }
    out.push('');
  }
  out.push(candidate.validation.passed ? 'All gates pass.' : '**The candidate fails its gates.**', '');

  const history = [...input.recent.filter((v) => v.id !== candidate.id), candidate].sort(
    (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
  );
  const charted = (input.keyMetrics?.length ? input.keyMetrics : metrics).slice(0, MAX_CHARTS);
  const charts = charted.flatMap((metric) => chart(metric, history));
  if (charts.length > 0) out.push('### Recent versions', '', ...charts);

  out.push('### Lineage', '');
  const src = candidate.source;
  const commit = input.repoUrl
    ? link(code(src.commit.slice(0, 12)), `${input.repoUrl}/commit/${src.commit}`)
    : code(src.commit.slice(0, 12));
  out.push(
    `- Trained from ${commit}${src.run_url ? ` in ${link('run', src.run_url)}` : ''}${src.actor ? ` by @${src.actor}` : ''}, ${candidate.created_at}`,
  );
  if (candidate.data)
    out.push(
      `- Data: ${code(candidate.data.uri)}${candidate.data.sha256 ? ` (sha256 ${code(candidate.data.sha256)})` : ''}`,
    );
  out.push(
    `- Artifact: ${code(candidate.artifact.uri)} (sha256 ${code(candidate.artifact.sha256)}, ${candidate.artifact.size} bytes)`,
  );
  if (candidate.parent) out.push(`- Parent version: ${candidate.parent}`);
  if (candidate.request) out.push(`- Retrain request: ${candidate.request}`);
  out.push('');

  out.push('### Required sign-offs', '');
  if (input.requirements.length === 0) {
    out.push('None: the policy needs no sign-off for this change.');
  } else {
    out.push('| Role | Needed by | Who can sign off |', '| --- | --- | --- |');
    for (const r of input.requirements) {
      out.push(
        `| ${markdownCell(r.role)} | ${markdownCell(r.rule)} | ${markdownCell(r.candidates.join(', ') || '(nobody)')} |`,
      );
    }
    out.push(
      '',
      'Approve this pull request to sign off; the `tollgate/signoff` check shows what is still missing.',
    );
  }
  return `${out.join('\n')}\n`;
}
