// The Prometheus metrics source against a real Prometheus over a fixture history (tests/monitor/prometheus-server.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusSource } from '../../src/monitor/prometheus.ts';
import { MetricsSourceError } from '../../src/monitor/source.ts';
import { ensurePrometheus, startPrometheus, type PrometheusServer } from './prometheus-server.ts';

const available = ensurePrometheus('the Prometheus source tests');
let server: PrometheusServer;

const queries = {
  drift_score: 'max(model_drift_score{model="${model}"})',
  error_rate: 'max(model_error_rate{model="${model}",stage="${stage}"})',
  split: 'model_error_rate{model="${model}"}',
};

beforeAll(async () => {
  if (!available) return;
  server = await startPrometheus([
    // Above 0.8 for the last 20 minutes.
    { name: 'model_drift_score', labels: { model: 'fraud' }, value: (ago) => (ago <= 1200 ? 0.91 : 0.4) },
    // Above 0.8 for the last 10 minutes only.
    { name: 'model_drift_score', labels: { model: 'churn' }, value: (ago) => (ago <= 600 ? 0.95 : 0.3) },
    { name: 'model_error_rate', labels: { model: 'fraud', stage: 'production' }, value: () => 0.012 },
    {
      name: 'model_error_rate',
      labels: { model: 'fraud', stage: 'canary' },
      value: (ago) => (ago < 300 ? 0.05 : 0.03),
    },
  ]);
}, 60_000);
afterAll(async () => server?.stop());

const at = () => new Date(server.now);

describe.skipIf(!available)('prometheus source', () => {
  it('reads the latest value of each metric with an instant query, per model and stage', async () => {
    const source = prometheusSource({ kind: 'prometheus', url: server.url, queries }, { env: {} });
    expect(await source.instant(['drift_score'], { model: 'fraud', stage: 'production' }, at())).toEqual({
      drift_score: 0.91,
    });
    expect(await source.instant(['error_rate'], { model: 'fraud', stage: 'production' }, at())).toEqual({
      error_rate: 0.012,
    });
    // No data for that model: absent, not zero.
    expect(await source.instant(['error_rate'], { model: 'nobody', stage: 'production' }, at())).toEqual({});
  });

  it('evaluates "for 15 minutes" in PromQL: the minimum over the window, and how much of it has data', async () => {
    const source = prometheusSource({ kind: 'prometheus', url: server.url, queries }, { env: {} });
    const fraud = await source.overWindow(
      'drift_score',
      'min',
      { model: 'fraud', stage: 'production' },
      at(),
      900,
    );
    expect(fraud?.value).toBe(0.91);
    expect(fraud?.covered).toBeGreaterThanOrEqual(840);
    const churn = await source.overWindow(
      'drift_score',
      'min',
      { model: 'churn', stage: 'production' },
      at(),
      900,
    );
    expect(churn?.value).toBe(0.3);
    const churnMax = await source.overWindow(
      'drift_score',
      'max',
      { model: 'churn', stage: 'production' },
      at(),
      900,
    );
    expect(churnMax?.value).toBe(0.95);
  });

  it('reads a window of samples with query_range', async () => {
    const source = prometheusSource({ kind: 'prometheus', url: server.url, queries }, { env: {} });
    const samples = await source.range(
      'drift_score',
      { model: 'churn', stage: 'production' },
      at(),
      1800,
      60,
    );
    expect(samples.length).toBeGreaterThanOrEqual(30);
    expect(samples.at(-1)?.value).toBe(0.95);
    expect(samples[0]?.value).toBe(0.3);
    const avg = await source.overWindow('error_rate', 'avg', { model: 'fraud', stage: 'canary' }, at(), 900);
    expect(avg!.value).toBeGreaterThan(0.03);
    expect(avg!.value).toBeLessThan(0.05);
  });

  it('refuses a query that returns several series, and says how to fix it', async () => {
    const source = prometheusSource({ kind: 'prometheus', url: server.url, queries }, { env: {} });
    await expect(source.instant(['split'], { model: 'fraud', stage: 'production' }, at())).rejects.toThrow(
      /returns 2 series, not one/,
    );
  });

  it('reports a bad PromQL query with the server’s own error', async () => {
    const source = prometheusSource(
      { kind: 'prometheus', url: server.url, queries: { bad: 'sum(' } },
      { env: {} },
    );
    await expect(source.instant(['bad'], { model: 'fraud', stage: 'production' }, at())).rejects.toThrow(
      /bad_data/,
    );
  });

  it('sends the bearer token from the environment variable the registry names, and fails clearly without it', async () => {
    const seen: (string | null)[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      return fetch(input, init);
    };
    const spec = { kind: 'prometheus' as const, url: server.url, queries, bearer_token_env: 'PROM_TOKEN' };
    const source = prometheusSource(spec, { env: { PROM_TOKEN: 's3cret' }, fetch: spy });
    await source.instant(['drift_score'], { model: 'fraud', stage: 'production' }, at());
    expect(seen).toEqual(['Bearer s3cret']);
    const without = prometheusSource(spec, { env: {} });
    const error = await without
      .instant(['drift_score'], { model: 'fraud', stage: 'production' }, at())
      .catch((e) => e);
    expect(error).toBeInstanceOf(MetricsSourceError);
    expect(String(error.message)).toContain('$PROM_TOKEN');
    expect(String(error.message)).not.toContain('s3cret');
  });

  it('says the server is unreachable, naming the URL', async () => {
    const source = prometheusSource(
      { kind: 'prometheus', url: 'http://127.0.0.1:9', queries, timeout: 2 },
      { env: {} },
    );
    await expect(
      source.instant(['drift_score'], { model: 'fraud', stage: 'production' }, at()),
    ).rejects.toThrow(/cannot reach http:\/\/127.0.0.1:9/);
  });
});
