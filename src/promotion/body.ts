// The promotion pull request's body: the candidate against the version it replaces, so reviewers judge evidence.
import { markdownCell } from '../gate/render.ts';
import type { Requirement } from '../gate/types.ts';
import {
  comparabilityWarnings,
  compareVersions,
  mutableDataReason,
  type MetricComparison,
} from '../policy/regression.ts';
import type { GateSpec, MetricDirection, ModelVersion, NoRegressionRule } from '../registry/types.ts';
import { honestAxis } from './axis.ts';

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
  /** metric -> which way is better, from the policy's `metrics`. */
  metricDirections?: Readonly<Record<string, MetricDirection>>;
  /** The policy's no_regression rules (all stages; the ones for `stage` apply). */
  noRegression?: readonly NoRegressionRule[];
  /** The gates in force (policy's and model's), drawn as threshold lines on the charts. */
  gates?: readonly GateSpec[];
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

const metricOf = (v: ModelVersion | undefined, name: string) =>
  v !== undefined && Object.hasOwn(v.metrics, name) ? v.metrics[name] : undefined;

const OP_WORDS: Record<GateSpec['op'], string> = {
  '>=': 'at least',
  '>': 'above',
  '<=': 'at most',
  '<': 'below',
  '==': 'exactly',
};

/**
 * One metric over recent versions: the metric line, one flat line per gate threshold on it, the production and
 * candidate versions marked on the x axis, and a y axis from honestAxis (never a zoom that turns noise into a cliff).
 */
function chart(
  metric: string,
  versions: ModelVersion[],
  marks: { current?: string; candidate: string },
  gates: readonly GateSpec[],
): string[] {
  const points = versions.filter((v) => metricOf(v, metric) !== undefined);
  const missingCandidate = !points.some((v) => v.id === marks.candidate);
  if (points.length < 2) {
    return missingCandidate && versions.some((v) => metricOf(v, metric) !== undefined)
      ? [`_${metric}: the candidate ${marks.candidate} does not report it; nothing to chart._`, '']
      : [];
  }
  const label = (s: string) => `"${s.replace(/["\\\n\r]/g, '')}"`;
  const tag = (id: string) =>
    id === marks.candidate ? `${id} ◆ candidate` : id === marks.current ? `${id} ● current` : id;
  const values = points.map((v) => metricOf(v, metric)!);
  const thresholds = gates.filter((g) => g.metric === metric);
  const axis = honestAxis([...values, ...thresholds.map((g) => g.threshold)]);
  const legend = [
    `line 1: ${metric}`,
    ...thresholds.map((g, i) => `line ${i + 2}: gate, ${OP_WORDS[g.op]} ${formatNumber(g.threshold)}`),
  ];
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${label(metric)}`,
    `  x-axis [${points.map((v) => label(tag(v.id))).join(', ')}]`,
    `  y-axis ${label(metric)} ${formatNumber(axis.min)} --> ${formatNumber(axis.max)}`,
    `  line [${values.map(formatNumber).join(', ')}]`,
    ...thresholds.map((g) => `  line [${points.map(() => formatNumber(g.threshold)).join(', ')}]`),
    '```',
    '',
    `<sub>${legend.join('; ')}. ● serves now, ◆ is the candidate. Axis ${formatNumber(axis.min)}–${formatNumber(axis.max)}${axis.note ? ` (${axis.note})` : ''}.</sub>`,
    ...(missingCandidate
      ? ['', `**⚠️ The candidate ${marks.candidate} does not report ${metric}: it is not on this chart.**`]
      : []),
    '',
  ];
}

const VERDICT_TEXT: Record<MetricComparison['verdict'], string> = {
  better: '▲ better',
  worse: '▼ **worse**',
  same: '= same',
  changed: 'changed (policy gives no direction)',
  'missing-candidate': '⚠️ **missing on the candidate**',
  'missing-current': 'new',
};

function verdictCell(c: MetricComparison, current: string): string {
  let text = VERDICT_TEXT[c.verdict];
  if (c.verdict === 'missing-current') text = `not reported by ${current}`;
  if (c.rule !== undefined) {
    const rule = `no_regression, tolerance ${formatNumber(c.rule.tolerance)}`;
    text += c.blocks ? ` — ❌ fails ${rule}` : ` — ✅ within ${rule}`;
  }
  return text;
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

  const directions = input.metricDirections ?? {};
  const comparisons = compareVersions({
    current: current?.metrics ?? {},
    candidate: candidate.metrics,
    order: input.keyMetrics ?? [],
    directions,
    rules: current ? (input.noRegression ?? []) : [],
    stage,
  });
  const keys = new Set(input.keyMetrics ?? []);

  const warnings: string[] = [];
  if (current) {
    const worse = comparisons.filter((c) => c.verdict === 'worse');
    const worseKeys = worse.filter((c) => keys.has(c.metric));
    if (worseKeys.length > 0)
      warnings.push(
        `The candidate is **worse than ${current.id}** on key metric${worseKeys.length > 1 ? 's' : ''} ${worseKeys
          .map(
            (c) =>
              `${c.metric} (${formatNumber(c.current!)} → ${formatNumber(c.candidate!)}, ${c.better} is better)`,
          )
          .join(', ')}.`,
      );
    const blocking = comparisons.filter((c) => c.blocks);
    if (blocking.length > 0)
      warnings.push(
        `The policy's no_regression rule fails on ${blocking.map((c) => c.metric).join(', ')}: the gate will block this promotion.`,
      );
    for (const w of comparabilityWarnings({
      current,
      candidate,
      currentId: current.id,
      keyMetrics: input.keyMetrics ?? [],
    }))
      warnings.push(`${w[0]!.toUpperCase()}${w.slice(1)}: the comparison may not be like for like.`);
    const undirected = [...keys].filter((k) => !Object.hasOwn(directions, k));
    if (undirected.length > 0)
      warnings.push(
        `The policy does not say whether higher or lower is better for ${undirected.join(', ')}; set \`metrics.<name>.better\` in policy.yaml to have them judged.`,
      );
  } else {
    const missing = (input.keyMetrics ?? []).filter((k) => !Object.hasOwn(candidate.metrics, k));
    if (missing.length > 0)
      warnings.push(
        `The candidate does not report the key metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`,
      );
  }
  const mutable = candidate.data === undefined ? undefined : mutableDataReason(candidate.data);
  if (candidate.data === undefined)
    warnings.push('No training data is recorded for the candidate: its lineage cannot be checked.');
  else if (mutable !== undefined) warnings.push(`Training data is not pinned: ${mutable}.`);
  if (warnings.length > 0) {
    out.push('### ⚠️ Check before approving', '', ...warnings.map((w) => `- ${w}`), '');
  }

  out.push('### Metrics', '');
  if (comparisons.length === 0) {
    out.push('No metrics recorded.', '');
  } else {
    const head = current
      ? `| Metric | ${current.id} (${stage}) | ${candidate.id} (candidate) | Δ | vs ${current.id} |`
      : `| Metric | ${candidate.id} (candidate) |`;
    out.push(head, current ? '| --- | ---: | ---: | ---: | --- |' : '| --- | ---: |');
    for (const c of comparisons) {
      const shown = keys.has(c.metric) ? `**${markdownCell(c.metric)}**` : markdownCell(c.metric);
      const value = (v: number | undefined) => (v === undefined ? '—' : formatNumber(v));
      out.push(
        current
          ? `| ${shown} | ${value(c.current)} | ${value(c.candidate)} | ${formatDelta(c.candidate, c.current)} | ${verdictCell(c, current.id)} |`
          : `| ${shown} | ${value(c.candidate)} |`,
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
  const regressed = comparisons.filter((c) => c.verdict === 'worse' || c.verdict === 'missing-candidate');
  const blocked = comparisons.some((c) => c.blocks);
  out.push(
    !candidate.validation.passed
      ? '**The candidate fails its gates.**'
      : blocked
        ? '**The candidate passes its validation gates but fails the no_regression rule.**'
        : current && regressed.length > 0
          ? `All validation gates pass, **but the candidate is worse than ${current.id} on ${regressed.map((c) => c.metric).join(', ')}**.`
          : 'All gates pass.',
    '',
  );

  const history = [...input.recent.filter((v) => v.id !== candidate.id), candidate].sort(
    (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
  );
  const charted = (input.keyMetrics?.length ? input.keyMetrics : comparisons.map((c) => c.metric)).slice(
    0,
    MAX_CHARTS,
  );
  const charts = charted.flatMap((metric) =>
    chart(
      metric,
      history,
      { candidate: candidate.id, ...(current ? { current: current.id } : {}) },
      input.gates ?? [],
    ),
  );
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
      `- Data: ${code(candidate.data.uri)}${candidate.data.sha256 ? ` (sha256 ${code(candidate.data.sha256)})` : ''}${mutable ? ' ⚠️ not pinned' : ''}`,
    );
  if (candidate.evaluation)
    out.push(
      `- Evaluated on: ${code(candidate.evaluation.uri)}${candidate.evaluation.sha256 ? ` (sha256 ${code(candidate.evaluation.sha256)})` : ''}`,
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
