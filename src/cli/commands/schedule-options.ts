// The `tollgate schedule` commands' option tables and usage, declared once (src/cli/spec.ts); each subcommand's face
// is its own file: schedule.ts (status and the group), schedule-pause.ts, schedule-resume.ts, schedule-reset.ts,
// schedule-interval.ts.
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

export const USAGE = [
  'tollgate schedule status [MODEL] [--format json]',
  'tollgate schedule pause MODEL [--for 2h | --until TIME] --reason TEXT [--by LOGIN] [--dry-run]  (neither: until resumed)',
  'tollgate schedule reset MODEL --reason TEXT [--by LOGIN] [--dry-run]  (clears the failure streak and cooldown)',
  'tollgate schedule resume MODEL [--by LOGIN] [--dry-run]',
  'tollgate schedule set-interval MODEL DURATION [--by LOGIN] [--dry-run]',
].join('\n');

const BY = {
  by: {
    type: 'string',
    value: 'LOGIN',
    description: 'who changes it (default: TOLLGATE_ACTOR, GITHUB_ACTOR, USER)',
  },
} as const;

export const STATUS = commandSpec({
  name: 'schedule status',
  summary: 'each scheduled model: due, waiting, paused, cooling down or disabled, and why',
  args: '[MODEL]',
  positionals: [0, 1],
  options: { ...FORMAT_OPTION },
  examples: [
    ['tollgate schedule status', 'every scheduled model'],
    ['tollgate schedule status fraud-detector --format json', 'one model, as JSON'],
  ],
});

export const PAUSE = commandSpec({
  name: 'schedule pause',
  summary: 'pause a model’s retrain schedule for a while, until a time, or until resumed',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: {
    ...BY,
    for: {
      type: 'string',
      value: 'DURATION',
      description: 'pause this long (2h, 3d); neither: until resumed',
    },
    until: { type: 'string', value: 'TIME', description: 'pause until this time; neither: until resumed' },
    reason: { type: 'string', value: 'TEXT', required: true, description: 'why, recorded in schedule.yaml' },
  },
  examples: [
    ['tollgate schedule pause fraud-detector --for 2d --reason "data migration"', 'no retrains for two days'],
    ['tollgate schedule pause fraud-detector --until 2026-12-01T09:00:00Z --reason freeze', 'until a time'],
    ['tollgate schedule pause fraud-detector --reason "feed broken"', 'until `tollgate schedule resume`'],
  ],
});

export const RESET = commandSpec({
  name: 'schedule reset',
  summary: 'clear the failure streak and cooldown once the cause is fixed (the runbook’s mark-executed)',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: {
    ...BY,
    reason: { type: 'string', value: 'TEXT', required: true, description: 'what was fixed, recorded' },
  },
  examples: [
    ['tollgate schedule reset fraud-detector --reason "feature feed restored"', 'retrain when due again'],
  ],
});

export const RESUME = commandSpec({
  name: 'schedule resume',
  summary: 'resume a paused schedule',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: { ...BY },
  examples: [['tollgate schedule resume fraud-detector', 'retrain again when due']],
});

export const SET_INTERVAL = commandSpec({
  name: 'schedule set-interval',
  summary: 'change how often a model is retrained',
  args: 'MODEL DURATION',
  positionals: [2, 2],
  writes: true,
  options: { ...BY },
  examples: [
    ['tollgate schedule set-interval fraud-detector 7d', 'retrain weekly'],
    ['tollgate schedule set-interval fraud-detector 12h --dry-run', 'show the change, write nothing'],
  ],
});

export const SCHEDULE = commandSpec({
  name: 'schedule',
  summary:
    "show a model's retrain schedule (due, paused, cooling down), pause, resume, reset its failures or change its interval",
  options: {},
  subcommands: [STATUS, PAUSE, RESUME, RESET, SET_INTERVAL],
  defaultSubcommand: 'status',
  examples: [STATUS.examples[0]!, PAUSE.examples[0]!, SET_INTERVAL.examples[0]!],
});
