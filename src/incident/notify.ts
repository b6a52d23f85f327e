// The incident notification: one Slack-compatible JSON POST (`{"text": ...}`, which Slack, Mattermost, Teams
// workflows and most chat webhooks accept). It runs after the rollback and never throws: its outcome becomes a
// timeline entry, so a dead webhook is visible in the record and never blocks a rollback.
import type { Incident, TimelineEntry } from '../registry/types.ts';

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The message body: severity, models, alert, what the timeline says happened to the rollback. Pure. */
export function notificationPayload(incident: Incident, link?: string): { text: string } {
  const rollback = incident.timeline
    .filter((e) => e.event.startsWith('rollback-') || e.event === 'note')
    .map((e) => `• ${e.event}: ${e.detail ?? ''}`);
  const lines = [
    `*${incident.severity}* ${incident.id}: ${incident.title}`,
    `Models: ${incident.models.join(', ')}`,
    ...(incident.alert ? [`Alert: ${incident.alert}`] : []),
    ...(Object.keys(incident.metrics).length
      ? [
          `Metrics: ${Object.entries(incident.metrics)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`,
        ]
      : []),
    ...rollback,
    ...(link ? [link] : []),
  ];
  return { text: lines.join('\n') };
}

/** Only the origin: webhook URLs carry their secret in the path, and the record is public to the repository. */
const origin = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
};

/**
 * POSTs the notification and returns the timeline entry saying how it went (`notified` or
 * `notification-failed`). Never throws; gives up after `timeoutMs` (default 5 s).
 */
export async function notifyIncident(
  url: string,
  incident: Incident,
  deps: { fetch?: typeof globalThis.fetch; now: () => Date; link?: string; timeoutMs?: number },
): Promise<TimelineEntry> {
  const send = deps.fetch ?? globalThis.fetch;
  const where = origin(url);
  try {
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notificationPayload(incident, deps.link)),
      signal: AbortSignal.timeout(deps.timeoutMs ?? 5000),
    });
    if (!response.ok) {
      return {
        at: iso(deps.now()),
        event: 'notification-failed',
        detail: `${where} answered ${response.status}`,
      };
    }
    return { at: iso(deps.now()), event: 'notified', detail: `posted to ${where}` };
  } catch (error) {
    return {
      at: iso(deps.now()),
      event: 'notification-failed',
      detail: `${where}: ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

/** Where an incident is announced; each call returns the timeline entries saying how it went. Never throws. */
export interface IncidentNotifier {
  notify(incident: Incident): Promise<TimelineEntry[]>;
}

/** The single-webhook notifier: one POST of notificationPayload to `url`. */
export function webhookNotifier(
  url: string,
  deps: { fetch?: typeof globalThis.fetch; now: () => Date; link?: string; timeoutMs?: number },
): IncidentNotifier {
  return { notify: async (incident) => [await notifyIncident(url, incident, deps)] };
}
