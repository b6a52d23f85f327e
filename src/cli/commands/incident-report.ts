// `tollgate incident stats` (response times from the records) and `incident postmortem ID` (the draft, printed or
// committed): parse, call src/incident/, render.
import { TollgateError } from '../../errors.ts';
import { formatDuration, incidentStats } from '../../incident/record.ts';
import {
  allIncidents,
  assertIncidentId,
  draftPostmortem,
  readIncident,
} from '../../incident/resolve-flow.ts';
import { responseReport, type Percentiles, type ResponseReport } from '../../incident/response.ts';
import { readPolicy } from '../../policy/read.ts';
import { commitRegistryChange } from '../../publish/registry-transaction.ts';
import { fileSystemReader } from '../../registry/load.ts';
import { postmortemPath } from '../../registry/paths.ts';
import { INCIDENT_POSTMORTEM, INCIDENT_STATS } from './incident-options.ts';
import { parseCommandArgs, type CliContext } from '../context.ts';
import { registryRelDir } from './incident-common.ts';

export async function stats(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(INCIDENT_STATS, args);
  const since = values.since === undefined ? undefined : new Date(values.since);
  if (since && Number.isNaN(since.getTime())) {
    throw new TollgateError(`--since ${values.since} is not a date`, { fix: 'pass e.g. --since 2026-10-01' });
  }
  const reader = fileSystemReader(context.registryDir);
  const all = await allIncidents(reader);
  const s = incidentStats(all, since ? { since } : {});
  const chosen = all.filter((i) => !since || Date.parse(i.detected_at) >= since.getTime());
  const postmortems = new Map<string, string>();
  for (const i of chosen.filter((x) => x.status === 'resolved')) {
    const text = await reader.read(postmortemPath(i.id));
    if (text !== undefined) postmortems.set(i.id, text.toString('utf8'));
  }
  const policy = await readPolicy(reader);
  const response = responseReport(chosen, policy, context.now(), postmortems);
  if (values.format === 'json') {
    context.out(JSON.stringify({ ...s, response }, null, 2));
    return 0;
  }
  context.out(
    [
      `incidents: ${s.total} (${s.open} open)${since ? ` since ${since.toISOString()}` : ''}`,
      `  by severity: ${Object.entries(s.bySeverity)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `  time to resolve (MTTR): mean ${d(s.mttr.meanSeconds)}, median ${d(s.mttr.medianSeconds)} over ${s.mttr.count}`,
      `  time to rollback: mean ${d(s.timeToRollback.meanSeconds)}, median ${d(s.timeToRollback.medianSeconds)} over ${s.timeToRollback.count}`,
      '  MTTR by severity:',
      ...Object.entries(s.mttrBySeverity)
        .filter(([, m]) => m.count > 0)
        .map(([k, m]) => `    ${k}: mean ${d(m.meanSeconds)}, median ${d(m.medianSeconds)} over ${m.count}`),
      ...(s.incidents.length
        ? [
            '  per incident (to classify / to roll back / to resolve):',
            ...s.incidents.map(
              (i) =>
                `    ${i.id}  ${i.severity}  ${d(i.toClassify)} / ${d(i.toRollback)} / ${d(i.toResolve)}`,
            ),
          ]
        : []),
      ...responseLines(response),
    ].join('\n'),
  );
  return 0;
}

const d = (x: number | null) => (x === null ? '—' : formatDuration(x));
const p = (x: Percentiles) => `${d(x.median)} / ${d(x.p90)} / ${d(x.worst)} over ${x.count}`;

/** The response table against the matrix's targets, breaches and overdue postmortems. */
function responseLines(r: ResponseReport): string[] {
  return [
    '  response per severity (median / p90 / worst):',
    ...r.perSeverity
      .filter((x) => x.toAck.count > 0 || x.toResolve.count > 0)
      .map(
        (x) =>
          `    ${x.severity}: to ack ${p(x.toAck)} (target ${d(x.ackTarget)}); to resolve ${p(x.toResolve)}` +
          (x.resolveTarget !== null ? ` (target ${d(x.resolveTarget)})` : ''),
      ),
    `  breaches: ${r.breaches.length === 0 ? 'none' : r.breaches.length}`,
    ...r.breaches.map(
      (b) =>
        `    ${b.id}  ${b.severity}  ${b.what === 'ack' ? 'acknowledged' : 'resolved'} ${b.pending ? 'not yet after' : 'after'} ${d(b.seconds)} (target ${d(b.target)})`,
    ),
    `  postmortems overdue: ${r.overduePostmortems.length === 0 ? 'none' : r.overduePostmortems.length}`,
    ...r.overduePostmortems.map((o) => `    ${o.id}  due ${o.dueAt} (${o.state})`),
  ];
}

export async function postmortem(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_POSTMORTEM, args);
  const id = assertIncidentId(positionals[0], 'pass an id like INC-20261124-033000-ab12');
  const registryDir = registryRelDir(context);
  const incident = await readIncident(fileSystemReader(context.registryDir), registryDir, id);
  const days = Number(values['lookback-days']);
  if (!Number.isFinite(days) || days < 0) throw new TollgateError('--lookback-days must be a number of days');
  const markdown = await draftPostmortem(
    { repoRoot: context.repoRoot, registryDir },
    incident,
    days,
    'HEAD',
    {
      reader: fileSystemReader(context.registryDir),
    },
  );
  if (!values.write || values['dry-run']) {
    context.out(markdown);
    return 0;
  }
  const file = registryDir === '.' ? postmortemPath(id) : `${registryDir}/${postmortemPath(id)}`;
  const date = context
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const result = await commitRegistryChange(context.repoRoot, {
    registryDir,
    build: async (_reader, stage) => {
      stage.writeRegistry([{ path: postmortemPath(id), text: markdown }]);
      if ((await stage.changed()).length === 0) return { value: undefined };
      return {
        value: undefined,
        commit: {
          message: `Postmortem draft for ${id}`,
          trailers: { 'Tollgate-Event': 'postmortem', Incident: id },
          env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
        },
      };
    },
  });
  context.out(result.commit ? `wrote ${file}` : `${file} is already this draft; nothing to commit`);
  return 0;
}
