// The monitor's observe job (templates/workflows/tollgate-monitor.yml): runs the metrics command of every watched
// model whose source is a command, in a job that holds no App token and no write token, and captures what each run
// printed (observations.ts). The rules are judged again in the record job from its own checkout; nothing judged here
// is trusted there. Prometheus and file sources are read by the record job itself: they run no repository code.
import { join } from 'node:path';
import { describeError } from '../errors.ts';
import { effectivePolicy } from '../policy/effective.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { ACTIONS_RUNTIME_CREDENTIALS } from '../retrain/training.ts';
import { planMonitor } from './flow.ts';
import { commandSource } from './json-source.ts';
import { OBSERVATIONS_SCHEMA, type CommandCapture, type Observations } from './observations.ts';
import { assertSourceSpec, sourceSpecFor } from './source.ts';
import { watchedModels } from './tick.ts';

export interface ObserveRequest {
  /** Models to watch; empty = every model with monitoring rules. */
  models: string[];
  registry: string;
}

/** The runtime's credentials and any token: none of it is handed to a metrics command. */
export const RUNNER_CREDENTIALS = [
  ...ACTIONS_RUNTIME_CREDENTIALS,
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'INPUT_TOKEN',
  'INPUT_DISPATCH-TOKEN',
];

/** The environment a metrics command runs with: this job's, without the runner's credentials. */
export function commandEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !RUNNER_CREDENTIALS.includes(name)));
}

export interface ObservePorts {
  repoRoot: string;
  now: Date;
  /** The commands' environment: this job's, which holds no credential. */
  env: NodeJS.ProcessEnv;
}

function specOf(...args: Parameters<typeof sourceSpecFor>) {
  try {
    return sourceSpecFor(...args);
  } catch {
    return undefined;
  }
}

export async function observeCommandSources(
  request: ObserveRequest,
  ports: ObservePorts,
): Promise<Observations> {
  const { registry } = await loadRegistry(
    fileSystemReader(join(ports.repoRoot, request.registry || 'registry')),
  );
  const policy = effectivePolicy(registry.policy);
  const observations: Observations = {
    schema: OBSERVATIONS_SCHEMA,
    observed_at: ports.now.toISOString(),
    models: [],
    failures: [],
  };
  for (const model of watchedModels(registry, policy, request.models, undefined)) {
    const entry = registry.models.get(model);
    // A model without a source, or one the record job reads itself, is the record job's to report.
    const spec = entry ? specOf(entry.model, policy.monitoring.source) : undefined;
    if (!spec || spec.kind !== 'command') continue;
    try {
      assertSourceSpec(spec, `models/${model}/model.yaml`);
      const captures: CommandCapture[] = [];
      const source = commandSource(spec, {
        repoRoot: ports.repoRoot,
        env: commandEnvironment(ports.env),
        capture: (run) => captures.push(run),
      });
      // The same questions the record job's rules will ask, so each finds its capture there.
      await planMonitor({ registry, model, now: ports.now, actor: 'tollgate-observe', source });
      observations.models.push({ model, captures });
    } catch (error) {
      observations.failures.push({ model, error: describeError(error) });
    }
  }
  return observations;
}
