// The option tables of `tollgate incident ...` (spec.ts): what the parser accepts and help shows.
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

const BY = {
  by: {
    type: 'string',
    value: 'LOGIN',
    description: 'who acts (default: TOLLGATE_ACTOR, GITHUB_ACTOR, USER)',
  },
} as const;

const ID = 'INC-20261124-033000-ab12';

export const INCIDENT_OPEN = commandSpec({
  name: 'incident open',
  summary: 'open an incident: classify its severity by the policy, and roll back where it allows',
  args: '[MODEL...]',
  writes: true,
  options: {
    model: { type: 'string', value: 'MODEL', multiple: true, description: 'an affected model' },
    metric: { type: 'string', value: 'NAME=VALUE', multiple: true, description: 'an observed metric' },
    alert: { type: 'string', value: 'NAME', description: 'the alert that fired' },
    description: { type: 'string', value: 'TEXT', description: 'what is happening' },
    ...BY,
    'auto-rollback': { type: 'boolean', default: false, description: 'roll back where the policy allows it' },
    'promotion-in-flight': {
      type: 'boolean',
      default: false,
      description: 'a promotion of an affected model is under way',
    },
    'require-notification': {
      type: 'boolean',
      default: false,
      description: 'exit 1 when the on-call could not be notified',
    },
  },
  examples: [
    ['tollgate incident open fraud-detector --metric auc=0.61 --dry-run', 'how it would be classified'],
    [
      'tollgate incident open fraud-detector --alert AucDrop --auto-rollback',
      'open it and roll back if the policy allows',
    ],
  ],
});

export const INCIDENT_ACK = commandSpec({
  name: 'incident ack',
  summary: 'acknowledge an open incident (stops its escalation clock)',
  args: 'ID',
  positionals: [1, 1],
  writes: true,
  options: { ...BY },
  examples: [[`tollgate incident ack ${ID}`, 'record that the on-call has it']],
});

export const INCIDENT_ESCALATE = commandSpec({
  name: 'incident escalate',
  summary: 'escalate an incident to the next level of the policy, or to --to',
  args: '[ID]',
  positionals: [0, 1],
  writes: true,
  options: {
    to: { type: 'string', value: 'WHO', description: 'escalate to this level or team' },
    reason: { type: 'string', value: 'TEXT', description: 'why' },
    due: {
      type: 'boolean',
      default: false,
      description: 'escalate every incident whose deadline has passed',
    },
    ...BY,
  },
  examples: [
    [`tollgate incident escalate ${ID} --reason "no ack in 15 min"`, 'escalate one incident'],
    ['tollgate incident escalate --due', 'escalate every overdue incident'],
  ],
});

export const INCIDENT_RESOLVE = commandSpec({
  name: 'incident resolve',
  summary: 'resolve an incident on a branch of the default branch, with a postmortem draft',
  args: 'ID',
  positionals: [1, 1],
  writes: true,
  options: {
    note: { type: 'string', value: 'TEXT', description: 'how it was resolved' },
    ...BY,
    'no-postmortem': { type: 'boolean', default: false, description: 'do not add a postmortem draft' },
    base: {
      type: 'string',
      value: 'REF',
      description: 'the branch holding the record (default: default branch)',
    },
    repo: { type: 'string', value: 'OWNER/NAME', description: 'open the pull request in this repository' },
  },
  examples: [
    [`tollgate incident resolve ${ID} --note "rolled back"`, 'resolve it'],
    [`tollgate incident resolve ${ID} --dry-run`, 'show the change, write nothing'],
  ],
});

export const INCIDENT_LIST = commandSpec({
  name: 'incident list',
  summary: 'incidents, newest first, filtered by status, model, stage, severity or time',
  positionals: [0, 0],
  options: {
    open: { type: 'boolean', default: false, description: 'only open incidents' },
    status: {
      type: 'string',
      value: 'STATUS',
      choices: ['open', 'resolved'],
      description: 'only incidents with this status',
    },
    model: { type: 'string', value: 'MODEL', description: 'only incidents about this model' },
    stage: { type: 'string', value: 'STAGE', description: 'only incidents about this stage' },
    severity: { type: 'string', value: 'SEVERITY', description: 'only incidents of this severity' },
    since: { type: 'string', value: 'DATE', description: 'only incidents detected since DATE' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate incident list', 'every incident'],
    ['tollgate incident list --status open --severity P0 --format json', 'open P0 incidents as JSON'],
  ],
});

export const INCIDENT_SHOW = commandSpec({
  name: 'incident show',
  summary: 'one incident: its record and timeline',
  args: 'ID',
  positionals: [1, 1],
  options: { ...FORMAT_OPTION },
  examples: [[`tollgate incident show ${ID}`, 'the record and its timeline']],
});

export const INCIDENT_STATS = commandSpec({
  name: 'incident stats',
  summary: 'incident counts by severity and the times to detect, roll back and resolve, against targets',
  positionals: [0, 0],
  options: {
    since: { type: 'string', value: 'DATE', description: 'only incidents detected since DATE' },
    ...FORMAT_OPTION,
  },
  examples: [['tollgate incident stats --since 2026-10-01', 'MTTR since October']],
});

export const INCIDENT_POSTMORTEM = commandSpec({
  name: 'incident postmortem',
  summary: 'draft the postmortem of an incident from the registry and its history',
  args: 'ID',
  positionals: [1, 1],
  options: {
    write: { type: 'boolean', default: false, description: 'commit the draft to the registry' },
    'lookback-days': {
      type: 'string',
      value: 'DAYS',
      default: '7',
      description: 'how far before detection the timeline reaches',
    },
    'dry-run': {
      type: 'boolean',
      default: false,
      description: 'print the draft, commit nothing (even with --write)',
    },
  },
  examples: [
    [`tollgate incident postmortem ${ID}`, 'print the draft'],
    [`tollgate incident postmortem ${ID} --write`, 'commit it'],
  ],
});

export const INCIDENT = commandSpec({
  name: 'incident',
  summary:
    'incidents: open (classify, optionally auto-roll back), ack, escalate, resolve, list, show, stats (vs targets), postmortem',
  options: {},
  subcommands: [
    INCIDENT_OPEN,
    INCIDENT_ACK,
    INCIDENT_ESCALATE,
    INCIDENT_RESOLVE,
    INCIDENT_LIST,
    INCIDENT_SHOW,
    INCIDENT_STATS,
    INCIDENT_POSTMORTEM,
  ],
  examples: [INCIDENT_OPEN.examples[0]!, INCIDENT_LIST.examples[0]!, INCIDENT_STATS.examples[0]!],
});
