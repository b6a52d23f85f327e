// A scheduler tick over 1,000 models. Times the compute the issue bounds at 0.5 s (reading every model, schedule
// and retrain request from the checkout and planning the tick), then the whole scheduler tick (scheduleTick) against a local
// stand-in for the GitHub API that counts the calls: one pull-request listing plus one dispatch per model started.
// On GitHub the client spaces writes a second apart (secondary rate limits), so a tick that dispatches 100 models
// lasts about 100 s of wall clock; here that spacing is scaled down (waitUnitMs) and the tick's CPU time is shown.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { activeRequests, scheduleTick } from '../src/scheduler/flow.ts';
import { createGitHubClient } from '../src/github/client.ts';
import { fileSystemReader, loadRegistry } from '../src/registry/load.ts';
import { modelPath, POLICY_PATH, retrainPath, schedulePath } from '../src/registry/paths.ts';
import type { RegistryDocument, Schedule } from '../src/registry/types.ts';
import { serializeDocument } from '../src/registry/writer.ts';
import { planScheduledRetrains } from '../src/scheduler/plan.ts';
import { modelName } from './generate-registry.ts';

export interface BenchResult {
  name: string;
  ratio: number;
  detail: string;
}

const MODELS = Number(process.env.TOLLGATE_BENCH_MODELS ?? 1000);
const BUDGET_MS = 500;
export const TICK = new Date('2026-11-25T22:00:00Z');
const at = (hours: number) =>
  new Date(TICK.getTime() + hours * 3_600_000).toISOString().replace('.000Z', 'Z');

/**
 * Model i by i mod 10: 0 overdue (dispatched), 1 due with a running request (skipped), 2 paused, 3 cooling down,
 * 4-9 waiting for their next run. So a tenth of the models is dispatched and a fifth is due.
 */
export function* scheduledRegistry(models: number): Generator<[string, RegistryDocument]> {
  yield [POLICY_PATH, { apiVersion: 'tollgate/v1', kind: 'Policy', roles: { risk: { users: ['rita'] } } }];
  for (let i = 0; i < models; i++) {
    const model = modelName(i);
    yield [
      modelPath(model),
      {
        apiVersion: 'tollgate/v1',
        kind: 'Model',
        name: model,
        owners: { users: ['alice'] },
        schedule: { interval: 86_400 },
      },
    ];
    const kind = i % 10;
    const schedule: Schedule = {
      apiVersion: 'tollgate/v1',
      kind: 'Schedule',
      schema_version: 1,
      model,
      interval: 86_400,
      next_run: kind <= 3 ? at(-48) : at(1 + (i % 24)),
      failure_streak: kind === 3 ? 2 : 0,
      ...(kind === 2 ? { paused_until: at(12), paused_reason: 'feature freeze', paused_by: 'bob' } : {}),
      ...(kind === 3 ? { last_failure: at(-1), cooldown_until: at(2) } : {}),
    };
    yield [schedulePath(model), schedule];
    if (kind === 1) {
      yield [
        retrainPath(model, 'rt-20261125-210000-ab12'),
        {
          apiVersion: 'tollgate/v1',
          kind: 'RetrainRequest',
          id: 'rt-20261125-210000-ab12',
          model,
          status: 'running',
          reason: 'manual',
          trigger: { kind: 'manual', actor: 'carol' },
          created_at: at(-1),
        },
      ];
    }
  }
}

/** Writes the registry under `dir`; returns the number of files. */
export async function writeScheduledRegistry(dir: string, models: number): Promise<number> {
  let count = 0;
  for (const [path, doc] of scheduledRegistry(models)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), serializeDocument(doc));
    count++;
  }
  return count;
}

const STAND_IN = `
const server = require('node:http').createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (request.method === 'GET') response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    else response.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/** Best of `runs` in milliseconds, so one garbage collection does not decide the figure. */
async function best(runs: number, fn: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

export async function benchScheduler(): Promise<BenchResult[]> {
  const workspace = await mkdtemp(join(tmpdir(), 'tollgate-bench-scheduler-'));
  // The GitHub stand-in, in its own process so that the tick's CPU time is Tollgate's and its client's alone:
  // no open pull requests; every dispatch accepted.
  const server = spawn(process.execPath, ['-e', STAND_IN], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const files = await writeScheduledRegistry(join(workspace, 'registry'), MODELS);
    const [port] = (await once(server.stdout, 'data')) as [Buffer];
    const baseUrl = `http://127.0.0.1:${port.toString().trim()}`;

    let dispatch = 0;
    const compute = await best(5, async () => {
      const { registry } = await loadRegistry(fileSystemReader(join(workspace, 'registry')));
      const plan = planScheduledRetrains({
        schedules: [...registry.models.values()].flatMap((e) => (e.schedule ? [e.schedule] : [])),
        models: [...registry.models.values()].map((e) => e.model),
        activeRetrains: activeRequests(registry),
        now: TICK,
      });
      dispatch = plan.dispatch.length;
    });

    // Best of 3 whole ticks, by CPU time.
    let cpuMs = Infinity;
    let tick = 0;
    let calls = 0;
    let due = 0;
    for (let run = 0; run < 3; run++) {
      const client = createGitHubClient({ token: 'bench', baseUrl, waitUnitMs: 1 });
      const start = performance.now();
      const cpu = process.cpuUsage();
      const result = await scheduleTick(
        { workflow: 'tollgate-retrain.yml', ref: 'main', dryRun: false, registry: 'registry' },
        { repoRoot: workspace, github: { client, repo: { owner: 'acme', repo: 'models' } }, now: TICK },
      );
      const used = process.cpuUsage(cpu);
      const ms = (used.user + used.system) / 1000;
      if (result.dispatched.length !== dispatch || client.calls() !== dispatch + 1) {
        throw new Error(`expected ${dispatch + 1} calls, made ${client.calls()}`);
      }
      if (ms < cpuMs)
        [cpuMs, tick, calls, due] = [ms, performance.now() - start, client.calls(), result.plan.due.length];
    }
    return [
      {
        name: `scheduler: load + plan, ${MODELS} models (${files} files)`,
        ratio: compute / BUDGET_MS,
        detail: `${compute.toFixed(1)} ms of a ${BUDGET_MS} ms budget; ${due} due, ${dispatch} to dispatch`,
      },
      {
        name: `scheduler: whole tick, ${MODELS} models, local API`,
        ratio: cpuMs / BUDGET_MS,
        detail:
          `${cpuMs.toFixed(1)} ms CPU (${tick.toFixed(1)} ms wall, writes 1 ms apart); ` +
          `${calls} API calls = ${dispatch} dispatches + 1 listing`,
      },
    ];
  } finally {
    server.kill();
    await rm(workspace, { recursive: true, force: true });
  }
}
