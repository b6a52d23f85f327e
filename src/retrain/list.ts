// `tollgate retrains list|show`: which recorded retrain requests a listing shows, in what order, and how one reads
// in a line. Pure: the command loads the records, this filters and orders them.
import type { RetrainRequest, RetrainStatus } from '../registry/types.ts';

export const RETRAIN_STATUSES: readonly RetrainStatus[] = ['queued', 'running', 'completed', 'failed'];

export interface RetrainFilter {
  model?: string;
  status?: RetrainStatus;
  /** Only requests created at or after this time. */
  since?: Date;
}

/** The requests the filter keeps, newest first (ties: id, descending). */
export function selectRetrains(
  requests: Iterable<RetrainRequest>,
  filter: RetrainFilter = {},
): RetrainRequest[] {
  return [...requests]
    .filter((r) => filter.model === undefined || r.model === filter.model)
    .filter((r) => filter.status === undefined || r.status === filter.status)
    .filter((r) => filter.since === undefined || Date.parse(r.created_at) >= filter.since.getTime())
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id.localeCompare(a.id));
}

/** A table row: id, model, status, created, trigger (by whom), outcome (the version, or the error). */
export function retrainRow(r: RetrainRequest): string[] {
  const outcome =
    r.status === 'completed' ? (r.version ?? '') : r.status === 'failed' ? (r.error ?? 'failed') : '';
  return [r.id, r.model, r.status, r.created_at, `${r.trigger.kind} (${r.trigger.actor})`, outcome];
}

/** Every field of one request, one per line, as `tollgate retrains show` prints it. */
export function describeRetrain(r: RetrainRequest, file: string): string {
  const lines = [
    `${r.id}  ${r.model}  ${r.status}`,
    `file:       ${file}`,
    `reason:     ${r.reason}`,
    `trigger:    ${r.trigger.kind} by ${r.trigger.actor}`,
  ];
  for (const [name, value] of Object.entries(r.trigger.metrics ?? {}))
    lines.push(`  metric:   ${name}=${value}`);
  for (const g of r.trigger.thresholds ?? []) lines.push(`  gate:     ${g.metric} ${g.op} ${g.threshold}`);
  lines.push(`created:    ${r.created_at}`);
  if (r.started_at) lines.push(`started:    ${r.started_at}`);
  if (r.completed_at) lines.push(`completed:  ${r.completed_at}`);
  if (r.run?.command) lines.push(`command:    ${r.run.command.join(' ')}`);
  if (r.run?.exit_code !== undefined) lines.push(`exit code:  ${r.run.exit_code ?? 'none (killed)'}`);
  if (r.run?.duration !== undefined) lines.push(`duration:   ${r.run.duration}s`);
  if (r.run?.url) lines.push(`run:        ${r.run.url}`);
  if (r.version) lines.push(`version:    ${r.version}`);
  if (r.error) lines.push(`error:      ${r.error}`);
  return lines.join('\n');
}
