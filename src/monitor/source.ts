// The metrics port: where a model's live metrics come from. Flows (monitor, canary analysis, rollback
// verification) take a MetricsSource; `metricsSourceFor` builds one from the model's or the policy's `monitoring.source`.
import { TollgateError } from '../errors.ts';
import type { MetricsSourceSpec } from '../registry/types.ts';
import type { Sample } from './metrics-json.ts';
import type { WindowStat, WindowStatKind } from './window.ts';

/** Which series: the model, the stage (production, canary ...) and the version serving there. */
export interface MetricsScope {
  model: string;
  stage: string;
  version?: string;
}

export interface MetricsSource {
  /** Shown in messages and summaries, e.g. "prometheus http://prom:9090". */
  readonly label: string;
  /** The latest value of each metric at `now`; a metric without data is absent. */
  instant(metrics: string[], scope: MetricsScope, now: Date): Promise<Record<string, number>>;
  /** The samples of one metric over [now - seconds, now], `step` seconds apart where the source resamples. */
  range(metric: string, scope: MetricsScope, now: Date, seconds: number, step: number): Promise<Sample[]>;
  /** min / max / mean of one metric over [now - seconds, now]; undefined without data. */
  overWindow(
    metric: string,
    stat: WindowStatKind,
    scope: MetricsScope,
    now: Date,
    seconds: number,
  ): Promise<WindowStat | undefined>;
}

/** A source that could not be read (unreachable server, failing command, missing credential): exit code 3. */
export class MetricsSourceError extends TollgateError {}

/** `${model}`, `${stage}` and `${version}` in a query, argument or path, replaced by the scope's values. */
export function expandScope(text: string, scope: MetricsScope): string {
  return text.replace(/\$\{(model|stage|version)\}/g, (_, key: 'model' | 'stage' | 'version') => {
    const value = scope[key];
    if (value === undefined)
      throw new TollgateError(`"${text}" uses \${${key}}, but no ${key} is known here`, {
        fix: `the stage ${scope.stage} of ${scope.model} serves no version; point it at one first`,
      });
    return value;
  });
}

/** The source a model's metrics come from: model.yaml's monitoring.source, else the policy's. */
export function sourceSpecFor(
  model: { name: string; monitoring?: { source?: MetricsSourceSpec } },
  policySource: MetricsSourceSpec | undefined,
): MetricsSourceSpec {
  const spec = model.monitoring?.source ?? policySource;
  if (!spec)
    throw new TollgateError(`model ${model.name} names no metrics source`, {
      file: `models/${model.name}/model.yaml`,
      field: 'monitoring.source',
      fix: 'add monitoring: { source: { kind: prometheus, url: ..., queries: {...} } } to model.yaml or policy.yaml (docs/monitoring.md)',
    });
  return spec;
}

/** Checks that a spec has the fields its kind needs; the schema allows every field on every kind. */
export function assertSourceSpec(spec: MetricsSourceSpec, where: string): void {
  const need = (field: keyof MetricsSourceSpec, example: string) => {
    if (spec[field] === undefined)
      throw new TollgateError(`a ${spec.kind} metrics source needs ${field}`, {
        file: where,
        field: `monitoring.source.${field}`,
        fix: `add ${field}: ${example}`,
      });
  };
  if (spec.kind === 'prometheus') {
    need('url', 'http://prometheus:9090');
    need('queries', '{ error_rate: "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))" }');
  } else if (spec.kind === 'command') need('command', '[node, scripts/metrics.ts]');
  else need('path', 'metrics/live.json');
}
