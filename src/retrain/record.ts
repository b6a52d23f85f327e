// Recording a retrain: the ModelVersion it produced (with its validation against the gates), the next version
// id, the audit event for each step, and the pull-request body that compares the candidate with production.
import { TollgateError } from '../errors.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import { compare } from '../policy/effective.ts';
import { evaluateGates, gatesFor } from '../policy/gates.ts';
import { AUDIT_ID, assertSafeName } from '../registry/names.ts';
import { API_VERSION } from '../registry/types.ts';
import type { AuditEvent, GateSpec, Model, ModelVersion, RetrainRequest } from '../registry/types.ts';
import { fnv1a, isoTime } from '../scheduler/schedule.ts';
import type { Instant } from '../scheduler/schedule.ts';
import type { TrainingResult } from './training.ts';

const COMMIT = /^[0-9a-f]{7,64}$/;

export interface BuildModelVersionInput {
  model: Model;
  policy: Pick<EffectivePolicy, 'gates'>;
  id: string;
  now: Instant;
  training: Pick<TrainingResult, 'metrics' | 'artifact'>;
  source: ModelVersion['source'];
  /** The RetrainRequest that produced it. */
  request?: string;
  /** The version it is trained to replace, usually production's. */
  parent?: string;
  /** Where the artifact was stored; default `sha256:<hash>`, which names the bytes wherever they end up. */
  artifactUri?: string;
}

/** The version record, validated against the policy's gates and then the model's (a model gate overrides). */
export function buildModelVersion(input: BuildModelVersionInput): ModelVersion {
  const { model, training, source } = input;
  if (!COMMIT.test(source.commit)) {
    throw new TollgateError(`source commit ${JSON.stringify(source.commit)} is not a git commit id`, {
      field: 'source.commit',
      fix: 'pass the full commit id the training ran on (GITHUB_SHA or git rev-parse HEAD)',
    });
  }
  const gates = gatesFor(input.policy.gates, model.gates);
  return {
    apiVersion: API_VERSION,
    kind: 'ModelVersion',
    id: assertSafeName('version', input.id),
    model: assertSafeName('model', model.name),
    created_at: isoTime(input.now),
    source,
    ...(model.training?.data ? { data: model.training.data } : {}),
    artifact: {
      uri: input.artifactUri ?? `sha256:${training.artifact.sha256}`,
      sha256: training.artifact.sha256,
      size: training.artifact.size,
    },
    metrics: training.metrics,
    validation: evaluateGates(gates, training.metrics),
    ...(input.request ? { request: assertSafeName('request', input.request) } : {}),
    ...(input.parent ? { parent: assertSafeName('version', input.parent) } : {}),
  };
}

/** `v<N+1>` where N is the highest `v<number>` id so far; ids of any other shape are left alone. */
export function nextVersionId(existingIds: Iterable<string>): string {
  let highest = 0;
  for (const id of existingIds) {
    const m = /^v(\d{1,15})$/.exec(id);
    if (m) highest = Math.max(highest, Number(m[1]));
  }
  return `v${highest + 1}`;
}

const EVENT_FOR_STATUS: Record<RetrainRequest['status'], string> = {
  queued: 'retrain-requested',
  running: 'retrain-started',
  completed: 'retrain-completed',
  failed: 'retrain-failed',
};

export interface RetrainAuditInput {
  /** The request after the step being recorded. */
  request: RetrainRequest;
  now: Instant;
  actor: string;
  /** The version the completed request produced, for its validation result. */
  version?: ModelVersion;
  commit?: string;
  pull_request?: number;
}

/** One audit event per lifecycle step; its id is unique per request and step, so a re-run rewrites nothing new. */
export function retrainAuditEvent(input: RetrainAuditInput): AuditEvent {
  const { request } = input;
  const event = EVENT_FOR_STATUS[request.status];
  const stamp = isoTime(input.now)
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  const step = request.status;
  const tail =
    `${request.id}-${step}`.length <= 48
      ? `${request.id}-${step}`
      : `${fnv1a(request.id).toString(16)}-${step}`;
  const id = `${stamp}-${tail}`;
  if (!AUDIT_ID.test(id))
    throw new TollgateError(`cannot build an audit id from request ${JSON.stringify(request.id)}`);
  return {
    apiVersion: API_VERSION,
    kind: 'AuditEvent',
    id,
    at: isoTime(input.now),
    event,
    actor: input.actor,
    model: request.model,
    request: request.id,
    ...((input.version?.id ?? request.version) ? { version: input.version?.id ?? request.version } : {}),
    ...(input.commit ? { commit: input.commit } : {}),
    ...(input.pull_request !== undefined ? { pull_request: input.pull_request } : {}),
    details: {
      reason: request.reason,
      trigger: request.trigger.kind,
      ...(request.run?.url ? { run: request.run.url } : {}),
      ...(request.run?.duration !== undefined ? { duration: request.run.duration } : {}),
      ...(request.error ? { error: request.error } : {}),
      ...(input.version ? { validation_passed: input.version.validation.passed } : {}),
    },
  };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Up to 4 decimals, no trailing zeros: metric tables should be read, not decoded. */
export function formatMetric(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  const fixed = Math.abs(value) >= 1e-4 ? String(Number(value.toFixed(4))) : value.toExponential(2);
  return fixed === '0' || fixed === '-0' ? value.toExponential(2) : fixed;
}

function formatDelta(candidate: number | undefined, production: number | undefined): string {
  if (candidate === undefined || production === undefined) return '—';
  const delta = candidate - production;
  if (delta === 0) return '0';
  const shown = formatMetric(Math.abs(delta));
  return `${delta > 0 ? '+' : '-'}${shown}`;
}

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

/** key_metrics first (in their order), then every other metric of either version, alphabetically. */
function metricOrder(candidate: ModelVersion, production: ModelVersion | undefined, model?: Model): string[] {
  const all = new Set([...Object.keys(candidate.metrics), ...Object.keys(production?.metrics ?? {})]);
  const keys = (model?.key_metrics ?? []).filter((k) => all.has(k));
  const rest = [...all].filter((k) => !keys.includes(k)).sort();
  return [...keys, ...rest];
}

const gateText = (g: GateSpec): string => `\`${cell(g.metric)} ${g.op} ${g.threshold}\``;

export interface RetrainBodyInput {
  candidate: ModelVersion;
  /** The version serving production now, when there is one. */
  production?: ModelVersion;
  model?: Model;
  request?: RetrainRequest;
}

/** The retrain pull request's body: where the candidate came from, its metrics against production, its gates. */
export function renderRetrainBody(input: RetrainBodyInput): string {
  const { candidate, production, model, request } = input;
  const gates = candidate.validation.gates;
  const failedGates = gates.filter((g) => !g.pass).length;
  const lines: string[] = [`## Retrain of \`${candidate.model}\`: candidate \`${candidate.id}\``, ''];

  if (request) {
    lines.push(
      `Requested by @${request.trigger.actor} (${request.trigger.kind}): ${cell(request.reason)}. Request \`${request.id}\`.`,
    );
  }
  const run = candidate.source.run_url ? ` in [this workflow run](${candidate.source.run_url})` : '';
  lines.push(
    `Trained from commit \`${candidate.source.commit.slice(0, 12)}\`${run}` +
      (candidate.data ? ` on \`${cell(candidate.data.uri)}\`` : '') +
      `. Artifact \`${cell(candidate.artifact.uri)}\` (${formatBytes(candidate.artifact.size)}, sha256 \`${candidate.artifact.sha256.slice(0, 12)}…\`).`,
    '',
  );
  lines.push(
    gates.length === 0
      ? '**Validation:** no gates are configured for this model.'
      : candidate.validation.passed
        ? `**Validation: passed** all ${gates.length} gate(s).`
        : `**Validation: failed** ${failedGates} of ${gates.length} gate(s). This version cannot be promoted as it is.`,
    '',
  );

  lines.push('### Metrics', '');
  if (production) {
    lines.push(
      `| metric | candidate \`${candidate.id}\` | production \`${production.id}\` | Δ |`,
      '| --- | ---: | ---: | ---: |',
    );
    for (const name of metricOrder(candidate, production, model)) {
      const c = candidate.metrics[name];
      const p = production.metrics[name];
      lines.push(`| ${cell(name)} | ${formatMetric(c)} | ${formatMetric(p)} | ${formatDelta(c, p)} |`);
    }
  } else {
    lines.push(`| metric | candidate \`${candidate.id}\` |`, '| --- | ---: |');
    for (const name of metricOrder(candidate, undefined, model)) {
      lines.push(`| ${cell(name)} | ${formatMetric(candidate.metrics[name])} |`);
    }
    lines.push('', '_No version serves production yet: nothing to compare with._');
  }
  lines.push('');

  if (gates.length > 0) {
    lines.push('### Gates', '');
    if (production) {
      lines.push(
        `| gate | candidate | result | production \`${production.id}\` |`,
        '| --- | ---: | --- | ---: |',
      );
    } else {
      lines.push('| gate | candidate | result |', '| --- | ---: | --- |');
    }
    for (const g of gates) {
      const row = `| ${gateText(g)} | ${formatMetric(g.value)} | ${g.pass ? '✅ pass' : '❌ fail'} |`;
      if (!production) {
        lines.push(row);
        continue;
      }
      const p = production.metrics[g.metric];
      const pShown =
        p === undefined ? '—' : `${formatMetric(p)} ${compare(p, g.op, g.threshold) ? '✅' : '❌'}`;
      lines.push(`${row} ${pShown} |`);
    }
    lines.push('');
  }
  if (candidate.parent) lines.push(`Lineage: trained to replace \`${candidate.parent}\`.`, '');
  return lines.join('\n');
}
