// The rollback action's job summary: the move, how it was made (revert or forward fix) and where it went.
import type { RollbackResult } from './flow.ts';

export function rollbackSummary(model: string, stage: string, result: RollbackResult): string {
  const { outcome } = result;
  const lines = ['## Tollgate rollback', ''];
  if (outcome.mode === 'already-done') {
    lines.push(
      `${model} ${stage} already points at \`${outcome.target}\`: this incident's rollback ` +
        `\`${outcome.commit.slice(0, 12)}\` is the newest change of the stage. Nothing more to do.`,
    );
  } else {
    const { plan } = outcome;
    lines.push(`**${model}** \`${stage}\`: \`${plan.current ?? '(none)'}\` → \`${plan.target}\``, '');
    if (outcome.mode === 'dry-run') {
      lines.push(
        `Dry run: would revert ${plan.commitsToRevert.length} commit(s) and ` +
          (outcome.emergency ? 'push directly (emergency).' : 'open a pull request.'),
      );
    } else {
      const how =
        outcome.result.mode === 'revert'
          ? `reverted ${outcome.result.reverted.length} commit(s)`
          : `wrote the pointer forward (${outcome.result.forwardFixReason})`;
      lines.push(`Commit \`${outcome.commit.slice(0, 12)}\` ${how}.`);
      if (outcome.mode === 'pushed')
        lines.push('', 'Pushed directly to the default branch (emergency push).');
      if (outcome.mode === 'committed') lines.push('', 'Committed on the checkout; nothing was pushed.');
      if (outcome.mode === 'pull-request') {
        lines.push(
          '',
          outcome.pullRequest
            ? `Pull request [#${outcome.pullRequest.number}](${outcome.pullRequest.url}) ` +
                `${outcome.pullRequest.created ? 'opened' : 'updated'} on \`${outcome.branch}\`; ` +
                'the sign-off gate applies the rollback rule.'
            : `Committed on branch \`${outcome.branch}\`; no pull request was opened.`,
        );
      }
      if (outcome.result.held) lines.push('', `Marked ${model} ${outcome.result.held} held.`);
    }
  }
  for (const note of result.notes) lines.push('', `> ${note}`);
  return `${lines.join('\n')}\n`;
}
