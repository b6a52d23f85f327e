// The incident action's job summary: the record's timeline as a table and where the record went. Pure.
import { stateMergeNote } from '../publish/state.ts';
import type { OpenIncidentResult } from './open-context.ts';

const cell = (value: string): string => value.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function incidentSummary(result: OpenIncidentResult, dryRun: boolean): string {
  const { incident } = result;
  const lines = [
    `## Tollgate incident ${incident.id}${dryRun ? ' (dry run: nothing written)' : ''}`,
    '',
    `**${incident.severity}** on ${incident.models.join(', ')}: ${incident.timeline[1]?.detail ?? ''}`,
    '',
    '| time | event | detail |',
    '| --- | --- | --- |',
    ...incident.timeline.map(
      (e) =>
        `| ${e.at} | ${e.event}${e.duration !== undefined ? ` (+${e.duration} s)` : ''} | ${cell(e.detail ?? '')} |`,
    ),
    '',
  ];
  const verified = result.rollbacks.filter((r) => r.verification);
  if (verified.length > 0)
    lines.push(
      '### Rollback verification',
      '',
      ...verified.flatMap((r) => r.verification!.summary.map((line) => `- ${line}`)),
      '',
    );
  if (result.record.mode === 'pull-request')
    lines.push(
      `Record proposed in pull request #${result.record.pullRequest}${stateMergeNote(result.record.merge)}.`,
    );
  if (result.record.mode === 'pushed') lines.push(`Record pushed in ${result.record.commit?.slice(0, 12)}.`);
  if (result.record.mode === 'committed')
    lines.push(`Record committed locally in ${result.record.commit?.slice(0, 12)}.`);
  return `${lines.join('\n')}\n`;
}
