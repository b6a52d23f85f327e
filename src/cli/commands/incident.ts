// `tollgate incident open|resolve|list|stats|postmortem`: parse, call the incident flows (src/incident/), render.
// open commits on the current branch (one commit: the record and its rollbacks); resolve proposes the resolution
// and its postmortem draft on tollgate/postmortem/<id> (incident-resolve.ts); stats and postmortem are in
// incident-report.ts.
import { randomBytes } from 'node:crypto';
import { TollgateError } from '../../errors.ts';
import { channelNotifier } from '../../incident/notify.ts';
import { openIncidentFlow } from '../../incident/open-flow.ts';
import { parseMetricArgs } from '../../incident/severity.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { INCIDENT, INCIDENT_OPEN } from './incident-options.ts';
import { actor, registryRelDir } from './incident-common.ts';
import { resolve } from './incident-resolve.ts';
import { ack, escalate } from './incident-response.ts';
import { list, show } from './incident-list.ts';
import { postmortem, stats } from './incident-report.ts';

async function open(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_OPEN, args);
  const request = {
    // `incident open MODEL [MODEL...]` and `--model MODEL` (repeatable) both name affected models.
    models: [...positionals, ...(values.model ?? [])],
    metrics: parseMetricArgs(values.metric ?? []),
    ...(values.alert !== undefined ? { alert: values.alert } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
  };
  const result = await openIncidentFlow(
    { request },
    {
      repoRoot: context.repoRoot,
      registryDir: registryRelDir(context),
      now: context.now(),
      suffix: () => randomBytes(2).toString('hex'),
      actor: actor(context, values.by),
      notifier: (policy) => channelNotifier(policy, { env: context.env, now: context.now }),
    },
    {
      dryRun: values['dry-run'],
      write: 'commit',
      autoRollback: values['auto-rollback'],
      promotionInFlight: values['promotion-in-flight'],
    },
  );
  context.out(result.lines.join('\n'));
  // A requested action that did not happen is not a success (the CLI contract: 1 = refused by a rule or failed).
  if (result.failed.length > 0) {
    context.err(
      `tollgate: the incident is recorded, but its rollback did not happen: ${result.failed.join('; ')}`,
    );
    return 1;
  }
  const notifyFailed = result.notifications.some((e) => e.event === 'notification-failed');
  if (notifyFailed && values['require-notification']) {
    context.err('tollgate: the incident is recorded, but the required notification failed (see above)');
    return 1;
  }
  return 0;
}

export const incidentCommand: Command = {
  ...INCIDENT,
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub === 'open') return open(rest, context);
    if (sub === 'resolve') return resolve(rest, context);
    if (sub === 'list') return list(rest, context);
    if (sub === 'show') return show(rest, context);
    if (sub === 'stats') return stats(rest, context);
    if (sub === 'ack') return ack(rest, context);
    if (sub === 'escalate') return escalate(rest, context);
    if (sub === 'postmortem') return postmortem(rest, context);
    throw new TollgateError(`incident: unknown subcommand "${sub ?? ''}"`, {
      kind: 'usage',
      fix: 'tollgate incident open|ack|escalate|resolve|list|show|stats|postmortem',
    });
  },
};
