// `tollgate schedule set-interval MODEL DURATION`: how often the model is retrained.
import { TollgateError } from '../../errors.ts';
import { formatDuration, parseDuration, setScheduleInterval } from '../../scheduler/schedule.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { runScheduleChange } from './schedule-change.ts';
import { SET_INTERVAL, USAGE } from './schedule-options.ts';

export async function setIntervalCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(SET_INTERVAL, args);
  if (positionals.length !== 2) {
    throw new TollgateError('schedule set-interval needs a model and a duration', {
      kind: 'usage',
      fix: USAGE,
    });
  }
  const seconds = parseDuration(positionals[1]!);
  return runScheduleChange(context, positionals[0], values.by, values['dry-run'], {
    event: 'schedule-interval',
    summary: (next) => `Retrain ${next.model} every ${formatDuration(seconds)}`,
    apply: (schedule, now) => setScheduleInterval(schedule, seconds, now),
  });
}
