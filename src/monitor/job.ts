// The monitor action's use case, one per job of templates/workflows/tollgate-monitor.yml. `observe` runs in a job
// holding no App token and no write token: it runs the watched models' metrics commands (repository code) and
// writes what they printed to a file the workflow passes on as an artifact. `record` holds the App token and runs
// no repository code: it checks a repository_dispatch's sender, reads Prometheus and file sources itself, judges
// the command sources from the observe job's file, records what changed and dispatches (tick.ts).
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TollgateError } from '../errors.ts';
import { assertDispatchAccepted, type DispatchOrigin } from '../policy/dispatch.ts';
import { effectivePolicy } from '../policy/effective.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { observeCommandSources } from './observe-flow.ts';
import { MetricsSourceError } from './source.ts';
import {
  MAX_OBSERVATIONS_BYTES,
  OBSERVATIONS_SCHEMA,
  parseObservations,
  type Observations,
} from './observations.ts';
import {
  monitorTick,
  type MonitorTickPorts,
  type MonitorTickRequest,
  type MonitorTickResult,
} from './tick.ts';

export type MonitorJobMode = 'observe' | 'record';

export const OBSERVATIONS_FILE = 'observations.json';

/** The action's inputs, as read (every one a string, empty when not given). */
export type MonitorInputs = Record<
  'mode' | 'model' | 'registry' | 'observations' | 'retrain-workflow' | 'incident-workflow' | 'ref',
  string
> & { dryRun: boolean };

export type MonitorJobRequest = MonitorTickRequest & {
  mode: MonitorJobMode;
  observationsFile: string;
  origin: DispatchOrigin;
};

/** The request from the inputs and the event: an Alertmanager payload comes as a repository_dispatch's client_payload. */
export function monitorJobRequest(
  inputs: MonitorInputs,
  origin: DispatchOrigin & { event: { client_payload?: unknown; repository?: object } },
  tempDir: string,
): MonitorJobRequest {
  const defaultBranch = (origin.event.repository as { default_branch?: unknown } | undefined)?.default_branch;
  return {
    mode: monitorJobMode(inputs.mode),
    models: inputs.model.split(/[\s,]+/).filter(Boolean),
    registry: inputs.registry || 'registry',
    observationsFile: inputs.observations || join(tempDir, 'tollgate-monitor', OBSERVATIONS_FILE),
    origin,
    dryRun: inputs.dryRun,
    retrainWorkflow: inputs['retrain-workflow'] || 'tollgate-retrain.yml',
    incidentWorkflow: inputs['incident-workflow'] || 'tollgate-incident.yml',
    ref: inputs.ref,
    ...(origin.eventName === 'repository_dispatch' ? { alertmanager: origin.event.client_payload } : {}),
    ...(typeof defaultBranch === 'string' && defaultBranch ? { defaultBranch } : {}),
  };
}

/** The record job's failures as the error that fails the job (after the summary is written). */
export function assertMonitored(result: MonitorTickResult): void {
  if (result.failures.length > 0)
    throw new TollgateError(
      `monitoring failed for ${result.failures.map((f) => `${f.model}: ${f.error}`).join('; ')}`,
      { fix: 'check the model’s monitoring.source and that the workflows to dispatch exist' },
    );
}

export function monitorJobMode(raw: string): MonitorJobMode {
  const mode = raw.trim() || 'record';
  if (mode === 'observe' || mode === 'record') return mode;
  throw new TollgateError(`input "mode" must be observe or record, not "${mode}"`, {
    field: 'mode',
    fix: 'observe in the job without the App token, record in the job with it (templates/workflows/tollgate-monitor.yml)',
  });
}

/** Where the observations file is: `path` itself, or observations.json in it when it is a folder (an artifact). */
async function observationsPath(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() ? join(path, OBSERVATIONS_FILE) : path;
}

/** The observe job's file, or the error every command-sourced model fails with (missing, too large, unusable). */
export async function readObservations(path: string, now: Date): Promise<Observations | MetricsSourceError> {
  const file = await observationsPath(path);
  const info = await stat(file).catch(() => undefined);
  if (!info)
    return new MetricsSourceError(
      `no observations from the observe job at ${file}: a metrics command runs only in the monitor workflow's ` +
        'observe job, never in this job, which holds a write credential',
      {
        fix:
          'check the observe job’s log; a workflow installed before it existed needs its `observe` job copied from ' +
          'templates/workflows/tollgate-monitor.yml (`tollgate init --upgrade` moves pins only)',
      },
    );
  if (info.size > MAX_OBSERVATIONS_BYTES)
    return new MetricsSourceError(`${file} is larger than ${MAX_OBSERVATIONS_BYTES} bytes`, { file });
  try {
    return parseObservations(await readFile(file, 'utf8'), now);
  } catch (error) {
    if (error instanceof MetricsSourceError) return error;
    throw error;
  }
}

export interface ObserveJobResult {
  mode: 'observe';
  file: string;
  observations: Observations;
  summary: string;
}

export type RecordJobResult = MonitorTickResult & {
  mode: 'record';
  outputs: { firing: string; changed: string; dispatched: string };
};

/** The observe job: capture every watched command source's output into `observationsFile`. */
export async function observeJob(
  request: { models: string[]; registry: string; observationsFile: string; origin: DispatchOrigin },
  ports: { repoRoot: string; now: Date; env: NodeJS.ProcessEnv },
): Promise<ObserveJobResult> {
  // Alerts decide every rule they name, so an Alertmanager dispatch runs no command.
  const observations: Observations =
    request.origin.eventName === 'repository_dispatch'
      ? { schema: OBSERVATIONS_SCHEMA, observed_at: ports.now.toISOString(), models: [], failures: [] }
      : await observeCommandSources(request, ports);
  const file = await observationsPath(request.observationsFile);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(observations));
  const lines = ['## Tollgate monitor: observe', ''];
  for (const m of observations.models)
    lines.push(`- \`${m.model}\`: metrics command run ${m.captures.length} time(s)`);
  for (const f of observations.failures) lines.push(`- \`${f.model}\` failed: ${f.error}`);
  if (lines.length === 2) lines.push('No watched model reads its metrics from a command.');
  return { mode: 'observe', file, observations, summary: lines.join('\n') };
}

/** The record job: the tick, with command sources judged from the observe job's file and never run. */
export async function recordJob(
  request: Omit<MonitorJobRequest, 'mode'>,
  ports: Omit<MonitorTickPorts, 'commands' | 'observations'>,
): Promise<RecordJobResult> {
  if (request.origin.eventName === 'repository_dispatch') {
    const { registry } = await loadRegistry(fileSystemReader(join(ports.repoRoot, request.registry)));
    assertDispatchAccepted(
      effectivePolicy(registry.policy).dispatch.allowedSenders,
      request.origin,
      'report alerts',
    );
  }
  const result = await monitorTick(request, {
    ...ports,
    commands: 'refuse',
    observations: await readObservations(request.observationsFile, ports.now),
  });
  const firing = result.plans.flatMap((p) =>
    p.verdicts.filter((v) => v.firing).map((v) => `${p.model}/${v.rule.name}`),
  );
  return {
    ...result,
    mode: 'record',
    outputs: {
      firing: JSON.stringify(firing),
      changed: JSON.stringify(result.plans.flatMap((p) => p.events.map((e) => e.id))),
      dispatched: JSON.stringify(result.dispatched),
    },
  };
}
