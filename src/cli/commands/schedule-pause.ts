// `tollgate schedule pause MODEL [--for DURATION | --until TIME] --reason TEXT`: neither bound pauses until resumed.
import { TollgateError } from '../../errors.ts';
import { parseDuration, pause } from '../../scheduler/schedule.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { runScheduleChange } from './schedule-change.ts';
import { PAUSE, USAGE } from './schedule-options.ts';

export async function pauseCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(PAUSE, args);
  if (positionals.length !== 1)
    throw new TollgateError('schedule pause needs exactly one model', { kind: 'usage', fix: USAGE });
  // Neither --for nor --until: paused until `tollgate schedule resume`.
  if (values.for !== undefined && values.until !== undefined) {
    throw new TollgateError('schedule pause takes --for DURATION or --until TIME, not both', {
      kind: 'usage',
      fix: 'e.g. --for 2h, or --until 2026-12-01T09:00:00Z, or neither to pause until resumed',
    });
  }
  if (!values.reason?.trim())
    throw new TollgateError('schedule pause needs --reason', { fix: '--reason "data migration"' });
  const duration = values.for !== undefined ? parseDuration(values.for) : undefined;
  let until: Date | undefined;
  if (values.until !== undefined) {
    until = new Date(values.until);
    if (Number.isNaN(until.getTime()) || !/\d{4}-\d{2}-\d{2}/.test(values.until)) {
      throw new TollgateError(`--until ${values.until} is not a time`, {
        kind: 'usage',
        fix: 'give an ISO-8601 time, e.g. 2026-12-01T09:00:00Z',
      });
    }
  }
  const reason = values.reason;
  return runScheduleChange(context, positionals[0], values.by, values['dry-run'], {
    event: 'schedule-pause',
    summary: (next) =>
      `Pause the retrain schedule of ${next.model} until ${next.paused_until ?? 'resumed'}: ${next.paused_reason}`,
    apply: (schedule, now, by) =>
      pause(
        schedule,
        { reason, by, ...(duration !== undefined ? { duration } : {}), ...(until ? { until } : {}) },
        now,
      ),
  });
}
