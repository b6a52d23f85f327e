// `tollgate schedule reset MODEL --reason TEXT`: the runbook's mark-executed, once the cause of the failures is fixed.
import { TollgateError } from '../../errors.ts';
import { resetFailures } from '../../scheduler/schedule.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { runScheduleChange } from './schedule-change.ts';
import { RESET, USAGE } from './schedule-options.ts';

export async function resetCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(RESET, args);
  if (positionals.length !== 1)
    throw new TollgateError('schedule reset needs exactly one model', { kind: 'usage', fix: USAGE });
  if (!values.reason?.trim())
    throw new TollgateError('schedule reset needs --reason: what was fixed', {
      fix: '--reason "feature feed restored"',
    });
  const reason = values.reason;
  return runScheduleChange(context, positionals[0], values.by, values['dry-run'], {
    event: 'schedule-reset',
    summary: (next) =>
      `Reset the failure streak (${next.last_reset?.failure_streak ?? 0}) and cooldown of ${next.model}: ${next.last_reset?.reason ?? reason}`,
    apply: (schedule, now, by) => resetFailures(schedule, now, { by, reason }),
  });
}
