// The rollback shell: reads a stage pointer's history from git, reverts the commits that moved it (or, when a
// revert conflicts, writes the previous pointer forward), marks the rolled-back version held and makes ONE
// commit. It either commits the whole rollback or leaves HEAD, index and working tree as it found them.
import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { load } from 'js-yaml';
import { TollgateError } from '../errors.ts';
import type { Trailers } from '../git/message.ts';
import type { Stage } from '../git/transaction.ts';
import { commitRegistryChange, stageReader, stageRegistryWrites } from '../publish/registry-transaction.ts';
import { assertFullHistory, commitsTouching } from '../git/history.ts';
import { git, runGit } from '../git/run.ts';
import { validateRegistry } from '../registry/invariants.ts';
import { stagesPath, versionPath } from '../registry/paths.ts';
import type { ModelVersion, Problem, Stages } from '../registry/types.ts';
import { formatProblems, type RegistryFileWrite } from '../registry/writer.ts';
import type { GitTimelineEntry } from '../incident/record.ts';
import { chooseRollbackTarget, type PointerMove, type RollbackPlan } from './target.ts';

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A repository-relative path of a registry file; `registryDir` may be `.`. */
const inRepo = (registryDir: string, registryPath: string): string => posix.join(registryDir, registryPath);

const dateEnv = (now: Date, env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...env,
  GIT_AUTHOR_DATE: iso(now),
  GIT_COMMITTER_DATE: iso(now),
});

/** The version a Stages document gives `stage`, accepting `stage: v1` as well as `stage: {version: v1}`. */
function pointerVersion(doc: unknown, stage: string): string | undefined {
  const stages = (doc as { stages?: Record<string, unknown> } | null | undefined)?.stages;
  if (!stages || typeof stages !== 'object' || !Object.prototype.hasOwnProperty.call(stages, stage))
    return undefined;
  const pointer = stages[stage];
  if (typeof pointer === 'string') return pointer;
  const version = (pointer as { version?: unknown } | null)?.version;
  return typeof version === 'string' ? version : undefined;
}

function parseYaml(text: string, file: string, at: string): unknown {
  try {
    return load(text);
  } catch (error) {
    throw new TollgateError(
      `${file} at ${at} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      {
        file,
        cause: error,
        fix: 'repair the file in a new commit; rollback reads every past version of it',
      },
    );
  }
}

/**
 * Reads many `rev:path` blobs with one `git cat-file --batch`; a missing one is undefined. Raw: the specs go to
 * git's stdin and the byte counts in its headers need the output as it is, neither of which simple-git offers.
 */
async function readBlobs(repoRoot: string, specs: string[]): Promise<(string | undefined)[]> {
  if (specs.length === 0) return [];
  const out = Buffer.from(
    (await runGit(repoRoot, ['cat-file', '--batch'], { input: `${specs.join('\n')}\n` })).stdout,
  );
  const blobs: (string | undefined)[] = [];
  let pos = 0;
  for (let i = 0; i < specs.length; i++) {
    const eol = out.indexOf(10, pos);
    const header = out.subarray(pos, eol).toString('utf8');
    pos = eol + 1;
    const m = / blob (\d+)$/.exec(header);
    if (!m) {
      blobs.push(undefined);
      continue;
    }
    const size = Number(m[1]);
    blobs.push(out.subarray(pos, pos + size).toString('utf8'));
    pos += size + 1;
  }
  return blobs;
}

/**
 * Every commit on `ref`'s first-parent line that changed `stage`'s version in `stagesFilePath` (repo-relative),
 * oldest first. Merges appear as the merge commit (promotion pull requests), squash merges as plain commits.
 */
export async function pointerHistory(
  repoRoot: string,
  ref: string,
  stagesFilePath: string,
  stage: string,
): Promise<PointerMove[]> {
  await assertFullHistory(repoRoot);
  const commits = (await commitsTouching(repoRoot, [stagesFilePath], { ref, firstParent: true }))
    .map((c) => ({ ...c, at: iso(new Date(c.committerDate)) }))
    .reverse();
  if (commits.length === 0) return [];
  const oldest = commits[0]!;
  const specs = commits.map((c) => `${c.sha}:${stagesFilePath}`);
  if (oldest.parents.length) specs.push(`${oldest.parents[0]}:${stagesFilePath}`);
  const blobs = await readBlobs(repoRoot, specs);
  const versionAt = (i: number, at: string): string | undefined => {
    const text = blobs[i];
    return text === undefined ? undefined : pointerVersion(parseYaml(text, stagesFilePath, at), stage);
  };
  let previous = oldest.parents.length ? versionAt(commits.length, `${oldest.sha}^`) : undefined;
  const moves: PointerMove[] = [];
  commits.forEach((c, i) => {
    const version = versionAt(i, c.sha);
    if (version === previous) return;
    const { trailers, subject } = c;
    const move: PointerMove = {
      sha: c.sha,
      at: c.at,
      isMerge: c.parents.length > 1,
      isRollback:
        (trailers['Tollgate-Event'] ?? []).includes('rollback') ||
        subject.startsWith('Revert "') ||
        /^This reverts commit [0-9a-f]{7,}/m.test(c.body),
    };
    if (previous !== undefined) move.from = previous;
    if (version !== undefined) move.to = version;
    const pr =
      trailers['Pull-Request']?.[0]?.match(/(\d+)/)?.[1] ??
      /^Merge pull request #(\d+)/.exec(subject)?.[1] ??
      /\(#(\d+)\)$/.exec(subject)?.[1];
    if (pr !== undefined) move.pullRequest = Number(pr);
    const incident = trailers.Incident?.[0];
    if (incident !== undefined) move.incident = incident;
    moves.push(move);
    previous = version;
  });
  return moves;
}

export interface ApplyRollbackOptions {
  incident?: string;
  /** Who asked for it (login or `tollgate-bot`); recorded on the held mark and as Requested-By. */
  by: string;
  now: Date;
  forwardFixOnConflict: boolean;
  /** The registry folder, repo-relative. Default `registry`. */
  registryDir?: string;
  /** Why, for the held mark; default names the incident or says "rolled back". */
  reason?: string;
  /** Extra environment for the commit, e.g. the committer identity on a runner (GIT_COMMITTER_NAME, ...). */
  env?: NodeJS.ProcessEnv;
  /**
   * Registry files to write into the same commit once the rollback is known (the incident record's timeline), so
   * no commit moves the pointer without its incident knowing.
   */
  alsoWrite?: (done: Pick<RollbackResult, 'mode' | 'reverted' | 'forwardFixReason'>) => RegistryFileWrite[];
}

export interface RollbackResult {
  commit: string;
  mode: 'revert' | 'forward-fix';
  /** Commits reverted (mode revert), newest first. */
  reverted: string[];
  /** Why the revert was not used (mode forward-fix). */
  forwardFixReason?: string;
  /** The version marked held, when its version file existed. */
  held?: string;
}

const SINGLE_LINE = /^[^\r\n]{1,200}$/;

/** A rollback staged in a transaction: everything but the commit. */
export interface StagedRollback extends Omit<RollbackResult, 'commit'> {
  message: string;
  trailers: Trailers;
}

/**
 * Applies `plan` as one commit on the current branch, through a transaction (src/git/transaction.ts): the
 * user's index and working tree are never used to build it, and a failure changes nothing.
 */
export async function applyRollback(
  repoRoot: string,
  plan: RollbackPlan,
  options: ApplyRollbackOptions,
): Promise<RollbackResult> {
  const registryDir = options.registryDir ?? 'registry';
  const result = await commitRegistryChange(repoRoot, {
    registryDir,
    env: options.env,
    build: async (_registry, stage) => {
      const staged = await stageRollback(repoRoot, stage, plan, options);
      const { message, trailers, ...rest } = staged;
      return { value: rest, commit: { message, trailers, env: dateEnv(options.now, options.env) } };
    },
  });
  if (!result.commit) throw new TollgateError(`rolling back ${plan.model} ${plan.stage} changes nothing`);
  return { commit: result.commit, ...result.value };
}

/**
 * Stages `plan` on a transaction's stage: reverts the plan's commits newest first (against their first parent)
 * and checks the result moved only this stage's pointer, to the target; if a revert conflicts or changes anything
 * else, it is abandoned and, when allowed, the target is written forward instead. Marks the rolled-back version
 * held and refuses a result that leaves the registry with new errors. On a throw the stage is as it was.
 */
export async function stageRollback(
  repoRoot: string,
  stage: Stage,
  plan: RollbackPlan,
  options: ApplyRollbackOptions,
): Promise<StagedRollback> {
  for (const [field, value] of Object.entries({
    by: options.by,
    incident: options.incident,
    reason: options.reason,
  })) {
    if (value !== undefined && !SINGLE_LINE.test(value)) {
      throw new TollgateError(`rollback ${field} must be one line of at most 200 characters`, { field });
    }
  }
  const registryDir = options.registryDir ?? 'registry';
  const stagesFile = inRepo(registryDir, stagesPath(plan.model));
  const targetFile = inRepo(registryDir, versionPath(plan.model, plan.target));
  const heldPath = plan.current === undefined ? undefined : versionPath(plan.model, plan.current);
  const heldFile = heldPath === undefined ? undefined : inRepo(registryDir, heldPath);
  const tip = stage.parent;
  if ((await stage.read(targetFile)) === undefined) {
    throw new TollgateError(`${plan.model} ${plan.target} has no version file at HEAD`, {
      file: targetFile,
      fix: 'a rollback target must still be recorded in the registry; restore its version file first',
    });
  }
  const newest = plan.commitsToRevert[0];
  if (newest !== undefined) {
    // Raw: the exit code is the answer (1 not an ancestor, 128 an unknown commit); simple-git makes both errors.
    const ancestor = tip
      ? await runGit(repoRoot, ['merge-base', '--is-ancestor', newest, tip], { okCodes: [1, 128] })
      : { code: 1 };
    if (ancestor.code !== 0) {
      throw new TollgateError(`commit ${newest.slice(0, 12)} of the plan is not in this branch's history`, {
        fix: 'plan the rollback from the branch you are on (pull first)',
      });
    }
  }
  const stagesText = await stage.read(stagesFile);
  if (stagesText === undefined) {
    throw new TollgateError(`model ${plan.model} has no stages file`, { file: stagesFile });
  }
  const origStages = parseYaml(stagesText.toString('utf8'), stagesFile, 'HEAD');
  // The registry must validate after the rollback: errors it did not have before refuse the rollback. Only the
  // files the rollback touches (and their model's files) are checked, so the cost does not grow with the registry.
  const scope = [stagesPath(plan.model), ...(heldPath !== undefined ? [heldPath] : [])];
  const reader = stageReader(stage, registryDir);
  const errorKey = (p: Problem): string => `${p.file}\0${p.field ?? ''}\0${p.message}`;
  const errorsBefore = new Set(
    (await validateRegistry(reader, { paths: scope })).filter((p) => p.severity === 'error').map(errorKey),
  );
  const start = await stage.checkpoint();
  try {
    let mode: RollbackResult['mode'] = 'revert';
    let forwardFixReason: string | undefined;
    if (plan.commitsToRevert.length === 0) {
      mode = 'forward-fix';
      forwardFixReason = 'no commit to revert';
    } else {
      const why = await revertAll(repoRoot, stage, plan, stagesFile, origStages);
      if (why !== undefined) {
        await stage.reset(start);
        if (!options.forwardFixOnConflict) {
          throw new TollgateError(
            `cannot roll back ${plan.model} ${plan.stage} by revert: ${why}; nothing was changed`,
            {
              fix: 'allow a forward fix (rollback.forward_fix_on_conflict: true) or move the pointer in a pull request',
            },
          );
        }
        mode = 'forward-fix';
        forwardFixReason = why;
      }
    }
    const writes: RegistryFileWrite[] = [];
    if (mode === 'forward-fix') {
      writes.push({ path: stagesPath(plan.model), document: forwardStages(plan, origStages) });
    }
    let held: string | undefined;
    if (heldFile !== undefined && heldPath !== undefined && plan.current !== undefined) {
      // No version file to mark: the rollback itself still matters more.
      const text = (await stage.read(heldFile))?.toString('utf8');
      if (text !== undefined) {
        const doc = parseYaml(text, heldFile, 'HEAD') as ModelVersion;
        doc.held = {
          reason:
            options.reason ?? (options.incident ? `rolled back for ${options.incident}` : 'rolled back'),
          at: iso(options.now),
          by: options.by,
        };
        if (options.incident !== undefined) doc.held.incident = options.incident;
        writes.push({ path: heldPath, document: doc });
        held = plan.current;
      }
    }
    stageRegistryWrites(stage, registryDir, writes);
    const introduced = (await validateRegistry(reader, { paths: scope })).filter(
      (p) => p.severity === 'error' && !errorsBefore.has(errorKey(p)),
    );
    if (introduced.length > 0) {
      throw new TollgateError(
        `rolling ${plan.model} ${plan.stage} back to ${plan.target} would leave the registry invalid; nothing was changed:\n${formatProblems(introduced)}`,
        {
          file: inRepo(registryDir, introduced[0]!.file),
          fix: 'repair those files in a pull request first, or roll back to another version with --to',
        },
      );
    }
    const reverted = mode === 'revert' ? plan.commitsToRevert : [];
    const extra =
      options.alsoWrite?.({
        mode,
        reverted,
        ...(forwardFixReason !== undefined ? { forwardFixReason } : {}),
      }) ?? [];
    stageRegistryWrites(stage, registryDir, extra);
    const result: StagedRollback = {
      mode,
      reverted,
      ...rollbackMessage(plan, options, mode, reverted, forwardFixReason, held),
    };
    if (forwardFixReason !== undefined) result.forwardFixReason = forwardFixReason;
    if (held !== undefined) result.held = held;
    return result;
  } catch (error) {
    await stage.reset(start);
    throw error;
  }
}

/** Reverts newest first on the stage; undefined when the result is exactly the expected pointer move. */
async function revertAll(
  repoRoot: string,
  stage: Stage,
  plan: RollbackPlan,
  stagesFile: string,
  origStages: unknown,
): Promise<string | undefined> {
  for (const sha of plan.commitsToRevert) {
    const why = await stage.revert(sha);
    if (why !== undefined) return why;
  }
  const changed = await stage.changed();
  const others = changed.filter((f) => f !== stagesFile);
  if (others.length) return `reverting would also change ${others.join(', ')}`;
  const text = await stage.read(stagesFile);
  const after = parseYaml(text?.toString('utf8') ?? '', stagesFile, 'the index');
  const version = pointerVersion(after, plan.stage);
  if (version !== plan.target)
    return `reverting leaves ${plan.stage} at ${version ?? 'nothing'}, not ${plan.target}`;
  const strip = (doc: unknown) => {
    const copy = structuredClone(doc) as { stages?: Record<string, unknown> };
    if (copy?.stages) delete copy.stages[plan.stage];
    return copy;
  };
  if (!isDeepStrictEqual(strip(after), strip(origStages))) {
    return `reverting would also change other entries of ${stagesFile}`;
  }
  return undefined;
}

/** The Stages document with only this stage's version set, keeping the pointer's other fields and the rest. */
function forwardStages(plan: RollbackPlan, origStages: unknown): Stages {
  const doc = structuredClone(origStages) as { stages?: Record<string, unknown> };
  if (!doc || typeof doc !== 'object' || !doc.stages || typeof doc.stages !== 'object') {
    throw new TollgateError(`${stagesPath(plan.model)} has no stages map to write ${plan.target} into`, {
      file: stagesPath(plan.model),
      field: 'stages',
    });
  }
  const pointer = doc.stages[plan.stage];
  doc.stages[plan.stage] =
    pointer && typeof pointer === 'object' ? { ...pointer, version: plan.target } : { version: plan.target };
  return doc as Stages;
}

function rollbackMessage(
  plan: RollbackPlan,
  options: ApplyRollbackOptions,
  mode: RollbackResult['mode'],
  reverted: string[],
  forwardFixReason: string | undefined,
  held: string | undefined,
): { message: string; trailers: Trailers } {
  const body =
    mode === 'revert'
      ? `Reverted ${reverted.length} commit(s) that moved the pointer after ${plan.target} became current at ${plan.since}.`
      : `Wrote ${plan.target} forward into the pointer (${forwardFixReason}).`;
  const trailers: Trailers = {
    'Tollgate-Event': 'rollback',
    Model: plan.model,
    Stage: plan.stage,
    Version: plan.target,
    ...(plan.current !== undefined ? { From: plan.current } : {}),
    ...(options.incident !== undefined ? { Incident: options.incident } : {}),
    'Requested-By': options.by,
    'Rollback-Mode': mode,
    ...(reverted.length ? { Reverts: reverted } : {}),
    // The post-merge hook measures the rollback from here to the merge.
    'Rollback-Started': iso(options.now),
  };
  const message = [
    `Roll back ${plan.model} ${plan.stage} from ${plan.current ?? '(none)'} to ${plan.target}`,
    '',
    body,
    ...(held ? [`Marked ${plan.model} ${held} held.`] : []),
  ].join('\n');
  return { message, trailers };
}

/** Versions of `model` whose file at `ref` carries a `held` mark. */
export async function heldVersions(
  repoRoot: string,
  ref: string,
  model: string,
  registryDir = 'registry',
): Promise<string[]> {
  const dir = `${registryDir}/${stagesPath(model).replace(/stages\.yaml$/, 'versions')}`;
  // Raw: simple-git has no ls-tree call.
  const files = (await git(repoRoot, ['ls-tree', '-r', '--name-only', ref, '--', `${dir}/`]))
    .split('\n')
    .filter((f) => f.endsWith('.yaml'));
  const blobs = await readBlobs(
    repoRoot,
    files.map((f) => `${ref}:${f}`),
  );
  const held: string[] = [];
  files.forEach((file, i) => {
    const doc =
      blobs[i] === undefined ? undefined : (parseYaml(blobs[i]!, file, ref) as Partial<ModelVersion> | null);
    if (doc?.held) held.push(typeof doc.id === 'string' ? doc.id : file.replace(/^.*\/|\.yaml$/g, ''));
  });
  return held.sort();
}

export interface PlanRollbackInput {
  model: string;
  /** Default `production`. */
  stage?: string;
  to?: string;
  stableFor: number;
  now: Date;
  /** Default `HEAD`. */
  ref?: string;
  registryDir?: string;
}

export interface StagePointerState {
  /** The version the stage points at, at `ref`. */
  current?: string;
  /** The pointer's moves, oldest first. */
  history: PointerMove[];
  /** Versions of the model marked held at `ref`. */
  held: string[];
}

/** Reads the stage's current version, its pointer history and the model's held versions at `ref`. */
export async function readPointerState(
  repoRoot: string,
  input: { model: string; stage?: string; ref?: string; registryDir?: string },
): Promise<StagePointerState> {
  const ref = input.ref ?? 'HEAD';
  const stage = input.stage ?? 'production';
  const registryDir = input.registryDir ?? 'registry';
  const stagesFile = inRepo(registryDir, stagesPath(input.model));
  const [text] = await readBlobs(repoRoot, [`${ref}:${stagesFile}`]);
  if (text === undefined) {
    throw new TollgateError(`model ${input.model} has no stages file at ${ref}`, {
      file: stagesFile,
      fix: 'check the model name (`tollgate status`)',
    });
  }
  const current = pointerVersion(parseYaml(text, stagesFile, ref), stage);
  const [history, held] = await Promise.all([
    pointerHistory(repoRoot, ref, stagesFile, stage),
    heldVersions(repoRoot, ref, input.model, registryDir),
  ]);
  return { ...(current !== undefined ? { current } : {}), history, held };
}

/** Reads the pointer history, current version and held versions at `ref`, and chooses the target. */
export async function planRollback(
  repoRoot: string,
  input: PlanRollbackInput,
): Promise<{ plan: RollbackPlan; history: PointerMove[] }> {
  const stage = input.stage ?? 'production';
  const state = await readPointerState(repoRoot, { ...input, stage });
  const plan = chooseRollbackTarget({
    model: input.model,
    stage,
    history: state.history,
    current: state.current,
    stableFor: input.stableFor,
    now: input.now,
    held: state.held,
    ...(input.to !== undefined ? { to: input.to } : {}),
  });
  return { plan, history: state.history };
}

/** Registry commits on `ref`'s first-parent line between two instants, oldest first, for a postmortem. */
export async function registryTimeline(
  repoRoot: string,
  input: { ref?: string; since: string; until?: string; paths?: string[] },
): Promise<GitTimelineEntry[]> {
  const commits = await commitsTouching(repoRoot, input.paths ?? ['registry'], {
    ref: input.ref ?? 'HEAD',
    firstParent: true,
    since: input.since,
    ...(input.until !== undefined ? { until: input.until } : {}),
  });
  return commits
    .map((c) => ({
      at: iso(new Date(c.committerDate)),
      sha: c.sha,
      subject: c.subject,
      trailers: Object.fromEntries(
        Object.entries(c.trailers).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]),
      ),
    }))
    .reverse();
}

/**
 * Removes the held mark from a version in ONE commit (`Tollgate-Event: unhold`). The change is a reviewed one
 * (`version-unheld` needs sign-offs by default), so make it on a branch and open a pull request.
 */
export async function unholdVersion(
  repoRoot: string,
  input: {
    model: string;
    version: string;
    by: string;
    now: Date;
    reason: string;
    registryDir?: string;
    env?: NodeJS.ProcessEnv;
  },
): Promise<{ commit: string; was: NonNullable<ModelVersion['held']> }> {
  for (const [field, value] of Object.entries({ by: input.by, reason: input.reason })) {
    if (!SINGLE_LINE.test(value))
      throw new TollgateError(`unhold ${field} must be one line of at most 200 characters`);
  }
  const registryDir = input.registryDir ?? 'registry';
  const path = versionPath(input.model, input.version);
  const file = inRepo(registryDir, path);
  const result = await commitRegistryChange(repoRoot, {
    registryDir,
    env: input.env,
    build: async (registry, stage) => {
      const text = (await registry.read(path))?.toString('utf8');
      if (text === undefined)
        throw new TollgateError(`${input.model} has no version ${input.version}`, { file });
      const doc = parseYaml(text, file, 'HEAD') as ModelVersion;
      if (!doc?.held) {
        throw new TollgateError(`${input.model} ${input.version} is not held`, { file, field: 'held' });
      }
      const was = doc.held;
      delete doc.held;
      stage.writeRegistry([{ path, document: doc }]);
      return {
        value: was,
        commit: {
          message: [
            `Unhold ${input.model} ${input.version}`,
            '',
            input.reason,
            `It was held since ${was.at} by ${was.by}: ${was.reason}.`,
          ].join('\n'),
          trailers: {
            'Tollgate-Event': 'unhold',
            Model: input.model,
            Version: input.version,
            ...(was.incident ? { Incident: was.incident } : {}),
            'Requested-By': input.by,
          },
          env: dateEnv(input.now, input.env),
        },
      };
    },
  });
  if (!result.commit) throw new TollgateError(`unholding ${input.model} ${input.version} changes nothing`);
  return { commit: result.commit, was: result.value };
}
