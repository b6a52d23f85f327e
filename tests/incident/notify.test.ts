import { describe, expect, it } from 'vitest';
import { notificationPayload, notifyIncident } from '../../src/incident/notify.ts';
import { openIncident } from '../../src/incident/record.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';

const now = new Date('2026-11-07T07:00:00Z');
const incident = openIncident({
  models: ['fraud'],
  metrics: { error_rate: 0.7 },
  alert: 'HighErrorRate',
  now,
  id: 'INC-20261107-070000-ab12',
  policy: effectivePolicy(undefined),
});
const URL_WITH_SECRET = 'https://hooks.example.com/services/T000/B000/secret';
const later = () => new Date('2026-11-07T07:00:05Z');

describe('notificationPayload', () => {
  it('is Slack-compatible JSON naming severity, id, models, alert and metrics', () => {
    const { text } = notificationPayload(incident, 'https://github.com/o/r/actions/runs/1');
    expect(text.split('\n')).toEqual([
      '*P0* INC-20261107-070000-ab12: P0 on fraud: HighErrorRate',
      'Models: fraud',
      'Alert: HighErrorRate',
      'Metrics: error_rate=0.7',
      'https://github.com/o/r/actions/runs/1',
    ]);
  });
});

describe('notifyIncident', () => {
  it('POSTs the payload as JSON and records `notified` without the secret part of the URL', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const entry = await notifyIncident(URL_WITH_SECRET, incident, {
      now: later,
      fetch: async (url, init) => {
        seen.push({ url: String(url), init: init! });
        return new Response('ok', { status: 200 });
      },
    });
    expect(entry).toEqual({
      at: '2026-11-07T07:00:05Z',
      event: 'notified',
      detail: 'posted to https://hooks.example.com',
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe(URL_WITH_SECRET);
    expect(seen[0]!.init.method).toBe('POST');
    expect(JSON.parse(String(seen[0]!.init.body))).toEqual(notificationPayload(incident));
  });

  it('records an HTTP error, a network error and an invalid URL as notification-failed, never throwing', async () => {
    const status = await notifyIncident(URL_WITH_SECRET, incident, {
      now: later,
      fetch: async () => new Response('no', { status: 500 }),
    });
    expect(status).toMatchObject({
      event: 'notification-failed',
      detail: 'https://hooks.example.com answered 500',
    });
    const network = await notifyIncident(URL_WITH_SECRET, incident, {
      now: later,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    expect(network).toMatchObject({
      event: 'notification-failed',
      detail: 'https://hooks.example.com: fetch failed',
    });
    expect(JSON.stringify([status, network])).not.toContain('secret');
    const invalid = await notifyIncident('not a url', incident, { now: later });
    expect(invalid).toMatchObject({ event: 'notification-failed' });
    expect(invalid.detail).toMatch(/^an invalid URL: /);
  });
});
