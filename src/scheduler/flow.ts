// The scheduler tick, the one use case of the scheduler action: which models are due (the pure plan in plan.ts),
// what is already running (registry requests, open retrain pull requests, claim branches), and the dispatches.
import { join } from 'node:path';
import { dispatchWorkflow } from '../github/dispatch.ts';
import { listOpenPullRequests } from '../github/pulls.ts';
import { gitClient } from '../git/client.ts';
import { runGit } from '../git/run.ts';
import { effectivePolicy } from '../policy/effective.ts';
import type { GitHubTarget } from '../publish/propose.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { retrainPath } from '../registry/paths.ts';
import type { Registry, Schedule } from '../registry/types.ts';
import {
  DEFAULT_TRAINING_TIMEOUT,
  RETRAIN_LOCK_PREFIX,
  isStaleClaim,
  retrainLockBranch,
  retrainLockFile,
} from '../retrain/flow.ts';
import { ACTIVE_STATUSES } from '../retrain/request.ts';
import {
  planScheduledRetrains,
  renderSchedulerSummary,
  type ActiveRetrain,
  type SchedulerPlan,
} from './plan.ts';

export const RETRAIN_BRANCH_PREFIX = 'tollgate/retrain/';

/** The inputs a tick dispatches the retrain workflow with; the workflow template must declare each of them. */
export const scheduledRetrainInputs = (model: string): Record<string, string> => ({
  model,
  reason: 'scheduled retrain',
  trigger: 'schedule',
});

export interface SchedulerTickRequest {
  /** The retrain workflow's file name; '' for tollgate-retrain.yml. */
  workflow: string;
  /** Branch the retrain workflow runs on; '' for the repository's default branch. */
  ref: string;
  dryRun: boolean;
  /** Repository-relative registry folder. */
  registry: string;
  /** The repository's default branch as the event names it; else the policy's. */
  defaultBranch?: string;
}

export interface SchedulerTickPorts {
  /** The checkout: registry files, and git for the claim branches of running retrains. */
  repoRoot: string;
  github: GitHubTarget;
  now: Date;
}

export interface SchedulerResult {
  plan: SchedulerPlan;
  ref: string;
  dryRun: boolean;
  dispatched: { model: string; runUrl?: string }[];
  /** Dispatches GitHub refused; the other models were still dispatched. */
  failures: { model: string; error: string }[];
  summary: string;
}

/** Requests still queued or running in the registry: the scheduler must not start a second retrain. */
export function activeRequests(registry: Registry): ActiveRetrain[] {
  const active: ActiveRetrain[] = [];
  for (const [name, entry] of registry.models) {
    for (const request of entry.retrains.values()) {
      if (ACTIVE_STATUSES.has(request.status)) {
        active.push({ model: name, kind: 'request', ref: request.run?.url ?? retrainPath(name, request.id) });
      }
    }
  }
  return active;
}

const CLAIMS = 'refs/tollgate/claims/';

/**
 * Retrains running right now: a running retrain action holds the branch tollgate/lock/retrain/<model> until its
 * pull request exists, and its request is committed only when it ends. Read with git from the checkout's remote
 * (no API call). A claim old enough for the retrain action to take over was left by a run that died: not active.
 * Undefined when the remote cannot be read (the tick goes on without this look).
 */
export async function claimedRetrains(
  workspace: string,
  registry: Registry,
  now: Date,
): Promise<ActiveRetrain[] | undefined> {
  const fetched = await gitClient(workspace)
    .fetch('origin', `+refs/heads/${RETRAIN_LOCK_PREFIX}*:${CLAIMS}*`, [
      '--quiet',
      '--no-tags',
      '--prune',
      '--depth=1',
    ])
    .then(
      () => true,
      () => false,
    );
  if (!fetched) return undefined;
  // Raw: simple-git has no for-each-ref call.
  const refs = await runGit(workspace, [
    'for-each-ref',
    '--format=%(objectname) %(committerdate:unix) %(refname)',
    CLAIMS,
  ]);
  const active: ActiveRetrain[] = [];
  for (const line of refs.stdout.split('\n').filter(Boolean)) {
    const [sha, seconds, ref] = line.split(' ') as [string, string, string];
    const model = ref.slice(CLAIMS.length);
    const entry = registry.models.get(model);
    const timeout = entry?.model.training?.timeout ?? DEFAULT_TRAINING_TIMEOUT;
    if (!entry || isStaleClaim(new Date(Number(seconds) * 1000), now, timeout)) continue;
    // Raw: exit 128 (the claim's commit holds no lock file) is an answer, not an error.
    const held = await runGit(workspace, ['show', `${sha}:${retrainLockFile(model)}`], { okCodes: [128] });
    const [request = '', runUrl = ''] = held.stdout.split('\n');
    const what = [request && `${request} running`, runUrl].filter(Boolean).join(': ');
    active.push({ model, kind: 'request', ref: what || `claimed by branch ${retrainLockBranch(model)}` });
  }
  return active;
}

/** Every Schedule in the registry, including those whose model.yaml is missing (the plan skips them, saying so). */
function schedulesOf(registry: Registry): Schedule[] {
  const schedules = new Map<string, Schedule>();
  for (const [path, doc] of registry.documents) {
    if (doc.kind === 'Schedule' && path.endsWith('/schedule.yaml') && typeof doc.model === 'string') {
      schedules.set(doc.model, doc);
    }
  }
  // A model's own (valid) schedule wins over whatever else was parsed.
  for (const entry of registry.models.values())
    if (entry.schedule) schedules.set(entry.model.name, entry.schedule);
  return [...schedules.values()];
}

/**
 * One scheduler tick: read every schedule, model and retrain request from the checkout, list the open retrain pull
 * requests (one paginated call) and the claim branches (git), plan, and dispatch the retrain workflow once per due
 * model with no retrain in flight. A failed dispatch is reported, and the others still run.
 */
export async function scheduleTick(
  inputs: SchedulerTickRequest,
  ports: SchedulerTickPorts,
): Promise<SchedulerResult> {
  const deps = { client: ports.github.client, now: ports.now };
  const env = { workspace: ports.repoRoot };
  const workflow = inputs.workflow.trim() || 'tollgate-retrain.yml';
  const { registry } = await loadRegistry(
    fileSystemReader(join(env.workspace, inputs.registry || 'registry')),
  );
  const policy = effectivePolicy(registry.policy);
  const { repo } = ports.github;
  const pulls = await listOpenPullRequests(deps.client, repo, { headPrefix: RETRAIN_BRANCH_PREFIX });
  const fromPulls: ActiveRetrain[] = pulls.flatMap((pull) => {
    const model = pull.headRef.slice(RETRAIN_BRANCH_PREFIX.length).split('/')[0];
    return model ? [{ model, kind: 'pull-request' as const, ref: `#${pull.number} ${pull.url}` }] : [];
  });
  const claims = await claimedRetrains(env.workspace, registry, deps.now);
  const plan = planScheduledRetrains({
    schedules: schedulesOf(registry),
    models: [...registry.models.values()].map((entry) => entry.model),
    activeRetrains: [...activeRequests(registry), ...fromPulls, ...(claims ?? [])],
    now: deps.now,
  });
  const ref = inputs.ref.trim() || inputs.defaultBranch || policy.defaultBranch;

  const dispatched: SchedulerResult['dispatched'] = [];
  const failures: SchedulerResult['failures'] = [];
  if (!inputs.dryRun) {
    for (const model of plan.dispatch) {
      try {
        const run = await dispatchWorkflow(deps.client, repo, {
          workflow,
          ref,
          inputs: scheduledRetrainInputs(model),
        });
        dispatched.push({ model, ...(run.htmlUrl ? { runUrl: run.htmlUrl } : {}) });
      } catch (error) {
        // One model's failed dispatch must not keep the others from running.
        failures.push({ model, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  const lines = [renderSchedulerSummary(plan)];
  if (!claims) {
    lines.push(
      '_Could not read the claim branches of running retrains from `origin`; a dispatched retrain still refuses if one runs._',
      '',
    );
  }
  if (inputs.dryRun) {
    lines.push(
      `**Dry run:** nothing was dispatched; \`${workflow}\` would run on \`${ref}\` for each model above.`,
      '',
    );
  } else {
    for (const d of dispatched.filter((d) => d.runUrl))
      lines.push(`- \`${d.model}\`: [workflow run](${d.runUrl})`);
    if (failures.length > 0) {
      lines.push('', '### Dispatch failed', '', ...failures.map((f) => `- \`${f.model}\`: ${f.error}`), '');
    }
  }
  return { plan, ref, dryRun: inputs.dryRun, dispatched, failures, summary: lines.join('\n') };
}
