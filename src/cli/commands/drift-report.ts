// `tollgate drift-report MODEL --score NAME=VALUE ...`: puts drift (or fairness) scores on record as a
// `drift-report` audit event, with the report artifact's link and sha256 and the CI run that produced them. A retrain
// workflow runs it after training; the evidence bundle's drift and fairness sections are built from these events.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { parseMetricArgs } from '../../incident/severity.ts';
import { driftReportEvent } from '../../monitor/drift-report.ts';
import { checkoutNote } from '../../publish/checkout-note.ts';
import { commitRegistryChange } from '../../publish/registry-transaction.ts';
import { assertSafeName } from '../../registry/names.ts';
import { auditPath } from '../../registry/paths.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { commandSpec } from '../spec.ts';
import { actorOf } from './retrain.ts';

const USAGE =
  'tollgate drift-report MODEL --score NAME=VALUE [--score ...] [--kind drift|fairness] [--version V] [--report URI (--report-sha256 HEX | --report-file PATH)] [--run-url URL] [--by LOGIN] [--dry-run]';

const DRIFT_REPORT = commandSpec({
  name: 'drift-report',
  summary: 'record drift or fairness scores (and the report artifact) as a drift-report audit event',
  args: 'MODEL',
  positionals: [1, 1],
  writes: true,
  options: {
    score: { type: 'string', value: 'NAME=VALUE', multiple: true, description: 'a score' },
    kind: {
      type: 'string',
      choices: ['drift', 'fairness'],
      default: 'drift',
      description: 'what the scores measure',
    },
    version: { type: 'string', value: 'VERSION', description: 'the version scored' },
    report: { type: 'string', value: 'URI', description: 'where the report artifact is' },
    'report-sha256': { type: 'string', value: 'HEX', description: "the report artifact's sha256" },
    'report-file': { type: 'string', value: 'PATH', description: 'hash this local copy of the report' },
    'run-url': { type: 'string', value: 'URL', description: 'the CI run that produced it' },
    by: {
      type: 'string',
      value: 'LOGIN',
      description: 'who records it (default: TOLLGATE_ACTOR, GITHUB_ACTOR, USER)',
    },
  },
  examples: [
    [
      'tollgate drift-report fraud-detector --score psi=0.31 --report-file drift.html --report s3://r/drift.html',
      'record a drift report',
    ],
    [
      'tollgate drift-report fraud-detector --kind fairness --score demographic_parity=0.04',
      'a fairness score',
    ],
  ],
});

export const driftReportCommand: Command = {
  ...DRIFT_REPORT,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(DRIFT_REPORT, args);
    if (positionals.length !== 1)
      throw new TollgateError('drift-report needs exactly one model name', { kind: 'usage', fix: USAGE });
    if (values.kind !== 'drift' && values.kind !== 'fairness')
      throw new TollgateError(`--kind ${values.kind} is not drift or fairness`, {
        kind: 'usage',
        fix: USAGE,
      });
    const model = assertSafeName('model', positionals[0]);
    let sha256 = values['report-sha256'];
    if (values['report-file'] !== undefined)
      sha256 = createHash('sha256')
        .update(await readFile(values['report-file']))
        .digest('hex');
    if (values.report !== undefined && sha256 === undefined)
      throw new TollgateError('--report needs the artifact’s sha256', {
        fix: 'add --report-file PATH or --report-sha256 HEX',
      });
    const actor = actorOf(context, values.by);
    const event = driftReportEvent({
      model,
      ...(values.version ? { version: assertSafeName('version', values.version) } : {}),
      kind: values.kind,
      scores: parseMetricArgs(values.score ?? []),
      ...(values.report !== undefined ? { report: { uri: values.report, sha256: sha256! } } : {}),
      ...((values['run-url'] ?? context.env.TOLLGATE_RUN_URL)
        ? { runUrl: values['run-url'] ?? context.env.TOLLGATE_RUN_URL }
        : {}),
      actor,
      now: context.now(),
      source: `tollgate drift-report by ${actor}`,
    });
    if (values['dry-run']) {
      context.out(
        `would record ${auditPath(event.id)} (dry run: nothing written)\n${JSON.stringify(event, null, 2)}`,
      );
      return 0;
    }
    const date = context.now().toISOString();
    const result = await commitRegistryChange(context.repoRoot, {
      registryDir: relative(context.repoRoot, context.registryDir).split(sep).join('/') || '.',
      build: async (_reader, stage) => {
        stage.writeRegistry([{ path: auditPath(event.id), document: event }]);
        return {
          value: undefined,
          commit: {
            message: `${values.kind} report for ${model}`,
            trailers: {
              'Tollgate-Event': 'drift-report',
              Model: model,
              ...(values.version ? { Version: values.version } : {}),
              'Requested-By': actor,
            },
            env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
          },
        };
      },
    });
    context.out(
      [
        `recorded ${auditPath(event.id)}: commit ${result.commit?.slice(0, 12)}`,
        ...checkoutNote(result.checkout),
      ].join('\n'),
    );
    return 0;
  },
};
