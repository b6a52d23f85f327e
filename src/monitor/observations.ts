// What the monitor's observe job hands its record job (templates/workflows/tollgate-monitor.yml). A metrics command
// is repository code, so it runs only in the observe job, which holds no App token and no write token; the record
// job holds the App token and never runs a repository command: it judges the commands' captured output with its own
// checkout's rules. The capture is untrusted input (the command could have rewritten it): it is bounded in size,
// refused when stale or dated in the future, and each output is parsed exactly as the command's own output would
// be, so it can say nothing the command could not have printed anyway. Pure.
import { TollgateError } from '../errors.ts';
import { jsonSource } from './json-source.ts';
import { parseMetricsDocument } from './metrics-json.ts';
import { MetricsSourceError, type MetricsScope, type MetricsSource } from './source.ts';

export const OBSERVATIONS_SCHEMA = 'tollgate/monitor-observations/v1';
/** The largest observations file the record job reads. */
export const MAX_OBSERVATIONS_BYTES = 16 * 1024 * 1024;
/** Characters of an observe job's failure message the record job repeats. */
export const MAX_FAILURE_TEXT = 2000;
/** Seconds after which observations are too old to judge (a re-run of an old record job). */
export const MAX_OBSERVATION_AGE = 30 * 60;

/** One run of a model's metrics command: for which scope and window, and what it printed. */
export interface CommandCapture {
  scope: MetricsScope;
  window: number;
  output: string;
}

export interface Observations {
  schema: typeof OBSERVATIONS_SCHEMA;
  observed_at: string;
  models: { model: string; captures: CommandCapture[] }[];
  /** Models whose command failed in the observe job, with why. */
  failures: { model: string; error: string }[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(why: string): never {
  throw new MetricsSourceError(`the observe job's observations are not usable: ${why}`, {
    fix: 're-run the monitor workflow; both jobs must run the same Tollgate version on the same commit',
  });
}

const text = (v: unknown, field: string): string =>
  typeof v === 'string' ? v : invalid(`${field} is not a string`);

function captureOf(raw: unknown, field: string): CommandCapture {
  if (!isObject(raw) || !isObject(raw.scope)) invalid(`${field} is not a capture`);
  const window = raw.window;
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 0)
    invalid(`${field}.window is not a whole number of seconds`);
  const version = raw.scope.version;
  return {
    scope: {
      model: text(raw.scope.model, `${field}.scope.model`),
      stage: text(raw.scope.stage, `${field}.scope.stage`),
      ...(version !== undefined ? { version: text(version, `${field}.scope.version`) } : {}),
    },
    window,
    output: text(raw.output, `${field}.output`),
  };
}

/** Reads and checks the observe job's file; `now` is the record job's clock. */
export function parseObservations(input: string, now: Date): Observations {
  if (input.length > MAX_OBSERVATIONS_BYTES) invalid(`larger than ${MAX_OBSERVATIONS_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(input);
  } catch (error) {
    invalid(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(raw) || raw.schema !== OBSERVATIONS_SCHEMA) invalid(`not a ${OBSERVATIONS_SCHEMA} document`);
  const at = Date.parse(text(raw.observed_at, 'observed_at'));
  if (Number.isNaN(at)) invalid('observed_at is not a time');
  const age = (now.getTime() - at) / 1000;
  if (age < -60) invalid(`observed_at ${String(raw.observed_at)} is in the future`);
  if (age > MAX_OBSERVATION_AGE)
    invalid(`observed ${Math.round(age)}s ago, more than ${MAX_OBSERVATION_AGE}s: too old to judge`);
  if (!Array.isArray(raw.models) || !Array.isArray(raw.failures)) invalid('models or failures is not a list');
  return {
    schema: OBSERVATIONS_SCHEMA,
    observed_at: new Date(at).toISOString(),
    models: raw.models.map((m: unknown, i) => {
      if (!isObject(m) || !Array.isArray(m.captures)) invalid(`models[${i}] is not a model's captures`);
      return {
        model: text(m.model, `models[${i}].model`),
        captures: m.captures.map((c: unknown, j) => captureOf(c, `models[${i}].captures[${j}]`)),
      };
    }),
    failures: raw.failures.map((f: unknown, i) => {
      if (!isObject(f)) invalid(`failures[${i}] is not a failure`);
      // Shown in the job summary and the job's error: bounded, as anything the command could write.
      const error = text(f.error, `failures[${i}].error`).slice(0, MAX_FAILURE_TEXT);
      return { model: text(f.model, `failures[${i}].model`), error };
    }),
  };
}

const sameScope = (a: MetricsScope, b: MetricsScope) =>
  a.model === b.model && a.stage === b.stage && (a.version ?? '') === (b.version ?? '');

/**
 * A MetricsSource answering from a model's captured command output, as of when it was observed: the record job's
 * rules ask the same questions the observe job's did, on the same commit, so each finds its capture. A question
 * without one is an error, never a command run.
 */
export function replaySource(label: string, captures: CommandCapture[], observedAt: Date): MetricsSource {
  const inner = jsonSource(label, async (scope, _now, window) => {
    const capture = captures.find((c) => c.window === window && sameScope(c.scope, scope));
    if (!capture)
      throw new TollgateError(
        `the observe job captured no output of ${label} for ${scope.model} ${scope.stage}` +
          `${scope.version ? ` ${scope.version}` : ''} over ${window}s`,
        { fix: 're-run the monitor workflow; both jobs must run on the same commit' },
      );
    return parseMetricsDocument(capture.output, `${label} (run in the observe job)`);
  });
  return {
    label: `${label} (run in the observe job at ${observedAt.toISOString()})`,
    instant: (metrics, scope) => inner.instant(metrics, scope, observedAt),
    range: (metric, scope, _now, seconds, step) => inner.range(metric, scope, observedAt, seconds, step),
    overWindow: (metric, stat, scope, _now, seconds) =>
      inner.overWindow(metric, stat, scope, observedAt, seconds),
  };
}
