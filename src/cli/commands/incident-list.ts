// `tollgate incident list [--status open|resolved] [--open] [--model M] [--stage S] [--severity P] [--since DATE]
// [--format json]` and `incident show ID [--format json]`: read the registry's incident records and render them.
import { TollgateError } from '../../errors.ts';
import { formatDuration } from '../../incident/record.ts';
import { allIncidents, assertIncidentId, readIncident } from '../../incident/resolve-flow.ts';
import { fileSystemReader } from '../../registry/load.ts';
import type { Incident } from '../../registry/types.ts';
import { INCIDENT_LIST, INCIDENT_SHOW } from './incident-options.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { registryRelDir } from './incident-common.ts';

const format = (value: string | undefined): 'text' | 'json' => {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new TollgateError(`--format ${value} is not a format`, {
    fix: 'pass --format text or --format json',
  });
};

/** The date a --since names: an ISO date or time. */
export function sinceOption(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const since = new Date(value);
  if (Number.isNaN(since.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new TollgateError(`--since ${value} is not a date`, { fix: 'pass e.g. --since 2026-10-01' });
  }
  return since;
}

export async function list(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(INCIDENT_LIST, args);
  if (values.status !== undefined && values.status !== 'open' && values.status !== 'resolved')
    throw new TollgateError(`--status ${values.status} is not an incident status`, {
      fix: 'pass --status open or --status resolved',
    });
  const status = values.open ? 'open' : values.status;
  const since = sinceOption(values.since);
  const out = format(values.format);
  const chosen = (await allIncidents(fileSystemReader(context.registryDir)))
    .filter((i) => status === undefined || i.status === status)
    .filter((i) => values.model === undefined || i.models.includes(values.model))
    // An incident's stage is the stage it rolled back; every incident concerns production when it rolled back none.
    .filter((i) => values.stage === undefined || (i.rollback?.stage ?? 'production') === values.stage)
    .filter((i) => values.severity === undefined || i.severity === values.severity)
    .filter((i) => since === undefined || Date.parse(i.detected_at) >= since.getTime())
    .sort((a, b) => Date.parse(b.detected_at) - Date.parse(a.detected_at) || b.id.localeCompare(a.id));
  if (out === 'json') {
    context.out(JSON.stringify(chosen, null, 2));
    return 0;
  }
  if (chosen.length === 0) {
    context.out(status === 'open' ? 'no open incidents' : 'no incidents');
    return 0;
  }
  context.out(
    chosen
      .map(
        (i) =>
          `${i.id}  ${i.severity}  ${i.status.padEnd(8)}  ${i.models.join(',')}  ${i.title}` +
          (i.rollback ? `  (rolled back ${i.rollback.model} ${i.rollback.from} -> ${i.rollback.to})` : ''),
      )
      .join('\n'),
  );
  return 0;
}

const since = (i: Incident, at: string | undefined) =>
  at === undefined ? '—' : formatDuration((Date.parse(at) - Date.parse(i.detected_at)) / 1000);

export async function show(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_SHOW, args);
  const id = assertIncidentId(
    positionals[0],
    'tollgate incident show INC-20261124-033000-ab12 [--format json]',
  );
  const incident = await readIncident(fileSystemReader(context.registryDir), registryRelDir(context), id);
  if (format(values.format) === 'json') {
    context.out(JSON.stringify(incident, null, 2));
    return 0;
  }
  const i = incident;
  context.out(
    [
      `${i.id}  ${i.severity}  ${i.status}`,
      `  ${i.title}`,
      `  models:       ${i.models.join(', ')}`,
      ...(Object.keys(i.metrics).length
        ? [
            `  metrics:      ${Object.entries(i.metrics)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`,
          ]
        : []),
      ...(i.description ? [`  description:  ${i.description}`] : []),
      `  detected:     ${i.detected_at}`,
      `  acknowledged: ${i.acknowledged_at ? `${i.acknowledged_at} by ${i.acknowledged_by ?? '?'} (after ${since(i, i.acknowledged_at)})` : 'not yet'}`,
      `  resolved:     ${i.resolved_at ? `${i.resolved_at} (after ${since(i, i.resolved_at)})` : 'not yet'}`,
      ...(i.rollback
        ? [`  rollback:     ${i.rollback.model} ${i.rollback.stage} ${i.rollback.from} -> ${i.rollback.to}`]
        : []),
      ...(i.escalations?.length
        ? [`  escalations:  ${i.escalations.map((e) => `${e.severity} at ${e.at} by ${e.by}`).join('; ')}`]
        : []),
      '  timeline:',
      ...i.timeline.map((e) => `    ${e.at}  ${e.event}${e.detail ? `: ${e.detail}` : ''}`),
    ].join('\n'),
  );
  return 0;
}
