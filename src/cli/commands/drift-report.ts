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
import { actorOf } from './retrain.ts';

const USAGE =
  'tollgate drift-report MODEL --score NAME=VALUE [--score ...] [--kind drift|fairness] [--version V] [--report URI (--report-sha256 HEX | --report-file PATH)] [--run-url URL] [--by LOGIN] [--dry-run]';

export const driftReportCommand: Command = {
  name: 'drift-report',
  summary: 'record drift or fairness scores (and the report artifact) as a drift-report audit event',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs('drift-report', args, {
      score: { type: 'string', multiple: true },
      kind: { type: 'string', default: 'drift' },
      version: { type: 'string' },
      report: { type: 'string' },
      'report-sha256': { type: 'string' },
      'report-file': { type: 'string' },
      'run-url': { type: 'string' },
      by: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    });
    if (positionals.length !== 1)
      throw new TollgateError('drift-report needs exactly one model name', { fix: USAGE });
    if (values.kind !== 'drift' && values.kind !== 'fairness')
      throw new TollgateError(`--kind ${values.kind} is not drift or fairness`, { fix: USAGE });
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
