// `tollgate verify-rollback MODEL`: after a rollback is live, waits the policy's settle time (or --settle), reads the
// stage's metrics and records rollback-verified or rollback-unhealthy (an unhealthy one keeps the incident open and
// escalates it) in one commit; `--no-verify REASON` records that it was skipped, and why.
import { relative, sep } from 'node:path';
import { describeError, TollgateError } from '../../errors.ts';
import { MetricsSourceError } from '../../monitor/source.ts';
import { rollbackSource, verificationSkipped, verifyRollback } from '../../monitor/verify-rollback.ts';
import { effectivePolicy } from '../../policy/effective.ts';
import { checkoutNote } from '../../publish/checkout-note.ts';
import { commitRegistryChange } from '../../publish/registry-transaction.ts';
import { fileSystemReader, loadRegistry } from '../../registry/load.ts';
import { assertSafeName, INCIDENT_ID } from '../../registry/names.ts';
import { auditPath } from '../../registry/paths.ts';
import type { RegistryFileWrite } from '../../registry/writer.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { commandSpec } from '../spec.ts';
import { actorOf } from './retrain.ts';

const USAGE =
  'tollgate verify-rollback MODEL [--stage production] [--incident ID] [--settle SECONDS] [--no-verify REASON] [--by LOGIN] [--dry-run]';

const VERIFY_ROLLBACK = commandSpec({
  name: 'verify-rollback',
  summary: 'check a live rollback against the health criteria after the settle time, and record the result',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: {
    stage: { type: 'string', value: 'STAGE', default: 'production', description: 'the stage rolled back' },
    incident: { type: 'string', value: 'ID', description: 'the incident the rollback answered' },
    settle: {
      type: 'string',
      value: 'SECONDS',
      description: 'wait this long before judging (default: the policy)',
    },
    'no-verify': {
      type: 'string',
      value: 'REASON',
      description: 'record that verification was skipped, and why',
    },
    by: {
      type: 'string',
      value: 'LOGIN',
      description: 'who verifies (default: TOLLGATE_ACTOR, GITHUB_ACTOR, USER)',
    },
  },
  examples: [
    ['tollgate verify-rollback fraud-detector --incident INC-20261124-033000-ab12', 'judge and record it'],
    ['tollgate verify-rollback fraud-detector --no-verify "metrics source down"', 'record a skip'],
  ],
});

export const verifyRollbackCommand: Command = {
  ...VERIFY_ROLLBACK,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(VERIFY_ROLLBACK, args);
    if (positionals.length !== 1)
      throw new TollgateError('verify-rollback needs exactly one model name', { kind: 'usage', fix: USAGE });
    const model = assertSafeName('model', positionals[0]);
    const stage = assertSafeName('stage', values.stage);
    if (values.incident !== undefined && !INCIDENT_ID.test(values.incident))
      throw new TollgateError(`--incident ${values.incident} is not an incident id`, {
        kind: 'usage',
        fix: USAGE,
      });
    const settle = values.settle === undefined ? undefined : Number(values.settle);
    if (settle !== undefined && (!Number.isSafeInteger(settle) || settle < 0))
      throw new TollgateError(`--settle ${values.settle} is not a whole number of seconds`, {
        fix: '--settle 300',
      });
    const { registry } = await loadRegistry(fileSystemReader(context.registryDir));
    const policy = effectivePolicy(registry.policy);
    const entry = registry.models.get(model);
    if (!entry)
      throw new TollgateError(`no model ${model} in the registry`, { file: `models/${model}/model.yaml` });
    const version = entry.stages?.stages[stage]?.version;
    if (!version)
      throw new TollgateError(`${model} has no ${stage} pointer to verify`, {
        file: `models/${model}/stages.yaml`,
      });
    const incident = values.incident ? registry.incidents.get(values.incident) : undefined;
    const actor = actorOf(context, values.by);
    let writes: RegistryFileWrite[];
    let lines: string[];
    let status: string;
    if (values['no-verify'] !== undefined) {
      const event = verificationSkipped({
        model,
        stage,
        version,
        ...(values.incident ? { incident: values.incident } : {}),
        actor,
        now: context.now(),
        reason: values['no-verify'],
      });
      writes = [{ path: auditPath(event.id), document: event }];
      lines = [`rollback verification of ${model} ${stage} skipped: ${values['no-verify']}`];
      status = 'skipped';
    } else {
      try {
        const verification = await verifyRollback({
          policy,
          model: entry.model,
          stage,
          version,
          ...(incident ? { incident } : {}),
          actor,
          source: rollbackSource(policy, entry.model, {
            repoRoot: context.repoRoot,
            env: context.env,
            commands: 'run',
          }),
          now: context.now,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          ...(settle !== undefined ? { settle } : {}),
        });
        ({ writes, summary: lines, status } = verification);
      } catch (error) {
        if (!(error instanceof MetricsSourceError)) throw error;
        context.err(`tollgate: ${describeError(error)}`);
        return 3;
      }
    }
    context.out(lines.join('\n'));
    if (values['dry-run']) {
      context.out('(dry run: nothing written)');
      return status === 'unhealthy' ? 1 : 0;
    }
    const date = context.now().toISOString();
    const result = await commitRegistryChange(context.repoRoot, {
      registryDir: relative(context.repoRoot, context.registryDir).split(sep).join('/') || '.',
      build: async (_reader, stageFiles) => {
        stageFiles.writeRegistry(writes);
        return {
          value: undefined,
          commit: {
            message: `rollback of ${model} ${stage} to ${version}: ${status}`,
            trailers: {
              'Tollgate-Event': `rollback-${status}`,
              Model: model,
              Version: version,
              ...(values.incident ? { Incident: values.incident } : {}),
              'Requested-By': actor,
            },
            env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
          },
        };
      },
    });
    context.out(
      [`recorded: commit ${result.commit?.slice(0, 12)}`, ...checkoutNote(result.checkout)].join('\n'),
    );
    return status === 'unhealthy' ? 1 : 0;
  },
};
