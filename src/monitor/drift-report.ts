// `drift-report` audit events: drift or fairness scores on record, with the CI run that produced them and a link to
// (and sha256 of) the report artifact. Written by monitor when a drift rule starts firing, and by
// `tollgate drift-report` (a retrain workflow's step, or a person). The evidence bundle builds its drift and
// fairness sections from them. Pure.
import { TollgateError } from '../errors.ts';
import { API_VERSION, type AuditEvent } from '../registry/types.ts';
import { auditId, isoSeconds } from './audit.ts';

export const DRIFT_REPORT_EVENT = 'drift-report';

export interface DriftReportInput {
  model: string;
  version?: string;
  kind: 'drift' | 'fairness';
  scores: Record<string, number>;
  report?: { uri: string; sha256: string };
  runUrl?: string;
  actor: string;
  now: Date;
  /** What produced it: a monitoring rule, a retrain request, a person. */
  source: string;
}

export function driftReportEvent(input: DriftReportInput): AuditEvent {
  if (Object.keys(input.scores).length === 0)
    throw new TollgateError('a drift report needs at least one score', { fix: '--score psi_amount=0.31' });
  if (input.report && !/^[0-9a-f]{64}$/.test(input.report.sha256))
    throw new TollgateError(`report sha256 ${input.report.sha256} is not 64 lowercase hex digits`, {
      fix: 'give the sha256 of the report artifact (sha256sum report.html), or --report-file to compute it',
    });
  return {
    apiVersion: API_VERSION,
    kind: 'AuditEvent',
    id: auditId(input.now, `${input.model}-${input.kind}-report`),
    at: isoSeconds(input.now),
    event: DRIFT_REPORT_EVENT,
    actor: input.actor,
    model: input.model,
    ...(input.version ? { version: input.version } : {}),
    details: {
      kind: input.kind,
      scores: input.scores,
      source: input.source,
      ...(input.report ? { report: input.report } : {}),
      ...(input.runUrl ? { run_url: input.runUrl } : {}),
    },
  };
}

export interface DriftRecord {
  at: string;
  model: string;
  version?: string;
  kind: 'drift' | 'fairness';
  scores: Record<string, number>;
  source?: string;
  report?: { uri: string; sha256: string };
  runUrl?: string;
  id: string;
}

/** The drift-report events among `events` (optionally of one model), oldest first, split by kind. */
export function driftRecords(
  events: Iterable<AuditEvent>,
  model?: string,
): { drift: DriftRecord[]; fairness: DriftRecord[] } {
  const out: { drift: DriftRecord[]; fairness: DriftRecord[] } = { drift: [], fairness: [] };
  for (const e of events) {
    if (e.event !== DRIFT_REPORT_EVENT || !e.model || (model && e.model !== model)) continue;
    const d = (e.details ?? {}) as Record<string, unknown>;
    const kind = d.kind === 'fairness' ? 'fairness' : 'drift';
    const scores = Object.fromEntries(
      Object.entries((d.scores ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'number'),
    ) as Record<string, number>;
    const report = d.report as { uri?: unknown; sha256?: unknown } | undefined;
    out[kind].push({
      at: e.at,
      id: e.id,
      model: e.model,
      ...(e.version ? { version: e.version } : {}),
      kind,
      scores,
      ...(typeof d.source === 'string' ? { source: d.source } : {}),
      ...(report && typeof report.uri === 'string' && typeof report.sha256 === 'string'
        ? { report: { uri: report.uri, sha256: report.sha256 } }
        : {}),
      ...(typeof d.run_url === 'string' ? { runUrl: d.run_url } : {}),
    });
  }
  out.drift.sort((a, b) => a.at.localeCompare(b.at));
  out.fairness.sort((a, b) => a.at.localeCompare(b.at));
  return out;
}

/** The evidence report's drift and fairness sections, in markdown; "none recorded" when there are none. */
export function renderDriftSections(records: { drift: DriftRecord[]; fairness: DriftRecord[] }): string {
  const section = (title: string, list: DriftRecord[]) => [
    `## ${title}`,
    '',
    ...(list.length === 0
      ? ['None recorded.', '']
      : [
          '| when | model | version | scores | report | CI run | from |',
          '| --- | --- | --- | --- | --- | --- | --- |',
          ...list.map(
            (r) =>
              `| ${r.at} | ${r.model} | ${r.version ?? '—'} | ${Object.entries(r.scores)
                .map(([k, v]) => `${k} = ${v}`)
                .join(
                  ', ',
                )} | ${r.report ? `[report](${r.report.uri}) (sha256 \`${r.report.sha256.slice(0, 12)}…\`)` : '—'} | ${r.runUrl ? `[run](${r.runUrl})` : '—'} | ${(r.source ?? '').replace(/\|/g, '\\|')} |`,
          ),
          '',
        ]),
  ];
  return [...section('Drift reports', records.drift), ...section('Fairness reports', records.fairness)].join(
    '\n',
  );
}
