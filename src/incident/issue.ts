// The GitHub issue channel: one issue per incident, labelled with the model and the severity, holding the
// classification, the metrics and the actions taken; later events are comments, and resolving closes it. Without
// GitHub (a local run) there is no issue: the record is all there is.
import { describeError } from '../errors.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { commentOnIssue, findMarkedIssue, setIssueState, upsertMarkedIssue } from '../github/issues.ts';
import type { Incident, TimelineEntry } from '../registry/types.ts';
import type { IncidentNotice, NoticeContext } from './channels.ts';
import type { IssueChannel } from './notify.ts';

export const INCIDENT_ISSUE_LABEL = 'tollgate:incident';
export const incidentLabels = (incident: Incident): string[] => [
  INCIDENT_ISSUE_LABEL,
  `severity:${incident.severity}`,
  ...incident.models.map((m) => `model:${m}`),
];

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const cell = (value: string): string => value.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The issue's body: the record's facts, its classification, metrics and actions (its timeline). Pure. */
export function incidentIssueBody(incident: Incident, context: NoticeContext): string {
  const metrics = Object.entries(incident.metrics);
  return [
    `**${incident.severity}** incident on ${incident.models.map((m) => `\`${m}\``).join(', ')}, detected ${incident.detected_at}.`,
    '',
    `- Status: ${incident.status}${incident.resolved_at ? ` (resolved ${incident.resolved_at})` : ''}`,
    `- Classification: ${incident.timeline.find((e) => e.event === 'classified')?.detail ?? incident.severity}`,
    ...(incident.alert ? [`- Alert: ${incident.alert}`] : []),
    ...(incident.description ? [`- Description: ${incident.description}`] : []),
    ...(context.escalate.length ? [`- Escalation: ${context.escalate.join(', ')}`] : []),
    ...(context.respondBy && !incident.acknowledged_at
      ? [`- Acknowledge by ${context.respondBy}: \`tollgate incident ack ${incident.id}\``]
      : []),
    ...(incident.acknowledged_at
      ? [`- Acknowledged: ${incident.acknowledged_at} by ${incident.acknowledged_by ?? 'someone'}`]
      : []),
    ...(incident.rollback
      ? [
          `- Rollback: ${incident.rollback.model} ${incident.rollback.stage} ${incident.rollback.from} -> ${incident.rollback.to}`,
        ]
      : []),
    '',
    '### Metrics',
    '',
    ...(metrics.length
      ? ['| metric | value |', '| --- | --- |', ...metrics.map(([k, v]) => `| ${cell(k)} | ${v} |`)]
      : ['None given.']),
    '',
    '### Actions',
    '',
    '| time (UTC) | event | detail |',
    '| --- | --- | --- |',
    ...incident.timeline.map((e) => `| ${e.at} | ${e.event} | ${cell(e.detail ?? '')} |`),
    '',
    ...(context.link ? [`Run: ${context.link}`, ''] : []),
    `The record: \`registry/incidents/${incident.id}.yaml\`.`,
    '',
  ].join('\n');
}

/** The comment for an event after the opening: the timeline entries since the last acknowledgement/escalation. */
function noticeComment(incident: Incident, notice: IncidentNotice): string {
  const headline: Record<IncidentNotice, string> = {
    opened: 'Updated',
    acknowledged: `Acknowledged by ${incident.acknowledged_by ?? 'someone'}`,
    escalated: `Escalated to **${incident.severity}**`,
    resolved: 'Resolved',
    updated: 'Update',
  };
  const last = incident.timeline.at(-1);
  return [
    `${headline[notice]}: ${last ? `${last.event}${last.detail ? ` — ${last.detail}` : ''}` : ''}`,
  ].join('\n');
}

/** The issue channel over a GitHub client: the entry says what happened to the issue, or why it failed. */
export function githubIssueChannel(client: GitHubClient, repo: RepoRef, now: () => Date): IssueChannel {
  return {
    async announce(incident, notice, context): Promise<TimelineEntry> {
      const key = `incident:${incident.id}`;
      try {
        const labels = incidentLabels(incident);
        const findBy = [INCIDENT_ISSUE_LABEL];
        if (notice === 'opened' || notice === 'escalated') {
          const issue = await upsertMarkedIssue(client, repo, key, {
            title: `[${incident.severity}] ${incident.id}: ${incident.title}`,
            body: incidentIssueBody(incident, context),
            labels,
            findBy,
          });
          if (notice === 'escalated')
            await commentOnIssue(client, repo, issue.number, noticeComment(incident, notice));
          return {
            at: iso(now()),
            event: 'notified',
            detail: `issue #${issue.number} ${issue.created ? 'opened' : 'updated'} (github-issue ${notice})`,
          };
        }
        const issue = await findMarkedIssue(client, repo, key, findBy);
        if (!issue) {
          return {
            at: iso(now()),
            event: 'notification-failed',
            detail: `no issue for ${incident.id} (github-issue ${notice})`,
          };
        }
        await commentOnIssue(client, repo, issue.number, noticeComment(incident, notice));
        if (notice === 'resolved')
          await setIssueState(client, repo, issue.number, { state: 'closed', labels });
        return {
          at: iso(now()),
          event: 'notified',
          detail: `issue #${issue.number} ${notice === 'resolved' ? 'closed' : 'commented'} (github-issue ${notice})`,
        };
      } catch (error) {
        return {
          at: iso(now()),
          event: 'notification-failed',
          detail: `GitHub issue: ${describeError(error).split('\n')[0]} (github-issue ${notice})`,
        };
      }
    },
  };
}
