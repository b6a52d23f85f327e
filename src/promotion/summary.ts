// The promote action's job summary: the refusal with its fix, or the pull request (opened, updated, or what a
// dry run would open) with its requester, labels, reviewers and body.
import type { PromoteOutcome } from './flow.ts';

export function promoteSummary(result: PromoteOutcome, now: Date): string {
  const lines = ['## Tollgate promote', ''];
  if (result.status === 'refused') {
    lines.push(`**Refused:** ${result.reason}`, '', `Fix: ${result.fix}`, '');
  } else {
    const { plan } = result;
    const reviewers = [
      ...plan.pullRequest.reviewers.users.map((u) => `@${u}`),
      ...plan.pullRequest.reviewers.teams.map((t) => `@${t}`),
    ];
    if (result.status === 'proposed' && result.pullRequest) {
      const pr = result.pullRequest;
      lines.push(
        `${pr.created ? 'Opened' : 'Updated'} [#${pr.number}](${pr.url}) from \`${result.branch}\` (commit \`${result.commit.slice(0, 12)}\`).`,
      );
    } else if (result.status === 'proposed') {
      lines.push(
        `Committed \`${result.commit.slice(0, 12)}\` on \`${result.branch}\`; no pull request was opened.`,
      );
    } else {
      lines.push(`Dry run: nothing was written. The pull request it would open from \`${plan.branch}\`:`);
    }
    lines.push(
      '',
      `- **${plan.subject}**, requested by @${plan.requestedBy}`,
      `- labels: ${plan.pullRequest.labels.map((l) => `\`${l}\``).join(', ')}`,
      `- reviewers ${result.status === 'proposed' ? 'requested' : 'to request'}: ${reviewers.join(', ') || '(none)'}`,
      ...result.prepared.notes.map((note) => `- note: ${note}`),
      '',
      '---',
      '',
      plan.pullRequest.body,
    );
  }
  lines.push(`<sub>Checked at ${now.toISOString()}</sub>`, '');
  return lines.join('\n');
}
