// `tollgate history MODEL`: every tenure of each stage, or which version held a stage at a given time.
import { TollgateError } from '../../errors.ts';
import {
  readStageSnapshots,
  recordedSignoff,
  stageHistory,
  stagesNamed,
  versionAt,
  versionFromAuditRecords,
  type RecordedSignoff,
  type StageTenure,
} from '../../evidence/history-at.ts';
import { readAuditEvents } from '../../evidence/history.ts';
import { defaultBranchRef } from '../../evidence/integrity.ts';
import { standingApprovals, type ReviewSource } from '../../evidence/reviews.ts';
import { assertSafeName } from '../../registry/names.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { assertKnownModel, formatOption, registryPrefix } from './registry-prefix.ts';
import { chooseReviewSource, REVIEW_SOURCE_OPTIONS } from './review-source.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

/** What GitHub says about the pull request that set a tenure (GitHub mode only). */
interface TenureReview {
  approvedBy: string[];
  gate: string | null;
}

type ReviewedTenure = StageTenure & { review?: TenureReview; recorded?: RecordedSignoff };

/** The gate's merge record, in words: shown when GitHub was not asked, and always in JSON. */
function recordedWords(r: RecordedSignoff): string {
  const approvers = r.approvers.map((a) => `${a.login} (${a.role})`).join(', ') || 'nobody';
  const missing = r.missingRoles.length ? `, missing ${r.missingRoles.join(', ')}` : '';
  return `, approved by ${approvers}${missing}, gate check ${r.gateCheck ?? 'none'} (merge record ${r.record})`;
}

function tenureLine(t: ReviewedTenure): string {
  const pr = t.pullRequest === undefined ? 'no pull request' : `pull request #${t.pullRequest}`;
  const by = t.requestedBy ? `, requested by ${t.requestedBy}` : '';
  const incident = t.incident ? `, incident ${t.incident}` : '';
  const review = t.review
    ? `, approved by ${t.review.approvedBy.join(', ') || 'nobody'}, gate ${t.review.gate ?? 'none'}`
    : t.recorded
      ? recordedWords(t.recorded)
      : '';
  return `${t.stage.padEnd(12)} ${t.version.padEnd(12)} ${t.since} -> ${t.until ?? 'now'}  ${t.sha.slice(0, 12)} (${pr}${by}${incident}${review})`;
}

/** Each tenure with its pull request's standing approvals and gate conclusion, when GitHub is the source. */
async function withReviews(
  history: ReviewedTenure[],
  source: ReviewSource | undefined,
): Promise<ReviewedTenure[]> {
  if (!source) return history;
  return Promise.all(
    history.map(async (t): Promise<ReviewedTenure> => {
      if (t.pullRequest === undefined) return t;
      const pr = await source.pullRequest(t.pullRequest);
      if (!pr) return t;
      return {
        ...t,
        review: {
          approvedBy: standingApprovals(pr).map((r) => r.login),
          gate: pr.gateCheck?.conclusion ?? null,
        },
      };
    }),
  );
}

const HISTORY = commandSpec({
  name: 'history',
  summary: 'which version held each stage of a model, since when, set by which commit and pull request',
  args: 'MODEL',
  positionals: [1, 1],
  options: {
    stage: { type: 'string', value: 'STAGE', description: 'only this stage (default: every stage)' },
    at: { type: 'string', value: 'TIME', description: 'which version held the stage at TIME' },
    ref: { type: 'string', value: 'REF', description: 'the branch to read (default: the default branch)' },
    ...FORMAT_OPTION,
    ...REVIEW_SOURCE_OPTIONS,
  },
  examples: [
    ['tollgate history fraud-detector', 'every tenure of every stage'],
    ['tollgate history fraud-detector --stage production --at 2026-11-02T10:00:00Z', 'who served then'],
    [
      'GITHUB_TOKEN=... tollgate history fraud-detector --github',
      'with approvals and gate checks from GitHub',
    ],
  ],
});

export const historyCommand: Command = {
  ...HISTORY,
  run: async (args, context) => {
    const { values, positionals } = parseCommandArgs(HISTORY, args);
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
    assertKnownModel(context, model, stagesNamed(snapshots).length > 0);
    const choice = await chooseReviewSource(context, values);
    // The gate's merge records say who signed off even when GitHub is not asked.
    const records = (await readAuditEvents(context.repoRoot, ref, prefix)).map((f) => f.event);
    const withRecord = (t: StageTenure): ReviewedTenure => {
      const recorded = recordedSignoff(t, records);
      return recorded ? { ...t, recorded } : t;
    };
    const histories = await Promise.all(
      stages.map(async (s) => ({
        stage: s,
        history: await withReviews(stageHistory(snapshots, model, s).map(withRecord), choice.source),
      })),
    );
    // JSON stays a plain list: the source goes to stderr there, and after the answer in text.
    const footer = [choice.description, ...(choice.calls() ? [choice.calls()!] : [])].join('\n');
    if (format === 'json') context.err(footer);
    if (values.at !== undefined) {
      const at = values.at;
      const answers = histories.map((h) => {
        const holder = versionAt(h.history, at) ?? null;
        // Before git's stage history begins (before adoption), an audit record may still say what served.
        const recorded = holder ? undefined : versionFromAuditRecords(records, model, h.stage, at);
        return { stage: h.stage, at, holder, ...(recorded ? { recordedHolder: recorded } : {}) };
      });
      if (format === 'json') context.out(JSON.stringify(answers, null, 2));
      else
        context.out(
          [
            ...answers.map((a) =>
              a.holder
                ? tenureLine(a.holder)
                : a.recordedHolder
                  ? `${a.stage.padEnd(12)} ${a.recordedHolder.version} per audit record ${a.recordedHolder.record} (${a.recordedHolder.event} at ${a.recordedHolder.at}; git's stage history starts later)`
                  : `${a.stage.padEnd(12)} (no version at ${at})`,
            ),
            footer,
          ].join('\n'),
        );
      return 0;
    }
    if (format === 'json') context.out(JSON.stringify(histories, null, 2));
    else {
      const lines = histories.flatMap((h) => h.history.map(tenureLine));
      context.out(
        [lines.length ? lines.join('\n') : `no stage history for ${model} on ${ref}`, footer].join('\n'),
      );
    }
    return 0;
  },
};
