// The retrain action's job summary and outputs (what happened, the pull request, the version's metrics and gates),
// and `tollgate retrain`'s text report.
import { stateMergeNote } from '../publish/state.ts';
import type { RetrainOutcome, TrainStepOutcome } from './flow.ts';
import type { ModeOutcome } from './run-mode.ts';
import { formatMetric } from './record.ts';

export function retrainSummary(outcome: RetrainOutcome): string {
  const lines = [`## Tollgate retrain: \`${outcome.model}\``, ''];
  const pr = outcome.pullRequest
    ? `[#${outcome.pullRequest.number}](${outcome.pullRequest.url})${outcome.pullRequest.created ? '' : ' (updated)'}`
    : undefined;
  switch (outcome.status) {
    case 'dry-run': {
      const p = outcome.plan!;
      lines.push(
        `**Dry run:** nothing was run or written. Would record \`${p.version}\` from request \`${p.request.id}\`` +
          ` on \`${p.branch}\`.`,
        '',
        `Command: \`${p.command.join(' ')}\` (timeout ${p.timeout}s)`,
        '',
        'Files it would write:',
        '',
        ...p.files.map((f) => `- \`${f}\``),
      );
      break;
    }
    case 'refused':
      lines.push(`**Refused:** ${outcome.error?.message ?? ''}`);
      break;
    case 'failed':
      lines.push(
        `**Training failed**; request \`${outcome.request?.id}\` is recorded as failed` +
          (outcome.pushed
            ? ` in ${outcome.commit?.slice(0, 12)} on \`${outcome.branch}\`.`
            : pr
              ? ` in ${pr}${stateMergeNote(outcome.stateMerge)}.`
              : '.'),
        '',
        '```text',
        outcome.error?.message ?? '',
        '```',
      );
      break;
    case 'completed': {
      const v = outcome.version!;
      lines.push(
        `Recorded \`${v.id}\` from request \`${outcome.request?.id}\`${pr ? ` in ${pr}` : ''}: validation ` +
          `**${v.validation.passed ? 'passed' : 'failed'}**.`,
        '',
        '| metric | value |',
        '| --- | ---: |',
        ...Object.entries(v.metrics).map(([k, value]) => `| ${k} | ${formatMetric(value)} |`),
      );
      break;
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The training job's summary: the report the recording job will check, or why nothing was trained. */
export function trainingSummary(outcome: TrainStepOutcome): string {
  if (outcome.status === 'dry-run') return retrainSummary({ ...outcome, status: 'dry-run' });
  const lines = [`## Tollgate retrain (training job): \`${outcome.model}\``, ''];
  const report = outcome.report;
  if (outcome.status === 'refused') lines.push(`**Refused:** ${outcome.error?.message ?? ''}`);
  if (outcome.status === 'failed')
    lines.push(
      `**Training failed**; the recording job records request \`${report?.request}\` as failed.`,
      '',
      '```text',
      outcome.error?.message ?? '',
      '```',
    );
  if (outcome.status === 'trained' && report?.artifact)
    lines.push(
      `Trained request \`${report.request}\` as \`${report.version}\`; the recording job checks these hashes ` +
        'before it records anything:',
      '',
      `- \`metrics.json\`: sha256 \`${report.metrics_sha256}\``,
      `- \`${report.artifact.name}\`: sha256 \`${report.artifact.sha256}\` (${report.artifact.size} bytes)`,
    );
  return `${lines.join('\n')}\n`;
}

/** The action's outputs for a mode's outcome: the training job's report and folder, or what was recorded. */
export function retrainOutputs(result: ModeOutcome): Record<string, string | number> {
  return result.mode === 'train'
    ? {
        status: result.outcome.status,
        request: result.outcome.report?.request ?? result.outcome.request?.id ?? '',
        version: result.outcome.report?.version ?? '',
        // What the recording job checks, and the folder to upload.
        report: result.outcome.report ? JSON.stringify(result.outcome.report) : '',
        'output-dir': result.outcome.outputDir ?? '',
      }
    : {
        request: result.outcome.request?.id ?? '',
        version: result.outcome.version?.id ?? '',
        status: result.outcome.status,
        'pull-request': result.outcome.pullRequest?.number ?? '',
        'pull-request-url': result.outcome.pullRequest?.url ?? '',
        artifact: result.outcome.artifactPath ?? '',
      };
}

/** `tollgate retrain`'s text report: the plan of a dry run, the version recorded, or the failure; the local commit. */
export function retrainText(outcome: RetrainOutcome): string[] {
  const lines: string[] = [];
  if (outcome.status === 'dry-run' && outcome.plan) {
    const p = outcome.plan;
    lines.push(
      `would retrain ${p.model} as ${p.version}${p.parent ? ` (parent ${p.parent})` : ''} (dry run: nothing run, nothing written)`,
      `  request:  ${p.request.id} (${p.request.trigger.kind} by ${p.request.trigger.actor}): ${p.request.reason}`,
      `  command:  ${p.command.map((a) => (/[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`,
      `  in:       ${p.cwd} (timeout ${p.timeout}s)`,
      `  env:      ${Object.entries(p.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      `  branch:   ${p.branch} -> pull request into ${p.baseBranch}`,
      '  files it would write:',
      ...p.files.map((f) => `    ${f}`),
    );
    return lines;
  }
  if (outcome.status === 'completed' && outcome.version) {
    const v = outcome.version;
    lines.push(
      `recorded ${outcome.model} ${v.id} from request ${outcome.request?.id}: validation ${v.validation.passed ? 'passed' : 'failed'}`,
      `  artifact: ${outcome.artifactPath} (${v.artifact.size} bytes, sha256 ${v.artifact.sha256})`,
      ...Object.entries(v.metrics).map(([k, value]) => `  ${k}: ${formatMetric(value)}`),
      ...v.validation.gates.map(
        (g) =>
          `  gate ${g.metric} ${g.op} ${g.threshold}: ${formatMetric(g.value)} ${g.pass ? 'pass' : 'FAIL'}`,
      ),
    );
  } else if (outcome.status === 'failed') {
    lines.push(`retrain of ${outcome.model} failed; recorded request ${outcome.request?.id} as failed`);
    if (outcome.schedule?.cooldown_until)
      lines.push(`  schedule cools down until ${outcome.schedule.cooldown_until}`);
  }
  if (outcome.commit && outcome.branch) {
    lines.push(
      `  committed ${outcome.commit.slice(0, 12)} on local branch ${outcome.branch} (your checkout is unchanged)`,
      `  files: ${(outcome.files ?? []).join(', ')}`,
      '',
      `pull request it would open: ${outcome.title}`,
      '',
      outcome.body ?? '',
      `push it with: git push origin ${outcome.branch}`,
    );
  }
  return lines;
}
