// The retrain action's job summary: what happened, the pull request, and the version's metrics and gates.
import { stateMergeNote } from '../publish/state.ts';
import type { RetrainOutcome } from './flow.ts';
import { formatMetric } from './record.ts';

export function retrainSummary(outcome: RetrainOutcome): string {
  const lines = [`## Tollgate retrain: \`${outcome.model}\``, ''];
  const pr = outcome.pullRequest
    ? `[#${outcome.pullRequest.number}](${outcome.pullRequest.url})${outcome.pullRequest.created ? '' : ' (updated)'}`
    : undefined;
  switch (outcome.status) {
    case 'dry-run': {
      const p = outcome.plan!;
      lines.push(
        `**Dry run:** nothing was run or written. Would record \`${p.version}\` from request \`${p.request.id}\`` +
          ` on \`${p.branch}\`.`,
        '',
        `Command: \`${p.command.join(' ')}\` (timeout ${p.timeout}s)`,
        '',
        'Files it would write:',
        '',
        ...p.files.map((f) => `- \`${f}\``),
      );
      break;
    }
    case 'refused':
      lines.push(`**Refused:** ${outcome.error?.message ?? ''}`);
      break;
    case 'failed':
      lines.push(
        `**Training failed**; request \`${outcome.request?.id}\` is recorded as failed` +
          (outcome.pushed
            ? ` in ${outcome.commit?.slice(0, 12)} on \`${outcome.branch}\`.`
            : pr
              ? ` in ${pr}${stateMergeNote(outcome.stateMerge)}.`
              : '.'),
        '',
        '```text',
        outcome.error?.message ?? '',
        '```',
      );
      break;
    case 'completed': {
      const v = outcome.version!;
      lines.push(
        `Recorded \`${v.id}\` from request \`${outcome.request?.id}\`${pr ? ` in ${pr}` : ''}: validation ` +
          `**${v.validation.passed ? 'passed' : 'failed'}**.`,
        '',
        '| metric | value |',
        '| --- | ---: |',
        ...Object.entries(v.metrics).map(([k, value]) => `| ${k} | ${formatMetric(value)} |`),
      );
      break;
    }
  }
  return `${lines.join('\n')}\n`;
}
