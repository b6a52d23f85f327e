// `tollgate incident ack ID`, `incident escalate ID [--to SEVERITY] [--reason TEXT]` and `incident escalate --due`
// (the scheduled sweep): parse, call src/incident/response-flow.ts, render. Each writes one commit or none.
import { TollgateError } from '../../errors.ts';
import { githubIssueChannel } from '../../incident/issue.ts';
import { channelNotifier } from '../../incident/notify.ts';
import { assertIncidentId } from '../../incident/resolve-flow.ts';
import {
  acknowledgeFlow,
  escalateDueFlow,
  escalateFlow,
  type ResponsePorts,
  type ResponseResult,
} from '../../incident/response-flow.ts';
import { SEVERITIES } from '../../incident/response.ts';
import { checkoutNote } from '../../publish/checkout-note.ts';
import type { Severity } from '../../registry/types.ts';
import { INCIDENT_ACK, INCIDENT_ESCALATE } from './incident-options.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { actor, registryRelDir } from './incident-common.ts';
import { githubTarget } from './incident-resolve.ts';

/**
 * With a GitHub token and a repository to name (GITHUB_REPOSITORY or a GitHub origin), the severity matrix's
 * github-issue channel comments on the incident's issue; without, the record is all there is.
 */
async function ports(context: CliContext, by: string | undefined): Promise<ResponsePorts> {
  const github = await githubTarget(context, undefined).catch(() => undefined);
  const issues = github ? githubIssueChannel(github.client, github.repo, context.now) : undefined;
  return {
    repoRoot: context.repoRoot,
    registryDir: registryRelDir(context),
    now: context.now(),
    actor: actor(context, by),
    issueFollowUps: issues !== undefined,
    notifier: (policy) =>
      channelNotifier(policy, { env: context.env, now: context.now, ...(issues ? { issues } : {}) }),
  };
}

function render(context: CliContext, result: ResponseResult, what: string): number {
  const lines = result.incidents.map((i) => {
    const last = i.timeline.filter((e) => e.event === 'acknowledged' || e.event === 'escalated').at(-1);
    const notes = i.timeline
      .slice(i.timeline.indexOf(last!) + 1)
      .map((e) => `    ${e.event}: ${e.detail ?? ''}`);
    return [`${i.id} ${i.severity}: ${last?.event ?? what} ${last?.detail ?? ''}`, ...notes].join('\n');
  });
  if (result.incidents.length === 0) lines.push(`nothing to ${what}`);
  if (result.dryRun) lines.push('(dry run: nothing written or sent)');
  else if (result.commit)
    lines.push(`recorded in commit ${result.commit.slice(0, 12)}`, ...checkoutNote(result.checkout!));
  context.out(lines.join('\n'));
  return 0;
}

export async function ack(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_ACK, args);
  const id = assertIncidentId(positionals[0], 'tollgate incident ack INC-20261124-033000-ab12 [--by LOGIN]');
  return render(
    context,
    await acknowledgeFlow(id, await ports(context, values.by), { dryRun: values['dry-run'] }),
    'acknowledge',
  );
}

export async function escalate(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_ESCALATE, args);
  const dryRun = values['dry-run'];
  if (values.due) {
    if (positionals.length > 0 || values.to !== undefined)
      throw new TollgateError(
        'incident escalate --due takes no id and no --to: it escalates every overdue incident',
        {
          kind: 'usage',
          fix: 'tollgate incident escalate --due [--dry-run]',
        },
      );
    const result = await escalateDueFlow(await ports(context, values.by ?? 'tollgate-bot'), { dryRun });
    if (result.reasons.length) context.out(result.reasons.map((r) => `due: ${r}`).join('\n'));
    return render(context, result, 'escalate');
  }
  const id = assertIncidentId(
    positionals[0],
    'tollgate incident escalate INC-20261124-033000-ab12 [--to P0..P4] [--reason TEXT]',
  );
  if (values.to !== undefined && !SEVERITIES.includes(values.to as Severity))
    throw new TollgateError(`--to ${values.to} is not a severity`, {
      kind: 'usage',
      fix: 'pass --to P0, P1, P2, P3 or P4',
    });
  const result = await escalateFlow(
    id,
    {
      ...(values.to !== undefined ? { to: values.to as Severity } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    },
    await ports(context, values.by),
    { dryRun },
  );
  return render(context, result, 'escalate');
}
