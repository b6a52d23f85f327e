// A MetricsSource over the Prometheus HTTP API (/api/v1/query, /api/v1/query_range). One PromQL query per metric,
// each returning one series; windows are evaluated by Prometheus itself (min_over_time over a subquery).
import { isReservedEnvName } from '../registry/env-names.ts';
import type { MetricsSourceSpec } from '../registry/types.ts';
import type { Sample } from './metrics-json.ts';
import { expandScope, MetricsSourceError, type MetricsScope, type MetricsSource } from './source.ts';
import type { WindowStat, WindowStatKind } from './window.ts';

interface PromResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: {
    resultType: 'vector' | 'matrix' | 'scalar' | 'string';
    result: unknown;
  };
}

type PromSeries = { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] };

export interface PrometheusOptions {
  env: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  /** Resolution of window subqueries in seconds. Default 60. */
  step?: number;
}

const seconds = (d: Date): string => (d.getTime() / 1000).toFixed(3);

export function prometheusSource(spec: MetricsSourceSpec, options: PrometheusOptions): MetricsSource {
  const base = (spec.url ?? '').replace(/\/+$/, '');
  const queries = spec.queries ?? {};
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = (spec.timeout ?? 30) * 1000;
  const defaultStep = options.step ?? 60;
  const label = `prometheus ${base}`;

  const headers = (): Record<string, string> => {
    if (!spec.bearer_token_env) return {};
    // INPUT_TOKEN is the App token in the monitor job: never sent to the URL the registry names.
    if (isReservedEnvName(spec.bearer_token_env))
      throw new MetricsSourceError(
        `the metrics source's bearer_token_env names $${spec.bearer_token_env}, a variable the runner or the action ` +
          "sets (it may hold this job's token), not a secret of yours: not sent",
        {
          fix: 'name your own variable (e.g. PROMETHEUS_TOKEN) in model.yaml monitoring.source.bearer_token_env',
        },
      );
    const token = options.env[spec.bearer_token_env];
    if (!token)
      throw new MetricsSourceError(
        `the metrics source needs a bearer token in $${spec.bearer_token_env}, which is not set`,
        {
          fix: `set ${spec.bearer_token_env} in the environment (an Actions secret), never in the registry`,
        },
      );
    return { authorization: `Bearer ${token}` };
  };

  const queryFor = (metric: string, scope: MetricsScope): string => {
    const query = Object.prototype.hasOwnProperty.call(queries, metric) ? queries[metric] : undefined;
    if (query === undefined)
      throw new MetricsSourceError(`the prometheus source of ${scope.model} has no query for ${metric}`, {
        field: `monitoring.source.queries.${metric}`,
        fix: `add queries: { ${metric}: "<PromQL>" } to the source`,
      });
    return expandScope(query, scope);
  };

  async function call(path: string, params: Record<string, string>): Promise<PromResponse['data']> {
    const url = `${base}${path}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers() },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof MetricsSourceError) throw error;
      throw new MetricsSourceError(`cannot reach ${url}: ${(error as Error).message}`, {
        fix: 'check monitoring.source.url and that Prometheus is up',
      });
    }
    const text = await response.text();
    let body: PromResponse | undefined;
    try {
      body = JSON.parse(text) as PromResponse;
    } catch {
      body = undefined;
    }
    if (!response.ok || body?.status !== 'success') {
      const why = body?.error
        ? `${body.errorType ?? 'error'}: ${body.error}`
        : `HTTP ${response.status} ${text.slice(0, 200)}`;
      throw new MetricsSourceError(`${url} refused query ${JSON.stringify(params.query)}: ${why}`, {
        fix:
          response.status === 401 || response.status === 403
            ? `check the token in $${spec.bearer_token_env ?? '(no bearer_token_env set)'}`
            : 'try the query in the Prometheus UI; each must return exactly one series',
      });
    }
    return body.data;
  }

  /** One number from an instant query; undefined when it returns no series. */
  async function one(query: string, now: Date): Promise<number | undefined> {
    const data = await call('/api/v1/query', { query, time: seconds(now) });
    if (data?.resultType === 'scalar') return Number((data.result as [number, string])[1]);
    const series = (data?.result ?? []) as PromSeries[];
    if (series.length === 0) return undefined;
    if (series.length > 1)
      throw new MetricsSourceError(
        `query ${JSON.stringify(query)} returns ${series.length} series, not one`,
        {
          fix: 'aggregate it, e.g. max(...) or sum(...), or narrow its labels',
        },
      );
    const value = Number(series[0]!.value![1]);
    return Number.isNaN(value) ? undefined : value;
  }

  return {
    label,
    async instant(metrics, scope, now) {
      const out: Record<string, number> = {};
      for (const metric of metrics) {
        const value = await one(queryFor(metric, scope), now);
        if (value !== undefined) out[metric] = value;
      }
      return out;
    },
    async range(metric, scope, now, windowSeconds, step) {
      const query = queryFor(metric, scope);
      const data = await call('/api/v1/query_range', {
        query,
        start: seconds(new Date(now.getTime() - windowSeconds * 1000)),
        end: seconds(now),
        step: String(step),
      });
      const series = (data?.result ?? []) as PromSeries[];
      if (series.length > 1)
        throw new MetricsSourceError(
          `query ${JSON.stringify(query)} returns ${series.length} series, not one`,
          {
            fix: 'aggregate it, e.g. max(...) or sum(...)',
          },
        );
      return (series[0]?.values ?? []).map(([t, v]): Sample => ({ at: t * 1000, value: Number(v) }));
    },
    async overWindow(
      metric,
      stat: WindowStatKind,
      scope,
      now,
      windowSeconds,
    ): Promise<WindowStat | undefined> {
      const query = queryFor(metric, scope);
      const step = Math.max(1, Math.min(defaultStep, windowSeconds));
      // A subquery evaluates the query every `step` over the window; the aggregate is Prometheus's own.
      const sub = `(${query})[${windowSeconds}s:${step}s]`;
      const value = await one(`${stat}_over_time(${sub})`, now);
      if (value === undefined) return undefined;
      const count = (await one(`count_over_time(${sub})`, now)) ?? 0;
      const first = await one(`min_over_time(timestamp(${query})[${windowSeconds}s:${step}s])`, now);
      const covered = first === undefined ? 0 : Math.round(now.getTime() / 1000 - first);
      return { value, samples: count, covered };
    },
  };
}
