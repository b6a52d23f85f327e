// One retrain, end to end, shared by `tollgate retrain` and the retrain action: duplicate guard, request,
// training run, version record, schedule update, audit event, and the commit that carries them (a pull request
// on success; a state-only change on failure). Without a GitHub target everything stays on local branches.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TollgateError } from '../errors.ts';
import { commitFilesToBranch } from '../git/commit.ts';
import type { Author, Trailers } from '../git/commit.ts';
import { gitClient } from '../git/client.ts';
import { commitFields, resolveRef } from '../git/history.ts';
import { gitTreeReader } from '../git/reader.ts';
import { runGit } from '../git/run.ts';
import { listOpenPullRequests } from '../github/pulls.ts';
import { effectivePolicy } from '../policy/effective.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import { proposeChange } from '../publish/propose.ts';
import { publishStateChange, renderRegistryFiles, type StateMerge } from '../publish/state.ts';
import type { GitHubTarget } from '../publish/propose.ts';
import { loadRegistry } from '../registry/load.ts';
import { assertSafeName } from '../registry/names.ts';
import { auditPath, retrainPath, schedulePath, versionPath } from '../registry/paths.ts';
import type {
  GateSpec,
  ModelEntry,
  ModelVersion,
  RegistryDocument,
  RetrainRequest,
  Schedule,
} from '../registry/types.ts';
import type { RegistryFileWrite } from '../registry/writer.ts';
import { executed, failed, initialSchedule, intervalFor, isDue, isoTime } from '../scheduler/schedule.ts';
import { runArtifactValidator, validateArtifactContent } from './artifact-content.ts';
import { buildModelVersion, nextVersionId, renderRetrainBody, retrainAuditEvent } from './record.ts';
import {
  parseTrainingReport,
  outputsMismatch,
  TRAINING_REPORT_VERSION,
  type TrainingReport,
} from './report.ts';
import {
  activeRetrain,
  complete,
  fail,
  newRetrainRequest,
  REQUEST_ID,
  retrainRequestId,
  start,
} from './request.ts';
import {
  readTrainingOutputs,
  runTraining,
  trainingEnv,
  startFailureLine,
  TrainingError,
  trainingNeverStarted,
  type TrainingResult,
} from './training.ts';

import { TRIGGER_KINDS, type TriggerKind } from './trigger.ts';
export { TRIGGER_KINDS, type TriggerKind };

/** Default training timeout when model.yaml names none: one hour. */
export const DEFAULT_TRAINING_TIMEOUT = 3600;
export const RETRAIN_LABEL = 'tollgate:retrain';
export const STATE_LABEL = 'tollgate:state';

/** Branch prefix of every retrain pull request of `model`; the action's duplicate guard looks for it. */
export const retrainBranchPrefix = (model: string): string =>
  `tollgate/retrain/${assertSafeName('model', model)}/`;
export const retrainBranch = (model: string, request: string): string =>
  `${retrainBranchPrefix(model)}${assertSafeName('request', request)}`;
export const stateBranch = (model: string, request: string): string =>
  `tollgate/state/${assertSafeName('model', model)}/${assertSafeName('request', request)}`;

/** An open pull request the duplicate guard must respect (the action lists them; the CLI has none). */
export interface OpenRetrainPull {
  number: number;
  url: string;
  headRef: string;
}

export interface RetrainFlowInput {
  repoRoot: string;
  /** Repository-relative registry folder, e.g. `registry`. */
  registryPrefix: string;
  model: string;
  reason?: string;
  trigger?: TriggerKind;
  actor: string;
  /** Snapshot of the metrics and thresholds that triggered the retrain (a drift or incident), kept on the request. */
  triggerMetrics?: Record<string, number>;
  triggerThresholds?: GateSpec[];
  /** Overrides model.yaml's training.command. */
  command?: string[];
  dryRun?: boolean;
  /** Commit the change builds on and the registry is read from. Default `HEAD`. */
  baseRef?: string;
  /** Branch the pull request targets (and state changes are pushed to). */
  baseBranch: string;
  /** The workflow run, for lineage. */
  runUrl?: string;
  workflow?: string;
  /** Called at each step; the clock is read more than once because training takes time. */
  now: () => Date;
  /** Request id suffix; random by default. */
  requestSuffix?: string;
  /** Where training outputs go (a fresh folder inside it). Default: the system temp folder. */
  tempDir?: string;
  /** Open retrain pull requests; listed through `github` when absent. */
  openRetrainPulls?: OpenRetrainPull[];
  /** The repository to push to and open the pull request in; a dry run only reads from it. */
  github?: GitHubTarget;
  author?: Author;
  /** Extra environment for git (dates, committer identity). */
  gitEnv?: NodeJS.ProcessEnv;
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  /**
   * A trainer that never began (not found, or its interpreter could not load it) throws a TollgateError naming
   * the command, its exit status and last output, and records nothing. Default (the action): recorded as a
   * failed retrain, so the schedule cools down instead of retrying every tick.
   */
  throwIfNeverStarted?: boolean;
}

/** What a dry run would do. */
export interface RetrainPlan {
  model: string;
  request: RetrainRequest;
  version: string;
  parent?: string;
  command: string[];
  cwd: string;
  timeout: number;
  env: Record<string, string>;
  branch: string;
  baseBranch: string;
  /**
   * Repository-relative files a successful run would write. The audit event's name carries the time the run
   * finishes, so the one listed here is named for now.
   */
  files: string[];
}

export interface RetrainOutcome {
  status: 'completed' | 'failed' | 'refused' | 'dry-run';
  model: string;
  plan?: RetrainPlan;
  request?: RetrainRequest;
  version?: ModelVersion;
  schedule?: Schedule;
  /** Repository-relative paths of the files in the change. */
  files?: string[];
  branch?: string;
  commit?: string;
  /** True when a failure record was pushed straight to the base branch. */
  pushed?: boolean;
  pullRequest?: { number: number; url: string; created: boolean };
  /** How a failure's state-only pull request reaches the default branch: merged, auto-merge, or left open. */
  stateMerge?: StateMerge;
  /** Title and body of the pull request (opened, or that would be opened). */
  title?: string;
  body?: string;
  /** Where the artifact was left, for an upload step. */
  artifactPath?: string;
  /** The refusal or the training failure. */
  error?: TollgateError;
}

interface Loaded {
  entry: ModelEntry;
  policy: EffectivePolicy;
}

async function loadModel(repoRoot: string, ref: string, prefix: string, model: string): Promise<Loaded> {
  const reader = gitTreeReader(repoRoot, ref, prefix);
  try {
    const { registry } = await loadRegistry(reader);
    const entry = registry.models.get(model);
    if (!entry) {
      throw new TollgateError(`no model ${model} in ${prefix} at ${ref}`, {
        file: `${prefix}/models/${model}/model.yaml`,
        fix: 'check the name (`ls registry/models`), or fix model.yaml so it validates (`tollgate validate`)',
      });
    }
    return { entry, policy: effectivePolicy(registry.policy) };
  } finally {
    reader.close();
  }
}

/** The duplicate guard: an active request in the registry, or an open retrain pull request of the model. */
function refusal(entry: ModelEntry, model: string, pulls: OpenRetrainPull[] = []): TollgateError | undefined {
  const found = activeRetrain(entry.retrains.values(), model);
  if (found) return new TollgateError(found.message, { fix: found.fix });
  const prefix = retrainBranchPrefix(model);
  const pull = pulls.find((p) => p.headRef.startsWith(prefix));
  if (pull) {
    return new TollgateError(
      `model ${model} already has an open retrain pull request #${pull.number}: ${pull.url}`,
      { fix: `merge or close #${pull.number} first; one retrain of a model is in flight at a time` },
    );
  }
  return undefined;
}

/** The schedule to update: the existing one, or a fresh one when the model takes part in scheduling. */
function scheduleOf(entry: ModelEntry, policy: EffectivePolicy, now: Date): Schedule | undefined {
  if (entry.schedule) return entry.schedule;
  const settings = entry.model.schedule;
  if (!settings || settings.enabled === false) return undefined;
  return initialSchedule(entry.model, intervalFor(entry.model, policy), now);
}

/** Runs the writer on a scratch registry (validating every document) and returns the bytes for the commit. */

const doc = (path: string, document: RegistryDocument): RegistryFileWrite => ({ path, document });

function parseCommandOverride(command: string[] | undefined, entry: ModelEntry): string[] {
  const chosen = command ?? entry.model.training?.command;
  if (!chosen || chosen.length === 0) {
    throw new TollgateError(`model ${entry.model.name} has no training command`, {
      file: `models/${entry.model.name}/model.yaml`,
      field: 'training.command',
      fix: 'set training.command in model.yaml (an argv list), or pass --command \'["node", "train.ts"]\'',
    });
  }
  return chosen;
}

/** Everything the checks before training decided: the request to create, its ids, the command. */
interface Prepared extends Loaded {
  model: string;
  prefix: string;
  baseRef: string;
  command: string[];
  timeout: number;
  queued: RetrainRequest;
  versionId: string;
  parent?: string;
  env: Record<string, string>;
  branch: string;
}

/**
 * The checks and ids every retrain starts with: the model, the duplicate guard, a scheduled run's due check, the
 * command, and the request. `fixed` carries the request id and creation time of a request the training job
 * already created (the recording job rebuilds the same request).
 */
async function prepareRetrain(
  input: RetrainFlowInput,
  fixed?: { requestId: string; createdAt: Date },
): Promise<Prepared | RetrainOutcome> {
  const model = assertSafeName('model', input.model);
  const prefix = input.registryPrefix.replace(/^\.\/|\/+$/g, '');
  const baseRef = input.baseRef ?? 'HEAD';
  const trigger = input.trigger ?? 'manual';
  if (!TRIGGER_KINDS.includes(trigger)) {
    throw new TollgateError(`trigger ${JSON.stringify(trigger)} is not one of ${TRIGGER_KINDS.join(', ')}`, {
      field: 'trigger',
      fix: `pass one of ${TRIGGER_KINDS.join(', ')}`,
    });
  }
  const { entry, policy } = await loadModel(input.repoRoot, baseRef, prefix, model);
  // The guard's second half: a retrain pull request an earlier run opened (one paginated call). A dry run asks
  // too, so that it refuses exactly where a real run would.
  const openPulls =
    input.openRetrainPulls ??
    (input.github
      ? (
          await listOpenPullRequests(input.github.client, input.github.repo, {
            headPrefix: retrainBranchPrefix(model),
          })
        ).map((p) => ({ number: p.number, url: p.url, headRef: p.headRef }))
      : []);
  const refused = refusal(entry, model, openPulls);
  if (refused) return { status: 'refused', model, error: refused };
  // A scheduled run re-checks the schedule: a pause or cooldown set, or a run merged, since the tick planned it.
  // The recording job does not: its training already ran, and the due check belongs before training.
  if (trigger === 'schedule' && entry.schedule && !fixed) {
    const verdict = isDue(entry.schedule, entry.model, input.now());
    if (!verdict.due) {
      const error = new TollgateError(`a scheduled retrain of ${model} is not due: ${verdict.reason}`, {
        file: `${prefix}/models/${model}/schedule.yaml`,
        fix: 'nothing to do; to retrain anyway, start a manual retrain (trigger: manual)',
      });
      return { status: 'refused', model, error };
    }
  }

  const command = parseCommandOverride(input.command, entry);
  const timeout = entry.model.training?.timeout ?? DEFAULT_TRAINING_TIMEOUT;
  const createdAt = fixed?.createdAt ?? input.now();
  const requestId =
    fixed?.requestId ??
    retrainRequestId(createdAt, model, input.requestSuffix ?? randomBytes(2).toString('hex'));
  const versionId = nextVersionId(entry.versions.keys());
  const production = entry.stages?.stages.production?.version;
  const parent = production && entry.versions.has(production) ? production : undefined;
  const queued = newRetrainRequest({
    model,
    reason: input.reason?.trim() || (trigger === 'schedule' ? 'scheduled retrain' : 'manual retrain'),
    trigger: {
      kind: trigger,
      actor: input.actor,
      ...(input.triggerMetrics ? { metrics: input.triggerMetrics } : {}),
      ...(input.triggerThresholds ? { thresholds: input.triggerThresholds } : {}),
    },
    now: createdAt,
    id: requestId,
  });
  const env = trainingEnv({
    model,
    requestId,
    version: versionId,
    ...(parent ? { parent } : {}),
    ...(entry.model.training?.data ? { data: entry.model.training.data } : {}),
  });
  const branch = retrainBranch(model, requestId);

  if (input.dryRun) {
    const audit = retrainAuditEvent({
      request: { ...queued, status: 'completed' },
      now: createdAt,
      actor: input.actor,
    });
    const plan: RetrainPlan = {
      model,
      request: queued,
      version: versionId,
      ...(parent ? { parent } : {}),
      command,
      cwd: input.repoRoot,
      timeout,
      env,
      branch,
      baseBranch: input.baseBranch,
      files: [
        versionPath(model, versionId),
        retrainPath(model, requestId),
        ...(scheduleOf(entry, policy, createdAt) ? [schedulePath(model)] : []),
        auditPath(audit.id),
      ].map((path) => `${prefix}/${path}`),
    };
    return { status: 'dry-run', model, plan, request: queued };
  }
  return {
    entry,
    policy,
    model,
    prefix,
    baseRef,
    command,
    timeout,
    queued,
    versionId,
    ...(parent ? { parent } : {}),
    env,
    branch,
  };
}

const isOutcome = (value: Prepared | RetrainOutcome): value is RetrainOutcome => 'status' in value;

interface Trained {
  running: RetrainRequest;
  sourceCommit: string;
  outputDir: string;
  training?: TrainingResult;
  error?: TrainingError;
}

/** Runs the training command into a fresh folder; a TrainingError comes back as a value, anything else throws. */
async function trainPrepared(input: RetrainFlowInput, prepared: Prepared): Promise<Trained> {
  const { model, queued, command, baseRef } = prepared;
  const runDetails = { ...(input.runUrl ? { url: input.runUrl } : {}), command };
  const running = start(queued, { now: input.now(), run: runDetails });
  const sourceCommit = await resolveRef(input.repoRoot, baseRef);
  const outputDir = await mkdtemp(join(input.tempDir ?? tmpdir(), `tollgate-${model}-${queued.id}-`));
  try {
    const training = await runTraining({
      command,
      cwd: input.repoRoot,
      env: prepared.env,
      timeoutSeconds: prepared.timeout,
      outputDir,
      ...(input.onOutput ? { onOutput: input.onOutput } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    try {
      await validateArtifactContent(input.repoRoot, prepared.entry.model, training.artifact.path);
      await runArtifactValidator(prepared.entry.model, {
        cwd: input.repoRoot,
        env: prepared.env,
        artifactPath: training.artifact.path,
        outputDir,
        timeoutSeconds: prepared.timeout,
        ...(input.onOutput ? { onOutput: input.onOutput } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
      });
    } catch (error) {
      if (!(error instanceof TrainingError)) throw error;
      // The run itself succeeded: its facts go with the failure, so the record shows what ran.
      throw new TrainingError(error.message, {
        reason: error.reason,
        ...(error.field ? { field: error.field } : {}),
        ...(error.fix ? { fix: error.fix } : {}),
        exitCode: training.exitCode,
        durationMs: training.durationMs,
        outputTail: training.outputTail,
      });
    }
    return { running, sourceCommit, outputDir, training };
  } catch (error) {
    await rm(outputDir, { recursive: true, force: true });
    if (!(error instanceof TrainingError)) throw error;
    return { running, sourceCommit, outputDir, error };
  }
}

export async function runRetrainFlow(input: RetrainFlowInput): Promise<RetrainOutcome> {
  const prepared = await prepareRetrain(input);
  if (isOutcome(prepared)) return prepared;
  const { model } = prepared;
  // Runs started at the same moment all pass the checks above; the claim lets one through.
  const claim = input.github
    ? await claimRetrain(input, input.github, model, prepared.queued.id, prepared.timeout)
    : undefined;
  if (claim instanceof TollgateError) return { status: 'refused', model, error: claim };
  try {
    const trained = await trainPrepared(input, prepared);
    if (!trained.training && input.throwIfNeverStarted && trainingNeverStarted(trained.error!))
      throw new TollgateError(startFailureLine(prepared.command, trained.error!), {
        kind: 'environment',
        field: 'training.command',
        fix:
          trained.error!.reason === 'exit'
            ? `run it alone to see the whole error (tollgate train -- ${prepared.command.join(' ')}); nothing was recorded`
            : `${trained.error!.fix ?? 'fix the command or the environment it runs in'}; nothing was recorded`,
        cause: trained.error,
      });
    if (!trained.training)
      return recordFailure(input, { ...prepared, running: trained.running, error: trained.error! });
    return await recordTrained(input, prepared, trained.running, trained.training, {
      sourceCommit: trained.sourceCommit,
      finishedAt: input.now(),
    });
  } finally {
    if (claim && input.github) await releaseClaim(input, input.github, claim);
  }
}

/** The training job's result: what it would hand to the recording job, and where the files are. */
export interface TrainStepOutcome {
  status: 'trained' | 'failed' | 'refused' | 'dry-run';
  model: string;
  plan?: RetrainPlan;
  request?: RetrainRequest;
  report?: TrainingReport;
  /** The folder to upload for the recording job (status `trained`). */
  outputDir?: string;
  metrics?: Record<string, number>;
  error?: TollgateError;
}

/**
 * The training job of a two-job retrain (docs/retrain.md "Two jobs"): the same checks as a one-job retrain, then
 * the training command, and a report of what it produced. It writes nothing to git and pushes nothing: it holds
 * no write credential, so the model's code cannot reach one. The duplicate guard's claim and every write happen
 * in the recording job.
 */
export async function runTrainStep(input: RetrainFlowInput): Promise<TrainStepOutcome> {
  const prepared = await prepareRetrain(input);
  if (isOutcome(prepared)) {
    const { status, model, plan, request, error } = prepared;
    return {
      status: status as 'refused' | 'dry-run',
      model,
      ...(plan ? { plan } : {}),
      ...(request ? { request } : {}),
      ...(error ? { error } : {}),
    };
  }
  const trained = await trainPrepared(input, prepared);
  const finishedAt = input.now();
  const base = {
    report: TRAINING_REPORT_VERSION,
    model: prepared.model,
    request: prepared.queued.id,
    created_at: prepared.queued.created_at,
    started_at: trained.running.started_at!,
    finished_at: isoTime(finishedAt),
    source_commit: trained.sourceCommit,
    version: prepared.versionId,
    ...(prepared.parent ? { parent: prepared.parent } : {}),
    command: prepared.command,
  } as const;
  if (!trained.training) {
    const error = trained.error!;
    const report: TrainingReport = {
      ...base,
      outcome: 'failed',
      exit_code: error.exitCode,
      duration_ms: error.durationMs,
      error: error.message,
      failure_reason: error.reason,
    };
    return { status: 'failed', model: prepared.model, request: trained.running, report, error };
  }
  const { training } = trained;
  const outputs = await readTrainingOutputs(trained.outputDir);
  const report: TrainingReport = {
    ...base,
    outcome: 'trained',
    exit_code: training.exitCode,
    duration_ms: training.durationMs,
    metrics_sha256: outputs.metricsSha256,
    artifact: {
      name: training.artifact.name,
      sha256: training.artifact.sha256,
      size: training.artifact.size,
    },
  };
  return {
    status: 'trained',
    model: prepared.model,
    request: trained.running,
    report,
    outputDir: trained.outputDir,
    metrics: training.metrics,
  };
}

/**
 * The recording job of a two-job retrain: it never runs the model's code. It repeats the checks on its own
 * checkout, takes from the training job's report only what it cannot derive (request id, times, hashes) after
 * checking it, verifies the downloaded files against the report's hashes with the same file checks as after a
 * run, and then records exactly as a one-job retrain does: the version on a pull request, or the failure as state.
 * Files that do not match are recorded as a failed retrain, and the run fails.
 */
export async function runRecordStep(
  input: RetrainFlowInput,
  handoff: { report: string; outputDir: string },
): Promise<RetrainOutcome> {
  const model = assertSafeName('model', input.model);
  if (!handoff.report.trim())
    throw new TollgateError('input "report" is required in mode record', {
      field: 'report',
      fix: "pass the training job's output: report: ${{ needs.train.outputs.report }}",
    });
  // The request id and time come from the report, checked below; parse them loosely first to rebuild the request.
  const loose = looseRequest(handoff.report);
  const prepared = await prepareRetrain({ ...input, dryRun: false }, loose);
  if (isOutcome(prepared)) return prepared;
  const sourceCommit = await resolveRef(input.repoRoot, prepared.baseRef);
  const report = parseTrainingReport(handoff.report, {
    model,
    sourceCommit,
    version: prepared.versionId,
    ...(prepared.parent ? { parent: prepared.parent } : {}),
    command: prepared.command,
  });
  const claim = input.github
    ? await claimRetrain(input, input.github, model, prepared.queued.id, prepared.timeout)
    : undefined;
  if (claim instanceof TollgateError) return { status: 'refused', model, error: claim };
  try {
    const runDetails = { ...(input.runUrl ? { url: input.runUrl } : {}), command: prepared.command };
    const running = start(prepared.queued, { now: new Date(report.started_at), run: runDetails });
    const finishedAt = new Date(report.finished_at);
    const facts = { exitCode: report.exit_code, durationMs: report.duration_ms };
    if (report.outcome === 'failed') {
      const error = new TrainingError(report.error!, { reason: report.failure_reason!, ...facts });
      return recordFailure(input, { ...prepared, running, error, at: finishedAt });
    }
    let outputs;
    try {
      outputs = await readTrainingOutputs(handoff.outputDir);
    } catch (error) {
      if (!(error instanceof TrainingError)) throw error;
      const message = `the training outputs downloaded from the training job fail their checks: ${error.message}`;
      const failure = new TrainingError(message, { reason: error.reason, ...facts, fix: error.fix });
      return recordFailure(input, { ...prepared, running, error: failure, at: finishedAt });
    }
    const mismatch = outputsMismatch(report, outputs);
    if (mismatch) {
      const error = new TrainingError(
        `the training outputs are not what the training job reported: ${mismatch}`,
        {
          reason: 'artifact',
          ...facts,
          fix: 'start the retrain again; the files changed between the two jobs',
        },
      );
      return recordFailure(input, { ...prepared, running, error, at: finishedAt });
    }
    return await recordTrained(
      input,
      prepared,
      running,
      { metrics: outputs.metrics, artifact: outputs.artifact, durationMs: report.duration_ms, exitCode: 0 },
      { sourceCommit, finishedAt },
    );
  } finally {
    if (claim && input.github) await releaseClaim(input, input.github, claim);
  }
}

/** The request id and creation time, read before the full check (which needs the registry) runs. */
function looseRequest(json: string): { requestId: string; createdAt: Date } {
  let fields: { request?: unknown; created_at?: unknown } = {};
  try {
    fields = JSON.parse(json) as typeof fields;
  } catch {
    // parseTrainingReport names the problem once the registry is loaded.
  }
  const requestId = typeof fields?.request === 'string' ? fields.request : '';
  const createdAt = new Date(typeof fields?.created_at === 'string' ? fields.created_at : NaN);
  if (!REQUEST_ID.test(requestId) || Number.isNaN(createdAt.getTime()))
    throw new TollgateError('the training report names no retrain request id and creation time', {
      field: 'report.request',
      fix: "pass the training job's `report` output unchanged: report: ${{ needs.train.outputs.report }}",
    });
  return { requestId, createdAt };
}

/** A finished training recorded: the version, the completed request, the schedule and audit event, as a pull request. */
async function recordTrained(
  input: RetrainFlowInput,
  prepared: Prepared,
  running: RetrainRequest,
  training: Pick<TrainingResult, 'metrics' | 'artifact' | 'durationMs' | 'exitCode'>,
  at: { sourceCommit: string; finishedAt: Date },
): Promise<RetrainOutcome> {
  const { entry, policy, prefix, model, versionId, parent, baseRef, branch } = prepared;
  const requestId = running.id;
  const { finishedAt } = at;
  const version = buildModelVersion({
    model: entry.model,
    policy,
    id: versionId,
    now: finishedAt,
    training,
    source: {
      commit: at.sourceCommit,
      ...(input.runUrl ? { run_url: input.runUrl } : {}),
      ...(input.workflow ? { workflow: input.workflow } : {}),
      actor: input.actor,
    },
    request: requestId,
    ...(parent ? { parent } : {}),
  });
  const completed = complete(running, {
    version: versionId,
    now: finishedAt,
    run: { duration: Math.round(training.durationMs / 1000), exit_code: training.exitCode },
  });
  const current = scheduleOf(entry, policy, finishedAt);
  const schedule = current ? executed(current, finishedAt, policy) : undefined;
  const audit = retrainAuditEvent({ request: completed, now: finishedAt, actor: input.actor, version });
  const files = await renderRegistryFiles(prefix, [
    doc(versionPath(model, versionId), version),
    doc(retrainPath(model, requestId), completed),
    ...(schedule ? [doc(schedulePath(model), schedule)] : []),
    doc(auditPath(audit.id), audit),
  ]);
  const gates = version.validation.gates;
  const verdict =
    gates.length === 0
      ? 'no gates'
      : version.validation.passed
        ? 'gates passed'
        : `${gates.filter((g) => !g.pass).length} of ${gates.length} gates failed`;
  const title = `Retrain ${model}: ${versionId} (${verdict})`;
  const body = renderRetrainBody({
    candidate: version,
    ...(parent ? { production: entry.versions.get(parent) } : {}),
    model: entry.model,
    request: completed,
  });
  const trailers: Trailers = {
    'Tollgate-Event': 'retrain',
    Model: model,
    Version: versionId,
    Request: requestId,
    'Requested-By': input.actor,
  };
  const proposed = await proposeChange(
    input.repoRoot,
    {
      branch,
      baseRef,
      baseBranch: input.baseBranch,
      files,
      message: `${title}\n\n${completed.reason}`,
      trailers,
      ...(input.author ? { author: input.author } : {}),
      env: { ...input.gitEnv, ...gitDates(finishedAt) },
      pullRequest: { title, body, labels: [RETRAIN_LABEL] },
    },
    input.github,
  );
  return {
    status: 'completed',
    model,
    request: completed,
    version,
    ...(schedule ? { schedule } : {}),
    files: files.map((f) => f.path),
    branch: proposed.branch,
    commit: proposed.commit,
    ...(proposed.pullRequest ? { pullRequest: proposed.pullRequest } : {}),
    title,
    body,
    artifactPath: training.artifact.path,
  };
}

/** The branch a run pushes to claim a model's retrain; never merged. */
export const RETRAIN_LOCK_PREFIX = 'tollgate/lock/retrain/';
export const retrainLockBranch = (model: string): string =>
  `${RETRAIN_LOCK_PREFIX}${assertSafeName('model', model)}`;

/** The file a claim commit holds: the request id and the workflow run, one a line. */
export const retrainLockFile = (model: string): string =>
  `.tollgate/retrain-lock/${assertSafeName('model', model)}`;

/** A claim older than the training timeout plus an hour was left by a run that died: it may be taken over. */
export const isStaleClaim = (claimedAt: Date, now: Date, timeoutSeconds: number): boolean =>
  now.getTime() - claimedAt.getTime() > (timeoutSeconds + 3600) * 1000;

interface Claim {
  branch: string;
  commit: string;
}

/**
 * The duplicate guard's answer to runs started together (the workflow's concurrency group is a second line):
 * creating a branch is atomic, so of the runs that push a new lock branch one wins; the others are refused. The
 * winner then re-checks the open retrain pull requests (one may have appeared since its first look) and holds the
 * lock until its pull request or failure record exists. A lock older than the training timeout plus an hour was
 * left by a run that died, and is taken over.
 */
async function claimRetrain(
  input: RetrainFlowInput,
  github: GitHubTarget,
  model: string,
  requestId: string,
  timeout: number,
): Promise<Claim | TollgateError> {
  const branch = retrainLockBranch(model);
  const remote = github.remote ?? 'origin';
  const env = { ...input.gitEnv, ...gitDates(input.now()) };
  const commit = await commitFilesToBranch(input.repoRoot, {
    baseRef: input.baseRef ?? 'HEAD',
    branch,
    files: [{ path: retrainLockFile(model), content: `${requestId}\n${input.runUrl ?? ''}\n` }],
    message: `Claim the retrain of ${model} for ${requestId}`,
    trailers: { 'Tollgate-Event': 'retrain-lock', Model: model, Request: requestId },
    ...(input.author ? { author: input.author } : {}),
    env,
  });
  // Raw: exit 1 (the lease refused: another run holds the branch) is the answer, which simple-git makes an error.
  const push = (expect: string) =>
    runGit(
      input.repoRoot,
      [
        'push',
        '--quiet',
        `--force-with-lease=refs/heads/${branch}:${expect}`,
        remote,
        `${commit}:refs/heads/${branch}`,
      ],
      { env, okCodes: [1] },
    );
  let claimed = (await push('')).code === 0;
  if (!claimed) {
    // Raw: a fetch that fails (the holder deleted the branch meanwhile) is an answer here, not an error.
    const held = await runGit(input.repoRoot, ['fetch', '--quiet', remote, `refs/heads/${branch}`], {
      env,
      okCodes: [1, 128],
    });
    const holder = held.code === 0 ? await resolveRef(input.repoRoot, 'FETCH_HEAD') : '';
    const since = holder ? Number((await commitFields(input.repoRoot, holder, { at: '%ct' })).at) : NaN;
    // A holder that could not be read (NaN) is not stale: this run is refused.
    if (isStaleClaim(new Date(since * 1000), input.now(), timeout)) claimed = (await push(holder)).code === 0;
  }
  const refuse = (message: string, fix: string) =>
    new TollgateError(message, { fix: `${fix}; one retrain of a model is in flight at a time` });
  if (!claimed) {
    // Raw: exit 1 (no such local branch) is an answer; simple-git's deleteLocalBranch would throw.
    await runGit(input.repoRoot, ['branch', '-D', branch], { okCodes: [1] });
    return refuse(
      `another run is starting a retrain of ${model}: it holds the branch ${branch}`,
      `wait for its pull request; if that run died, delete the branch ${branch}`,
    );
  }
  const pull = (
    await listOpenPullRequests(github.client, github.repo, { headPrefix: retrainBranchPrefix(model) })
  )[0];
  if (pull) {
    await releaseClaim(input, github, { branch, commit });
    return refuse(
      `model ${model} already has an open retrain pull request #${pull.number}: ${pull.url}`,
      `merge or close #${pull.number} first`,
    );
  }
  return { branch, commit };
}

/** Deletes the lock branch, only while it is still this run's; best effort (a stale lock is taken over). */
async function releaseClaim(input: RetrainFlowInput, github: GitHubTarget, claim: Claim): Promise<void> {
  const lease = `--force-with-lease=refs/heads/${claim.branch}:${claim.commit}`;
  const client = gitClient(input.repoRoot, input.gitEnv);
  await client
    .push(github.remote ?? 'origin', `:refs/heads/${claim.branch}`, ['--quiet', lease])
    .catch(() => undefined);
  await client.deleteLocalBranch(claim.branch, true).catch(() => undefined);
}

/** Commits carry the flow's clock, so a run with a pinned clock (TOLLGATE_NOW, tests) gives the same commit. */
function gitDates(now: Date): NodeJS.ProcessEnv {
  const date = now.toISOString();
  return { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
}

interface FailureContext {
  entry: ModelEntry;
  policy: EffectivePolicy;
  prefix: string;
  running: RetrainRequest;
  error: TrainingError;
  command: string[];
  /** When the training ended; default the flow's clock now. */
  at?: Date;
}

/**
 * A failed run is recorded as state only (the request, the schedule's cooldown, an audit event): pushed to the
 * base branch where the policy says `state_writes: push` and there is a remote to push to, otherwise on a
 * `tollgate/state/...` branch with a pull request the gate passes without sign-offs and the action merges itself.
 */
async function recordFailure(input: RetrainFlowInput, context: FailureContext): Promise<RetrainOutcome> {
  const { entry, policy, prefix, running, error } = context;
  const model = entry.model.name;
  const at = context.at ?? input.now();
  const failedRequest = fail(running, {
    error: error.message,
    now: at,
    run: { duration: Math.round(error.durationMs / 1000), exit_code: error.exitCode },
  });
  const current = scheduleOf(entry, policy, at);
  const schedule = current ? failed(current, at, error.message, policy) : undefined;
  const audit = retrainAuditEvent({ request: failedRequest, now: at, actor: input.actor });
  const writes = [
    doc(retrainPath(model, running.id), failedRequest),
    ...(schedule ? [doc(schedulePath(model), schedule)] : []),
    doc(auditPath(audit.id), audit),
  ];
  const title = `Record failed retrain of ${model} (${running.id})`;
  const message = `${title}\n\n${error.message.split('\n')[0]}`;
  const trailers: Trailers = {
    'Tollgate-Event': 'retrain-failed',
    Model: model,
    Request: running.id,
    'Requested-By': input.actor,
  };
  const gitEnv = { ...input.gitEnv, ...gitDates(at) };
  const base = {
    status: 'failed' as const,
    model,
    request: failedRequest,
    ...(schedule ? { schedule } : {}),
    title,
    error,
  };

  const body = [
    `## Failed retrain of \`${model}\``,
    '',
    `Request \`${running.id}\` (${running.trigger.kind}, by @${input.actor}): ${running.reason}.`,
    input.runUrl ? `See [the workflow run](${input.runUrl}).` : '',
    '',
    '```text',
    error.message.replace(/```/g, "'''"),
    '```',
    '',
    schedule?.cooldown_until
      ? `The schedule cools down until ${schedule.cooldown_until} (failure ${schedule.failure_streak} in a row).`
      : '',
    schedule?.paused_reason ? `The schedule is paused: ${schedule.paused_reason}.` : '',
    '',
    'This pull request records state only; the sign-off gate passes it without sign-offs.',
    '',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  const published = await publishStateChange(
    {
      repoRoot: input.repoRoot,
      registryDir: prefix,
      writes,
      message,
      trailers,
      baseBranch: input.baseBranch,
      baseRef: input.baseRef ?? 'HEAD',
      stateWrites: policy.stateWrites,
      branch: stateBranch(model, running.id),
      pullRequest: { title, body, labels: [STATE_LABEL] },
      ...(input.author ? { author: input.author } : {}),
      env: gitEnv,
    },
    input.github,
  );
  const pull = published.pullRequest;
  return {
    ...base,
    body,
    files: published.files,
    branch: published.branch,
    commit: published.commit,
    pushed: published.mode === 'pushed',
    ...(pull
      ? { pullRequest: { number: pull.number, url: pull.url, created: pull.created }, stateMerge: pull.merge }
      : {}),
  };
}
