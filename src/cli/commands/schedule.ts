// `tollgate schedule status|pause|resume|reset|set-interval`: read and change a model's retrain schedule on a local
// checkout. status is here; each change is its own file (schedule-pause.ts …) over src/scheduler/change-flow.ts:
// one schedule.yaml written by the registry writer and one commit with trailers.
import { TollgateError } from '../../errors.ts';
import { formatDuration, isoTime } from '../../scheduler/schedule.ts';
import { scheduleStatusFlow } from '../../scheduler/status.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { formatOption } from './registry-prefix.ts';
import { setIntervalCommand } from './schedule-interval.ts';
import { SCHEDULE, STATUS, USAGE } from './schedule-options.ts';
import { pauseCommand } from './schedule-pause.ts';
import { resetCommand } from './schedule-reset.ts';
import { resumeCommand } from './schedule-resume.ts';

async function status(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(STATUS, args);
  const format = formatOption(values.format, 'schedule status');
  if (positionals.length > 1)
    throw new TollgateError('schedule status takes at most one model', { kind: 'usage', fix: USAGE });
  const now = context.now();
  const rows = await scheduleStatusFlow(context.registryDir, positionals[0], now);
  if (format === 'json') {
    context.out(JSON.stringify({ now: isoTime(now), models: rows }, null, 2));
    return 0;
  }
  if (rows.length === 0) {
    context.out('no scheduled models');
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.model.length));
  const lines = [`at ${isoTime(now)}:`];
  for (const row of rows) {
    const every = row.interval ? `every ${formatDuration(row.interval)}` : '';
    const active = row.active_request ? `; retrain ${row.active_request} is active` : '';
    lines.push(
      `  ${row.model.padEnd(width)}  ${row.state.padEnd(12)}  ${every.padEnd(10)}  ${row.reason}${active}`,
    );
  }
  context.out(lines.join('\n'));
  return 0;
}

const SUBCOMMANDS: Record<string, (args: string[], context: CliContext) => Promise<number>> = {
  status,
  pause: pauseCommand,
  resume: resumeCommand,
  reset: resetCommand,
  'set-interval': setIntervalCommand,
};

export const scheduleCommand: Command = {
  ...SCHEDULE,
  async run(args, context) {
    const [sub, ...rest] = args;
    const handler = sub === undefined ? status : SUBCOMMANDS[sub];
    if (!handler) throw new TollgateError(`unknown schedule command "${sub}"`, { kind: 'usage', fix: USAGE });
    return handler(rest, context);
  },
};
