// The messages each notification channel takes, in its own format. Pure: the incident, what happened to it, and
// the severity matrix's row come in as data; src/incident/notify.ts sends them.
//   slack      an incoming webhook: `text` (the fallback shown in notifications) and Block Kit `blocks`
//   pagerduty  Events API v2: trigger / acknowledge / resolve, `dedup_key` = the incident id, so every later event
//              of the incident lands on the same PagerDuty alert
//   webhook    a generic JSON POST: Slack-compatible `text` plus the event and the incident's fields
import type { RoleMembers, Severity, Incident } from '../registry/types.ts';

/** What happened to the incident that the channels announce. */
/** `updated` (a rollback verified, a note) goes to the GitHub issue only, as a comment. */
export type IncidentNotice = 'opened' | 'acknowledged' | 'escalated' | 'resolved' | 'updated';

export interface NoticeContext {
  /** A link to the run, the issue or the record. */
  link?: string;
  /** The severity matrix's escalation list for the incident's severity, role members resolved. */
  escalate: string[];
  /** When a response is due (detected_at + respond_within), ISO-8601. */
  respondBy?: string;
}

export const PAGERDUTY_ENQUEUE_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's four severities for Tollgate's five. */
export const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  P0: 'critical',
  P1: 'error',
  P2: 'warning',
  P3: 'warning',
  P4: 'info',
};

const VERB: Record<IncidentNotice, string> = {
  opened: 'opened',
  acknowledged: 'acknowledged',
  escalated: 'escalated',
  resolved: 'resolved',
  updated: 'updated',
};

/** `on-call (@alice, @org/sre)`: a role of the policy with its members, or the name as given. */
export function escalationNames(escalate: string[], roles: Record<string, RoleMembers>): string[] {
  return escalate.map((name) => {
    const role = Object.prototype.hasOwnProperty.call(roles, name) ? roles[name] : undefined;
    const members = [...(role?.users ?? []), ...(role?.teams ?? [])].map((m) => `@${m}`);
    return members.length > 0 ? `${name} (${members.join(', ')})` : name;
  });
}

/** The plain-text lines every channel shares: severity, models, alert, metrics, rollback, escalation. */
export function noticeLines(incident: Incident, notice: IncidentNotice, context: NoticeContext): string[] {
  const rollback = incident.timeline
    .filter((e) => e.event.startsWith('rollback-') || e.event === 'note')
    .map((e) => `• ${e.event}: ${e.detail ?? ''}`);
  return [
    `*${incident.severity}* ${incident.id}: ${incident.title}${notice === 'opened' ? '' : ` (${VERB[notice]})`}`,
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
    ...(notice !== 'resolved' && notice !== 'acknowledged' && context.escalate.length > 0
      ? [`Escalation: ${context.escalate.join(', ')}`]
      : []),
    ...(notice !== 'resolved' && notice !== 'acknowledged' && context.respondBy && !incident.acknowledged_at
      ? [`Acknowledge by ${context.respondBy}: tollgate incident ack ${incident.id}`]
      : []),
    ...(context.link ? [context.link] : []),
  ];
}

/** A Slack incoming-webhook message: `text` for notifications, Block Kit blocks for the channel. */
export function slackMessage(
  incident: Incident,
  notice: IncidentNotice,
  context: NoticeContext,
): { text: string; blocks: object[] } {
  const lines = noticeLines(incident, notice, context);
  const [headline, ...rest] = lines;
  const header = `${incident.severity} ${incident.id} ${VERB[notice]}`.slice(0, 150);
  return {
    text: lines.join('\n'),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header, emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: headline!.slice(0, 3000) } },
      ...(rest.length > 0
        ? [{ type: 'section', text: { type: 'mrkdwn', text: rest.join('\n').slice(0, 3000) } }]
        : []),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `Tollgate · detected ${incident.detected_at}` }],
      },
    ],
  };
}

/** A PagerDuty Events API v2 event; acknowledge and resolve carry only the routing and dedup keys. */
export function pagerDutyEvent(
  incident: Incident,
  notice: IncidentNotice,
  routingKey: string,
  context: NoticeContext,
): Record<string, unknown> {
  const action = notice === 'acknowledged' ? 'acknowledge' : notice === 'resolved' ? 'resolve' : 'trigger';
  const event: Record<string, unknown> = {
    routing_key: routingKey,
    event_action: action,
    dedup_key: incident.id,
  };
  if (action !== 'trigger') return event;
  return {
    ...event,
    payload: {
      summary: `${incident.severity} ${incident.id}: ${incident.title}`.slice(0, 1024),
      source: incident.models.join(', '),
      severity: PAGERDUTY_SEVERITY[incident.severity],
      timestamp: incident.detected_at,
      component: incident.models[0],
      group: 'tollgate',
      class: incident.alert ?? 'model incident',
      custom_details: {
        incident: incident.id,
        severity: incident.severity,
        models: incident.models,
        metrics: incident.metrics,
        escalate: context.escalate,
        ...(context.respondBy ? { respond_by: context.respondBy } : {}),
        ...(notice === 'escalated' ? { escalated: true } : {}),
      },
    },
    client: 'Tollgate',
    ...(context.link
      ? { client_url: context.link, links: [{ href: context.link, text: 'Tollgate run' }] }
      : {}),
  };
}

/** The generic webhook's JSON: the Slack-compatible text, what happened, and the incident's fields. */
export function webhookMessage(
  incident: Incident,
  notice: IncidentNotice,
  context: NoticeContext,
): Record<string, unknown> {
  return {
    text: noticeLines(incident, notice, context).join('\n'),
    event: `incident-${notice}`,
    incident: {
      id: incident.id,
      severity: incident.severity,
      status: incident.status,
      title: incident.title,
      models: incident.models,
      metrics: incident.metrics,
      detected_at: incident.detected_at,
      ...(incident.acknowledged_at ? { acknowledged_at: incident.acknowledged_at } : {}),
      ...(incident.resolved_at ? { resolved_at: incident.resolved_at } : {}),
      ...(incident.rollback ? { rollback: incident.rollback } : {}),
    },
    escalate: context.escalate,
    ...(context.respondBy ? { respond_by: context.respondBy } : {}),
  };
}
