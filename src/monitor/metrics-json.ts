// The metrics JSON a `command` or `file` metrics source gives (docs/monitoring.md): the latest values, optional
// timestamped samples for rules with a duration, and per-stage sections for canary analysis. Pure.
import { TollgateError } from '../errors.ts';

export interface Sample {
  /** Milliseconds since the epoch. */
  at: number;
  value: number;
}

export interface StageMetrics {
  metrics: Record<string, number>;
  samples: Record<string, Sample[]>;
}

export interface MetricsDocument {
  /** Top-level `metrics`/`samples`: any stage without a section of its own. */
  all: StageMetrics;
  stages: Record<string, StageMetrics>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(where: string, field: string, message: string): never {
  throw new TollgateError(`${where}: ${field} ${message}`, {
    field,
    fix: 'print {"metrics": {"error_rate": 0.01}, "samples": {"drift_score": [["2026-12-06T09:00:00Z", 0.85]]}} (see docs/monitoring.md)',
  });
}

function timeOf(where: string, field: string, raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw * 1000;
  if (typeof raw === 'string') {
    const ms = Date.parse(raw);
    if (!Number.isNaN(ms) && /Z$|[+-]\d\d:\d\d$/.test(raw)) return ms;
  }
  return fail(
    where,
    field,
    `has time ${JSON.stringify(raw)}: give unix seconds or an ISO-8601 time with a zone`,
  );
}

function stageSection(where: string, prefix: string, raw: Record<string, unknown>): StageMetrics {
  const metrics: Record<string, number> = {};
  const samples: Record<string, Sample[]> = {};
  if (raw.metrics !== undefined) {
    if (!isObject(raw.metrics))
      fail(where, `${prefix}metrics`, 'must be an object of metric names to numbers');
    for (const [name, value] of Object.entries(raw.metrics)) {
      if (typeof value !== 'number' || !Number.isFinite(value))
        fail(where, `${prefix}metrics.${name}`, `is ${JSON.stringify(value)}, not a finite number`);
      metrics[name] = value;
    }
  }
  if (raw.samples !== undefined) {
    if (!isObject(raw.samples))
      fail(where, `${prefix}samples`, 'must be an object of metric names to [time, value] lists');
    for (const [name, list] of Object.entries(raw.samples)) {
      const field = `${prefix}samples.${name}`;
      if (!Array.isArray(list)) fail(where, field, 'must be a list of [time, value] pairs');
      samples[name] = list
        .map((pair, i) => {
          if (!Array.isArray(pair) || pair.length !== 2)
            fail(where, `${field}[${i}]`, 'must be a [time, value] pair');
          const value = pair[1];
          if (typeof value !== 'number' || !Number.isFinite(value))
            fail(where, `${field}[${i}]`, `has value ${JSON.stringify(value)}, not a finite number`);
          return { at: timeOf(where, `${field}[${i}]`, pair[0]), value };
        })
        .sort((a, b) => a.at - b.at);
      // The latest sample is the current value when `metrics` does not give one.
      const last = samples[name].at(-1);
      if (last && metrics[name] === undefined) metrics[name] = last.value;
    }
  }
  return { metrics, samples };
}

/** Parses the metrics JSON; `where` names the file or command in messages. */
export function parseMetricsDocument(text: string, where: string): MetricsDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new TollgateError(`${where}: not JSON: ${(error as Error).message}`, {
      fix: 'print one JSON object, e.g. {"metrics": {"error_rate": 0.01}} (see docs/monitoring.md)',
    });
  }
  if (!isObject(raw)) fail(where, 'the document', 'must be a JSON object');
  const stages: Record<string, StageMetrics> = {};
  if (raw.stages !== undefined) {
    if (!isObject(raw.stages)) fail(where, 'stages', 'must be an object of stage names to sections');
    for (const [stage, section] of Object.entries(raw.stages)) {
      if (!isObject(section)) fail(where, `stages.${stage}`, 'must be an object with metrics and samples');
      stages[stage] = stageSection(where, `stages.${stage}.`, section);
    }
  }
  return { all: stageSection(where, '', raw), stages };
}

/** The section for `stage`: its own, else the top level. */
export const stageOf = (doc: MetricsDocument, stage: string): StageMetrics => doc.stages[stage] ?? doc.all;
