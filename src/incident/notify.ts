// Incident notifications through the severity matrix's channels (channels.ts has their formats). They run after
// the rollback and never throw: each channel's outcome becomes a timeline entry, so a dead webhook is visible in
// the record and never blocks a rollback. A channel whose secret is not set is skipped without an entry.
import type { EffectivePolicy } from '../policy/effective.ts';
import { isReservedEnvName } from '../registry/env-names.ts';
import type { Incident, NotificationChannel, TimelineEntry } from '../registry/types.ts';
import {
  escalationNames,
  pagerDutyEvent,
  PAGERDUTY_ENQUEUE_URL,
  slackMessage,
  webhookMessage,
  type IncidentNotice,
  type NoticeContext,
} from './channels.ts';

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
  body: object = notificationPayload(incident, deps.link),
  label = '',
): Promise<TimelineEntry> {
  const send = deps.fetch ?? globalThis.fetch;
  const where = origin(url);
  const suffix = label ? ` (${label})` : '';
  try {
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(deps.timeoutMs ?? 5000),
    });
    if (!response.ok) {
      return {
        at: iso(deps.now()),
        event: 'notification-failed',
        detail: `${where} answered ${response.status}${suffix}`,
      };
    }
    return { at: iso(deps.now()), event: 'notified', detail: `posted to ${where}${suffix}` };
  } catch (error) {
    return {
      at: iso(deps.now()),
      event: 'notification-failed',
      detail: `${where}: ${(error as Error).message.split('\n')[0]}${suffix}`,
    };
  }
}

/** Where an incident is announced; each call returns the timeline entries saying how it went. Never throws. */
export interface IncidentNotifier {
  notify(incident: Incident, notice?: IncidentNotice): Promise<TimelineEntry[]>;
}

/** The GitHub issue channel (src/incident/issue.ts); absent without GitHub, where the record is all there is. */
export interface IssueChannel {
  announce(incident: Incident, notice: IncidentNotice, context: NoticeContext): Promise<TimelineEntry>;
}

export interface ChannelDeps {
  /** Where the secrets are: the environment variables the channels name. */
  env: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  now: () => Date;
  link?: string;
  timeoutMs?: number;
  issues?: IssueChannel;
}

const secret = (channel: NotificationChannel, env: NodeJS.ProcessEnv, key: 'url_env' | 'routing_key_env') => {
  const name = channel[key];
  const value = name === undefined ? undefined : env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
};

/**
 * The severity matrix's notifier: the incident's severity names its channels; each is sent in its own format.
 * The built-in `webhook` channel falls back to the policy's notify_webhook.
 */
export function channelNotifier(policy: EffectivePolicy, deps: ChannelDeps): IncidentNotifier {
  return {
    async notify(incident, notice = 'opened') {
      const level = policy.incident.response[incident.severity];
      const context: NoticeContext = {
        escalate: escalationNames(level.escalate, policy.roles),
        respondBy: new Date(Date.parse(incident.detected_at) + level.respondWithin * 1000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        ...(deps.link ? { link: deps.link } : {}),
      };
      const entries: TimelineEntry[] = [];
      for (const name of level.channels) {
        const channel = Object.prototype.hasOwnProperty.call(policy.incident.channels, name)
          ? policy.incident.channels[name]
          : undefined;
        if (channel === undefined) {
          entries.push({
            at: iso(deps.now()),
            event: 'notification-failed',
            detail: `no channel "${name}" in the policy's incident.channels`,
          });
          continue;
        }
        const label = channel.type === 'webhook' ? '' : `${name} ${notice}`;
        if (channel.type === 'github-issue') {
          if (deps.issues) entries.push(await deps.issues.announce(incident, notice, context));
          continue;
        }
        if (notice === 'updated') continue;
        // INPUT_TOKEN and the like hold this job's own credentials: never sent, whatever the policy says.
        const reserved = [channel.url_env, channel.routing_key_env].find(
          (n) => n !== undefined && isReservedEnvName(n),
        );
        if (reserved !== undefined) {
          entries.push({
            at: iso(deps.now()),
            event: 'notification-failed',
            detail:
              `channel "${name}" names $${reserved}, a variable the runner or the action sets (it may hold this ` +
              "job's token), not a secret of yours: not sent; fix: name your own variable in registry/policy.yaml",
          });
          continue;
        }
        if (channel.type === 'pagerduty') {
          const key = secret(channel, deps.env, 'routing_key_env');
          if (key === undefined) continue;
          const body = pagerDutyEvent(incident, notice, key, context);
          entries.push(
            await notifyIncident(channel.url ?? PAGERDUTY_ENQUEUE_URL, incident, deps, body, label),
          );
          continue;
        }
        const url =
          channel.url ??
          secret(channel, deps.env, 'url_env') ??
          (name === 'webhook' ? policy.incident.notifyWebhook : undefined);
        if (url === undefined) continue;
        const body =
          channel.type === 'slack'
            ? slackMessage(incident, notice, context)
            : webhookMessage(incident, notice, context);
        entries.push(await notifyIncident(url, incident, deps, body, label));
      }
      return entries;
    },
  };
}
