// `tollgate audit log` (the registry's events from git) and `tollgate audit verify` (the gate-integrity audit).
import { auditLogFlow, auditVerifyFlow } from '../../audit/flow.ts';
import { TollgateError } from '../../errors.ts';
import type { RegistryEvent } from '../../evidence/history.ts';
import type { IntegrityFinding } from '../../evidence/integrity.ts';
import { assertSafeName } from '../../registry/names.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';
import { chooseReviewSource, REVIEW_SOURCE_OPTIONS } from './review-source.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { renderTable } from '../table.ts';

const USAGE =
  'usage: tollgate audit log [--model M] [--since T] [--until T] [--ref REF] [--format text|json]\n' +
  '       tollgate audit verify [--since REF] [--ref REF] [--github] [--repo OWNER/NAME] [--check-name NAME] [--app-id ID] [--format text|json]';

function timeOption(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && Number.isNaN(Date.parse(value)))
    throw new TollgateError(`audit log: ${name} ${value} is not a time`, {
      fix: `e.g. ${name} 2026-01-01T00:00:00Z`,
    });
  return value;
}

/** One event as its columns: time, event, what, pull request, commit, summary. */
export function eventCells(e: RegistryEvent): string[] {
  // A stage move reads `model stage from → to`; anything else names what it is about.
  const what =
    e.stage !== undefined && (e.from !== undefined || e.version !== undefined)
      ? [e.model, e.stage, `${e.from ?? '(none)'} → ${e.version ?? '(none)'}`, e.incident]
          .filter(Boolean)
          .join(' ')
      : [e.model, e.version, e.stage, e.incident, e.request].filter(Boolean).join(' ');
  const who = [
    e.requestedBy ? `requested by ${e.requestedBy}` : '',
    e.approvers ? `approved by ${e.approvers.join(', ') || 'nobody'}` : '',
  ].filter(Boolean);
  return [
    e.at,
    e.event,
    what,
    e.pullRequest === undefined ? '' : `#${e.pullRequest}`,
    e.sha ? e.sha.slice(0, 12) : '(audit file)',
    [e.summary ?? '', ...who].filter(Boolean).join('; '),
  ];
}

export function eventLine(e: RegistryEvent): string {
  return eventCells(e).join('  ');
}

const LOG = commandSpec({
  name: 'audit log',
  summary: 'registry events (promotions, rollbacks, retrains, sign-offs...) from git history, oldest first',
  positionals: [0, 0],
  options: {
    model: { type: 'string', value: 'MODEL', description: 'only events about this model' },
    since: { type: 'string', value: 'TIME', description: 'only events at or after TIME' },
    until: { type: 'string', value: 'TIME', description: 'only events before TIME' },
    ref: { type: 'string', value: 'REF', description: 'the branch to read (default: the default branch)' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate audit log', 'every registry event on the default branch'],
    ['tollgate audit log --model fraud-detector --since 2026-11-01', 'one model, since 1 November'],
  ],
});

const VERIFY = commandSpec({
  name: 'audit verify',
  summary: 'the gate-integrity audit: every registry change reached the default branch with its sign-offs',
  positionals: [0, 0],
  options: {
    since: { type: 'string', value: 'REF', description: 'only commits after REF' },
    ref: { type: 'string', value: 'REF', description: 'the branch to audit (default: the default branch)' },
    ...FORMAT_OPTION,
    ...REVIEW_SOURCE_OPTIONS,
  },
  examples: [
    ['tollgate audit verify', 'audit the default branch from git alone'],
    ['GITHUB_TOKEN=... tollgate audit verify --github --app-id 123', 'also re-check reviews and gate runs'],
  ],
});

const AUDIT = commandSpec({
  name: 'audit',
  summary: 'registry events from git history (log), and the gate-integrity audit (verify)',
  options: {},
  subcommands: [LOG, VERIFY],
  examples: [...LOG.examples.slice(0, 1), ...VERIFY.examples],
});

async function log(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(LOG, args);
  const format = formatOption(values.format, 'audit log');
  const since = timeOption(values.since, '--since');
  const until = timeOption(values.until, '--until');
  const model = values.model === undefined ? undefined : assertSafeName('model', values.model);
  const events = await auditLogFlow(
    { model, since, until, ref: values.ref },
    { repoRoot: context.repoRoot, registryPrefix: registryPrefix(context) },
  );
  if (format === 'json') context.out(JSON.stringify(events, null, 2));
  else if (events.length === 0) context.out('no registry events');
  // Aligned columns; on a terminal, "what" and the summary shrink (with an ellipsis) to fit its width.
  else context.out(renderTable(events.map(eventCells), { width: context.columns, flexible: [2, 5] }));
  return 0;
}

function findingLine(f: IntegrityFinding): string {
  const where = f.pullRequest === undefined ? '' : ` (pull request #${f.pullRequest})`;
  const shown = (f.changes ?? []).slice(0, 6);
  const more = (f.changes?.length ?? 0) - shown.length;
  const changes = shown.length
    ? `\n    changed: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`
    : '';
  return `${f.kind}  ${f.sha.slice(0, 12)}  ${f.subject}${where}${changes}\n    missing: ${f.missing}`;
}

async function verify(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(VERIFY, args);
  const format = formatOption(values.format, 'audit verify');
  const choice = await chooseReviewSource(context, values);
  const report = await auditVerifyFlow(
    { since: values.since, ref: values.ref },
    {
      repoRoot: context.repoRoot,
      registryPrefix: registryPrefix(context),
      ...(choice.source ? { github: { reviews: choice.source, client: choice.client } } : {}),
    },
  );
  if (format === 'json')
    context.out(
      JSON.stringify(
        {
          ...report,
          reviewSource: choice.description,
          ...(choice.source ? { githubCalls: choice.source.calls() } : {}),
        },
        null,
        2,
      ),
    );
  else {
    const lines = [
      `Audited ${report.ref} (${report.head.slice(0, 12)})${report.baseline ? ` after ${report.baseline.slice(0, 12)}` : ', whole history'}: ${report.guardedCommits} commits changed a stage pointer or the policy.`,
      choice.source
        ? `${choice.description} Sign-offs re-evaluated with the gate's evaluator under the policy at each merge; team membership and write access as GitHub answers today.`
        : `${choice.description} Direct pushes were checked, and each merge against the gate's merge record where one is in the registry; GitHub was not asked, so the gate verdicts and approvals were not checked there.`,
    ];
    for (const f of report.allowed)
      lines.push(`emergency push (allowed by policy)  ${f.sha.slice(0, 12)}  ${f.subject}`);
    if (report.findings.length === 0) lines.push('No findings.');
    else lines.push(`${report.findings.length} finding(s):`, ...report.findings.map(findingLine));
    const calls = choice.calls();
    if (calls) lines.push(calls);
    context.out(lines.join('\n'));
  }
  return report.findings.length > 0 ? 1 : 0;
}

export const auditCommand: Command = {
  ...AUDIT,
  run: async (args, context) => {
    const [sub, ...rest] = args;
    if (sub === 'log') return log(rest, context);
    if (sub === 'verify') return verify(rest, context);
    throw new TollgateError(
      sub === undefined ? 'audit: which one, log or verify?' : `audit: unknown subcommand ${sub}`,
      {
        kind: 'usage',
        fix: USAGE,
      },
    );
  },
};
