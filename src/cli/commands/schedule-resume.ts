// `tollgate schedule resume MODEL`: lift a pause.
import { TollgateError } from '../../errors.ts';
import { resume } from '../../scheduler/schedule.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { runScheduleChange } from './schedule-change.ts';
import { RESUME, USAGE } from './schedule-options.ts';

export async function resumeCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(RESUME, args);
  if (positionals.length !== 1)
    throw new TollgateError('schedule resume needs exactly one model', { kind: 'usage', fix: USAGE });
  return runScheduleChange(context, positionals[0], values.by, values['dry-run'], {
    event: 'schedule-resume',
    summary: (next) => `Resume the retrain schedule of ${next.model}`,
    apply: (schedule, now, by) => resume(schedule, now, by),
  });
}
