// The severity matrix's channels against msw handlers that accept only what Slack's incoming webhooks and
// PagerDuty's Events API v2 accept, and answer as they do.
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PAGERDUTY_ENQUEUE_URL } from '../../src/incident/channels.ts';
import { channelNotifier } from '../../src/incident/notify.ts';
import { openIncident, resolveIncident } from '../../src/incident/record.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';
import type { Incident, Policy } from '../../src/registry/types.ts';

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXX';
const HOOK = 'https://hooks.example.com/tollgate';
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';
const ENV = {
  TOLLGATE_SLACK_WEBHOOK: SLACK,
  TOLLGATE_PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
  TOLLGATE_NOTIFY_WEBHOOK: HOOK,
};
const NOW = new Date('2026-11-07T07:00:00Z');
const later = () => new Date('2026-11-07T07:00:05Z');

interface Seen {
  channel: 'slack' | 'pagerduty' | 'webhook';
  body: Record<string, unknown>;
}
let seen: Seen[] = [];
let pagerDutyDown = false;

/** Slack: `text` or `blocks`; blocks of known types within Slack's limits; else 400 invalid_blocks. */
function slackProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof body.text !== 'string' || body.text === '') problems.push('text');
  const blocks = body.blocks as {
    type: string;
    text?: { type: string; text: string };
    elements?: unknown[];
  }[];
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > 50) problems.push('blocks');
  for (const block of blocks ?? []) {
    if (!['header', 'section', 'context', 'divider', 'actions'].includes(block.type))
      problems.push(block.type);
    if (block.type === 'header' && (block.text?.type !== 'plain_text' || block.text.text.length > 150))
      problems.push('header');
    if (block.type === 'section' && (block.text?.type !== 'mrkdwn' || block.text.text.length > 3000))
      problems.push('section');
    if (block.type === 'context' && (!Array.isArray(block.elements) || block.elements.length === 0))
      problems.push('context');
  }
  return problems;
}

/** PagerDuty Events API v2: the fields it requires, with its enums and length limits. */
function pagerDutyProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof body.routing_key !== 'string' || body.routing_key.length !== 32) problems.push('routing_key');
  if (!['trigger', 'acknowledge', 'resolve'].includes(String(body.event_action)))
    problems.push('event_action');
  if (body.event_action !== 'trigger' && typeof body.dedup_key !== 'string') problems.push('dedup_key');
  if (typeof body.dedup_key === 'string' && body.dedup_key.length > 255) problems.push('dedup_key length');
  if (body.event_action === 'trigger') {
    const p = body.payload as Record<string, unknown> | undefined;
    if (!p) problems.push('payload');
    else {
      if (typeof p.summary !== 'string' || p.summary.length > 1024) problems.push('payload.summary');
      if (typeof p.source !== 'string' || p.source === '') problems.push('payload.source');
      if (!['critical', 'error', 'warning', 'info'].includes(String(p.severity)))
        problems.push('payload.severity');
      if (p.timestamp !== undefined && Number.isNaN(Date.parse(String(p.timestamp))))
        problems.push('timestamp');
    }
  }
  return problems;
}

const server = setupServer(
  http.post('https://hooks.slack.com/services/*', async ({ request }) => {
    const body = (await request.json()) as Record<string, unknown>;
    seen.push({ channel: 'slack', body });
    return slackProblems(body).length
      ? new HttpResponse('invalid_blocks', { status: 400 })
      : new HttpResponse('ok');
  }),
  http.post(PAGERDUTY_ENQUEUE_URL, async ({ request }) => {
    const body = (await request.json()) as Record<string, unknown>;
    seen.push({ channel: 'pagerduty', body });
    if (pagerDutyDown) return HttpResponse.json({ status: 'unavailable' }, { status: 503 });
    const errors = pagerDutyProblems(body);
    if (errors.length)
      return HttpResponse.json(
        { status: 'invalid event', message: 'Event object is invalid', errors },
        { status: 400 },
      );
    return HttpResponse.json(
      { status: 'success', message: 'Event processed', dedup_key: body.dedup_key },
      { status: 202 },
    );
  }),
  http.post(`${HOOK}*`, async ({ request }) => {
    seen.push({ channel: 'webhook', body: (await request.json()) as Record<string, unknown> });
    return new HttpResponse(null, { status: 204 });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  seen = [];
  pagerDutyDown = false;
});
afterAll(() => server.close());

const roles = { 'on-call': { users: ['alice'] }, 'ml-lead': { teams: ['acme/ml'] } };
const policyOf = (incident: Policy['incident'] = {}) =>
  effectivePolicy({ apiVersion: 'tollgate/v1', kind: 'Policy', roles, incident });
const incident = (metrics: Record<string, number>): Incident =>
  openIncident({
    models: ['fraud'],
    metrics,
    now: NOW,
    id: 'INC-20261107-070000-ab12',
    policy: policyOf(),
    alert: 'HighErrorRate',
  });

describe('channelNotifier', () => {
  it('announces a P0 on PagerDuty (critical, deduplicated by incident id), Slack and the webhook', async () => {
    const entries = await channelNotifier(policyOf(), {
      env: ENV,
      now: later,
      link: 'https://ci/run/1',
    }).notify(incident({ error_rate: 0.7 }));
    expect(entries.map((e) => [e.event, e.detail])).toEqual([
      ['notified', 'posted to https://events.pagerduty.com (pagerduty opened)'],
      ['notified', 'posted to https://hooks.slack.com (slack opened)'],
      ['notified', 'posted to https://hooks.example.com'],
    ]);
    const pd = seen.find((s) => s.channel === 'pagerduty')!.body;
    expect(pd).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'INC-20261107-070000-ab12',
      payload: { severity: 'critical', source: 'fraud', timestamp: '2026-11-07T07:00:00Z' },
      links: [{ href: 'https://ci/run/1', text: 'Tollgate run' }],
    });
    const slack = seen.find((s) => s.channel === 'slack')!.body as {
      text: string;
      blocks: { type: string }[];
    };
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    // The escalation names the roles' members; the response is due 5 minutes after detection.
    expect(slack.text).toContain('Escalation: on-call (@alice), ml-lead (@acme/ml), cto');
    expect(slack.text).toContain(
      'Acknowledge by 2026-11-07T07:05:00Z: tollgate incident ack INC-20261107-070000-ab12',
    );
    const hook = seen.find((s) => s.channel === 'webhook')!.body;
    expect(hook).toMatchObject({
      event: 'incident-opened',
      incident: { id: 'INC-20261107-070000-ab12', severity: 'P0' },
    });
  });

  it.each([
    ['acknowledged', 'acknowledge'],
    ['resolved', 'resolve'],
  ] as const)('sends PagerDuty %s as %s with the same dedup key and nothing else', async (notice, action) => {
    const inc =
      notice === 'resolved'
        ? resolveIncident(incident({ error_rate: 0.7 }), later())
        : incident({ error_rate: 0.7 });
    await channelNotifier(policyOf(), { env: ENV, now: later }).notify(inc, notice);
    expect(seen.find((s) => s.channel === 'pagerduty')!.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: action,
      dedup_key: 'INC-20261107-070000-ab12',
    });
  });

  it.each([
    [{ error_rate: 0.2 }, 'P1', ['pagerduty', 'slack', 'webhook'], 'error'],
    [{ error_rate: 0.07 }, 'P2', ['slack', 'webhook'], undefined],
    [{ accuracy_drop: 0.06 }, 'P3', ['slack', 'webhook'], undefined],
    [{}, 'P4', ['webhook'], undefined],
  ])(
    'follows the default matrix: %o is %s, announced on %o',
    async (metrics, severity, channels, pdSeverity) => {
      const inc = incident(metrics);
      expect(inc.severity).toBe(severity);
      await channelNotifier(policyOf(), { env: ENV, now: later }).notify(inc);
      expect(seen.map((s) => s.channel)).toEqual(channels);
      if (pdSeverity) expect((seen[0]!.body.payload as { severity: string }).severity).toBe(pdSeverity);
    },
  );

  it('records a failing channel and still sends the others', async () => {
    pagerDutyDown = true;
    const entries = await channelNotifier(policyOf(), { env: ENV, now: later }).notify(
      incident({ error_rate: 0.7 }),
    );
    expect(entries.map((e) => e.event)).toEqual(['notification-failed', 'notified', 'notified']);
    expect(entries[0]!.detail).toBe('https://events.pagerduty.com answered 503 (pagerduty opened)');
  });

  it('skips channels whose secret is not set, without an entry', async () => {
    expect(
      await channelNotifier(policyOf(), { env: {}, now: later }).notify(incident({ error_rate: 0.7 })),
    ).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("takes the policy's own matrix row and channels; an unknown channel is a recorded failure", async () => {
    const policy = policyOf({
      response: { P3: { respond_within: 600, escalate: ['ml-lead'], channels: ['ops', 'nowhere'] } },
      channels: { ops: { type: 'webhook', url_env: 'OPS_HOOK' } },
    });
    const entries = await channelNotifier(policy, { env: { OPS_HOOK: `${HOOK}/ops` }, now: later }).notify(
      incident({ accuracy_drop: 0.06 }),
    );
    expect(entries.map((e) => [e.event, e.detail])).toEqual([
      ['notified', 'posted to https://hooks.example.com'],
      ['notification-failed', 'no channel "nowhere" in the policy\'s incident.channels'],
    ]);
    expect(seen[0]!.body).toMatchObject({
      escalate: ['ml-lead (@acme/ml)'],
      respond_by: '2026-11-07T07:10:00Z',
    });
  });
});
