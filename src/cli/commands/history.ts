// `tollgate history MODEL`: every tenure of each stage, or which version held a stage at a given time.
import { TollgateError } from '../../errors.ts';
import {
  readStageSnapshots,
  stageHistory,
  stagesNamed,
  versionAt,
  type StageTenure,
} from '../../evidence/history-at.ts';
import { defaultBranchRef } from '../../evidence/integrity.ts';
import { assertSafeName } from '../../registry/names.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { formatOption, registryPrefix } from './registry-prefix.ts';

function tenureLine(t: StageTenure): string {
  const pr = t.pullRequest === undefined ? 'no pull request' : `pull request #${t.pullRequest}`;
  const by = t.requestedBy ? `, requested by ${t.requestedBy}` : '';
  const incident = t.incident ? `, incident ${t.incident}` : '';
  return `${t.stage.padEnd(12)} ${t.version.padEnd(12)} ${t.since} -> ${t.until ?? 'now'}  ${t.sha.slice(0, 12)} (${pr}${by}${incident})`;
}

export const historyCommand: Command = {
  name: 'history',
  summary: 'Which version held each stage of a model, since when, set by which commit and pull request',
  run: async (args, context) => {
    const { values, positionals } = parseCommandArgs('history', args, {
      stage: { type: 'string' },
      at: { type: 'string' },
      ref: { type: 'string' },
      format: { type: 'string' },
    });
    const format = formatOption(values.format, 'history');
    if (positionals.length !== 1)
      throw new TollgateError('history: name one model', {
        fix: 'tollgate history MODEL [--stage S] [--at TIME]',
      });
    const model = assertSafeName('model', positionals[0]);
    const stage = values.stage === undefined ? undefined : assertSafeName('stage', values.stage);
    if (values.at !== undefined && Number.isNaN(Date.parse(values.at)))
      throw new TollgateError(`history: --at ${values.at} is not a time`, {
        fix: '--at 2026-01-01T12:00:00Z',
      });
    const prefix = registryPrefix(context);
    const ref = values.ref ?? (await defaultBranchRef(context.repoRoot, prefix));
    const snapshots = await readStageSnapshots(context.repoRoot, model, { ref, registryPrefix: prefix });
    const stages = stage ? [stage] : stagesNamed(snapshots);
    const histories = stages.map((s) => ({ stage: s, history: stageHistory(snapshots, model, s) }));
    if (values.at !== undefined) {
      const at = values.at;
      const answers = histories.map((h) => ({
        stage: h.stage,
        at,
        holder: versionAt(h.history, at) ?? null,
      }));
      if (format === 'json') context.out(JSON.stringify(answers, null, 2));
      else
        context.out(
          answers
            .map((a) => (a.holder ? tenureLine(a.holder) : `${a.stage.padEnd(12)} (no version at ${at})`))
            .join('\n'),
        );
      return 0;
    }
    if (format === 'json') context.out(JSON.stringify(histories, null, 2));
    else {
      const lines = histories.flatMap((h) => h.history.map(tenureLine));
      context.out(lines.length ? lines.join('\n') : `no stage history for ${model} on ${ref}`);
    }
    return 0;
  },
};
