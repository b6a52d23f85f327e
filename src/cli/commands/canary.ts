// `tollgate canary analyze MODEL`: compares the canary with the stage it would replace over the policy's window,
// prints the table of criteria, and decides promote / keep watching / abort. With --act, promote opens the
// production promotion (the analysis in its body, as evidence) and abort rolls the canary back.
import { relative, sep } from 'node:path';
import { describeError, TollgateError } from '../../errors.ts';
import { renderCanaryTable } from '../../monitor/canary.ts';
import { runCanaryAnalysis } from '../../monitor/canary-flow.ts';
import { MetricsSourceError, sourceSpecFor } from '../../monitor/source.ts';
import { metricsSourceOf } from '../../monitor/sources.ts';
import { effectivePolicy } from '../../policy/effective.ts';
import { promoteFlow } from '../../promotion/flow.ts';
import { fileSystemReader, loadRegistry } from '../../registry/load.ts';
import { assertSafeName } from '../../registry/names.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { rollbackCommand } from './rollback.ts';
import { actorOf } from './retrain.ts';

const USAGE =
  'tollgate canary analyze MODEL [--canary STAGE] [--baseline STAGE] [--act] [--requested-by LOGIN] [--format json]';

const CANARY_ANALYZE = commandSpec({
  name: 'canary analyze',
  summary: 'compare the canary with the stage it would replace, and decide promote / keep watching / abort',
  args: 'MODEL',
  positionals: [1, 1],
  options: {
    canary: { type: 'string', value: 'STAGE', default: 'canary', description: 'the canary stage' },
    baseline: {
      type: 'string',
      value: 'STAGE',
      default: 'production',
      description: 'the stage it would replace',
    },
    act: {
      type: 'boolean',
      default: false,
      description: 'promote: open the production promotion; abort: roll the canary back',
    },
    'requested-by': { type: 'string', value: 'LOGIN', description: 'who asks (default: GITHUB_ACTOR, USER)' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate canary analyze fraud-detector', 'the table of criteria and the decision'],
    ['tollgate canary analyze fraud-detector --act', 'and act on it'],
  ],
});

const CANARY = commandSpec({
  name: 'canary',
  summary:
    'canary analyze MODEL: compare the canary with its baseline, decide promote / keep watching / abort',
  options: {},
  subcommands: [CANARY_ANALYZE],
  examples: CANARY_ANALYZE.examples,
});

export const canaryCommand: Command = {
  ...CANARY,
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub !== 'analyze')
      throw new TollgateError(`canary ${sub ?? ''}: unknown subcommand`, { kind: 'usage', fix: USAGE });
    const { values, positionals } = parseCommandArgs(CANARY_ANALYZE, rest);
    if (positionals.length !== 1)
      throw new TollgateError('canary analyze needs exactly one model name', { kind: 'usage', fix: USAGE });
    const model = assertSafeName('model', positionals[0]);
    const { registry } = await loadRegistry(fileSystemReader(context.registryDir));
    const policy = effectivePolicy(registry.policy);
    const entry = registry.models.get(model);
    if (!entry)
      throw new TollgateError(`no model ${model} in the registry`, { file: `models/${model}/model.yaml` });
    let result;
    try {
      const source = metricsSourceOf(sourceSpecFor(entry.model, policy.monitoring.source), {
        repoRoot: context.repoRoot,
        env: context.env,
        where: `models/${model}/model.yaml`,
        // The person at the terminal runs the repository's metrics command, as they would by hand.
        commands: 'run',
      });
      result = await runCanaryAnalysis({
        registry,
        model,
        source,
        now: context.now(),
        canaryStage: assertSafeName('stage', values.canary),
        baselineStage: assertSafeName('stage', values.baseline),
      });
    } catch (error) {
      if (!(error instanceof MetricsSourceError)) throw error;
      context.err(`tollgate: ${describeError(error)}`);
      return 3;
    }
    const stages = {
      canary: `${result.canary.stage} (${result.canary.version})`,
      baseline: `${result.baseline.stage} (${result.baseline.version ?? 'none'})`,
    };
    const table = renderCanaryTable(result, stages);
    if (values.format === 'json') context.out(JSON.stringify(result, null, 2));
    else context.out([`canary analysis of ${model} (metrics from ${result.source})`, '', table].join('\n'));
    if (!values.act) return result.decision === 'abort' ? 1 : 0;
    const by = actorOf(context, values['requested-by']);
    if (result.decision === 'promote') {
      const outcome = await promoteFlow(
        {
          model,
          version: result.canary.version,
          stage: result.baseline.stage,
          requestedBy: by,
          registryDir: relative(context.repoRoot, context.registryDir).split(sep).join('/'),
          dryRun: false,
          evidence: ['### Canary analysis', '', table].join('\n'),
        },
        { repoRoot: context.repoRoot },
      );
      if (outcome.status === 'refused') {
        context.err(`tollgate: promotion refused: ${outcome.reason}\n  fix: ${outcome.fix}`);
        return 1;
      }
      context.out(
        `promotion of ${model} ${result.canary.version} to ${result.baseline.stage} proposed: ${outcome.plan.subject} on branch ${outcome.plan.branch} (the analysis is in its body)`,
      );
      return 0;
    }
    if (result.decision === 'abort') {
      context.out(`aborting the canary: rolling ${model} ${result.canary.stage} back`);
      // Back to what the baseline serves: the canary's share of traffic goes to the version it was compared with.
      const to = result.baseline.version ? ['--to', result.baseline.version] : [];
      const code = await rollbackCommand.run(
        [
          model,
          '--stage',
          result.canary.stage,
          ...to,
          '--by',
          by,
          '--reason',
          `canary analysis: ${result.reason}`,
        ],
        context,
      );
      return code === 0 ? 1 : code;
    }
    return 0;
  },
};
