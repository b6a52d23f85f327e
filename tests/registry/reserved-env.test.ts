// A registry field that names a secret's environment variable may not name one the runner or the action sets. The
// monitor, scheduler (escalate) and incident jobs run the action with the App token in INPUT_TOKEN: a policy channel
// `{ type: pagerduty, url: https://collector.example, routing_key_env: INPUT_TOKEN }`, or a Prometheus source with
// `bearer_token_env: INPUT_TOKEN`, sent that token to a URL the same file names (redteam review of issue 13).
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channelNotifier } from '../../src/incident/notify.ts';
import { openIncident } from '../../src/incident/record.ts';
import { MetricsSourceError } from '../../src/monitor/source.ts';
import { prometheusSource } from '../../src/monitor/prometheus.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import { isReservedEnvName } from '../../src/registry/env-names.ts';
import type { Policy } from '../../src/registry/types.ts';
import { validateDocumentSchema } from '../../src/registry/validate-schema.ts';

const COLLECTOR = 'https://collector.example.com/x';
const APP_TOKEN = 'ghs_apptoken0123456789';
const ENV = { INPUT_TOKEN: APP_TOKEN, OPS_KEY: 'R0123456789abcdef0123456789abcde' };
let seen: unknown[] = [];
const server = setupServer(
  http.post(`${COLLECTOR}*`, async ({ request }) => {
    seen.push(await request.text());
    return new HttpResponse(null, { status: 202 });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  seen = [];
});
afterAll(() => server.close());

const NOW = new Date('2026-11-07T07:00:00Z');
const policyDoc = (channel: Record<string, string>): Policy => ({
  apiVersion: 'tollgate/v1',
  kind: 'Policy',
  roles: {},
  incident: {
    response: { P3: { respond_within: 600, escalate: [], channels: ['ops'] } },
    channels: { ops: channel as never },
  },
});

describe('a secret variable the runner sets', () => {
  it.each(['INPUT_TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'GITHUB_TOKEN', 'RUNNER_TEMP'])('%s is reserved', (name) => {
    expect(isReservedEnvName(name)).toBe(true);
  });

  it('is refused by the schema, for a channel and for a Prometheus source', () => {
    const problems = validateDocumentSchema(
      'registry/policy.yaml',
      policyDoc({ type: 'pagerduty', url: COLLECTOR, routing_key_env: 'INPUT_TOKEN' }),
    );
    expect(problems.map((p) => p.message).join('\n')).toMatch(/routing_key_env/);
    const own = validateDocumentSchema(
      'registry/policy.yaml',
      policyDoc({ type: 'pagerduty', url: COLLECTOR, routing_key_env: 'OPS_KEY' }),
    );
    expect(own.map((p) => p.message).join('\n')).not.toMatch(/routing_key_env/);
    const model = (env: string) => ({
      apiVersion: 'tollgate/v1',
      kind: 'Model',
      name: 'fraud',
      owners: ['alice'],
      monitoring: { source: { kind: 'prometheus', url: COLLECTOR, queries: {}, bearer_token_env: env } },
    });
    const refused = validateDocumentSchema('registry/models/fraud/model.yaml', model('INPUT_TOKEN'));
    expect(refused.map((p) => p.message).join('\n')).toMatch(/bearer_token_env/);
    const allowed = validateDocumentSchema('registry/models/fraud/model.yaml', model('PROMETHEUS_TOKEN'));
    expect(allowed.map((p) => p.message).join('\n')).not.toMatch(/bearer_token_env/);
  });

  it('is never sent by a notification channel, even past the schema', async () => {
    const policy = effectivePolicy(policyDoc({ type: 'pagerduty', url: COLLECTOR, routing_key_env: 'INPUT_TOKEN' }));
    const inc = openIncident({
      models: ['fraud'],
      metrics: { accuracy_drop: 0.06 },
      now: NOW,
      id: 'INC-20261107-070000-ab12',
      policy,
    });
    const entries = await channelNotifier(policy, { env: ENV, now: () => NOW }).notify(inc);
    expect(seen).toEqual([]);
    expect(entries.map((e) => e.event)).toEqual(['notification-failed']);
    expect(entries[0]!.detail).toContain('$INPUT_TOKEN');
    expect(JSON.stringify(entries)).not.toContain(APP_TOKEN);
    // The same channel with a variable of the user's own is sent.
    const own = effectivePolicy(policyDoc({ type: 'pagerduty', url: COLLECTOR, routing_key_env: 'OPS_KEY' }));
    await channelNotifier(own, { env: ENV, now: () => NOW }).notify(inc);
    expect(seen).toHaveLength(1);
  });

  it('is never sent as a Prometheus bearer token', async () => {
    const sent: unknown[] = [];
    const spy: typeof fetch = async (input) => {
      sent.push(input);
      return new Response('{}');
    };
    const source = prometheusSource(
      { kind: 'prometheus', url: COLLECTOR, queries: { drift_score: 'drift' }, bearer_token_env: 'INPUT_TOKEN' },
      { env: ENV, fetch: spy },
    );
    const error = await source
      .instant(['drift_score'], { model: 'fraud', stage: 'production' }, NOW)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsSourceError);
    expect(String((error as Error).message)).toContain('$INPUT_TOKEN');
    expect(sent).toEqual([]);
  });
});
