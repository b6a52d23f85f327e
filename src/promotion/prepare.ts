// The promotion shell's reading half, shared by the CLI and the action: find the default branch, load the
// registry as committed there, answer the git questions checkPromotion asks, and plan the proposal.
// The registry is read from the base commit, not the working tree: the proposal is a commit on that base, so
// checking anything else could propose a pointer to a version the base does not have.
import { TollgateError } from '../errors.ts';
import { readStageSnapshots, stagesNamed, stageHistory } from '../evidence/history-at.ts';
import { commitOf, isAncestor, isShallow } from '../git/history.ts';
import { gitTreeReader } from '../git/reader.ts';
import { effectivePolicy } from '../policy/effective.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { checkInvariants } from '../registry/invariants.ts';
import { isSafeName } from '../registry/names.ts';
import { POLICY_PATH, versionPath } from '../registry/paths.ts';
import { parseRegistryFile } from '../registry/parse.ts';
import type { Policy, Registry } from '../registry/types.ts';
import { formatProblems } from '../registry/writer.ts';
import { planPromotion, type PromotionPlan } from './plan.ts';

export interface PreparePromotionOptions {
  model: string;
  version: string;
  stage: string;
  requestedBy: string;
  /** The registry folder relative to the repository root. Default `registry`. */
  registryDir?: string;
  /** The commit to build on; default the default branch (see `preferRemote`). */
  baseRef?: string;
  /**
   * Which copy of the default branch to build on when both exist: `origin/<branch>` (an action, after a fresh
   * checkout) or the local branch (the CLI, where it may hold commits not pushed yet). Default false.
   */
  preferRemote?: boolean;
  remote?: string;
  runUrl?: string;
  repoUrl?: string;
  /** A canary-style stage's share of traffic, 0..1; the same version with a new weight is a weight-only change. */
  weight?: number;
  /** Markdown appended to the pull request body as evidence (a canary analysis). */
  evidence?: string;
}

export interface PreparedPromotion {
  plan: PromotionPlan;
  /** The ref the proposal builds on, and the branch its pull request targets. */
  baseRef: string;
  baseSha: string;
  baseBranch: string;
  /** Things the user should know that did not stop the promotion. */
  notes: string[];
}

/** The default branch as the working tree's policy names it (the base's own policy is checked after). */
async function defaultBranchName(repoRoot: string, registryDir: string): Promise<string> {
  const bytes = await fileSystemReader(`${repoRoot}/${registryDir}`)
    .read(POLICY_PATH)
    .catch(() => undefined);
  if (bytes === undefined) return effectivePolicy(undefined).defaultBranch;
  const { document } = parseRegistryFile(POLICY_PATH, bytes);
  return effectivePolicy(document?.kind === 'Policy' ? (document as Policy) : undefined).defaultBranch;
}

async function resolveBase(
  repoRoot: string,
  options: PreparePromotionOptions,
  branch: string,
): Promise<{ ref: string; sha: string }> {
  if (options.baseRef !== undefined) {
    if (options.baseRef.startsWith('-'))
      throw new TollgateError(`base ${JSON.stringify(options.baseRef)} is not a git revision`, {
        fix: 'name a branch or commit, e.g. main or origin/main',
      });
    const sha = await commitOf(repoRoot, options.baseRef);
    if (sha === undefined)
      throw new TollgateError(`no commit named "${options.baseRef}" here`, {
        fix: 'fetch it first (`git fetch origin`), or name an existing branch',
      });
    return { ref: options.baseRef, sha };
  }
  const remote = `${options.remote ?? 'origin'}/${branch}`;
  const candidates = options.preferRemote ? [remote, branch] : [branch, remote];
  for (const ref of candidates) {
    const sha = await commitOf(repoRoot, `refs/${ref === branch ? 'heads' : 'remotes'}/${ref}`);
    if (sha !== undefined) return { ref, sha };
  }
  throw new TollgateError(`neither ${branch} nor ${remote} exists in this clone`, {
    fix: `fetch the default branch (\`git fetch origin ${branch}\`), or pass the base to build on`,
  });
}

/** Whether `sha` is on the base; a commit this clone lacks is not, unless the clone is shallow (then: say so). */
async function onBase(repoRoot: string, sha: string, baseSha: string): Promise<boolean> {
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha)) return false;
  if ((await commitOf(repoRoot, sha)) === undefined) {
    if (await isShallow(repoRoot))
      throw new TollgateError(
        `commit ${sha.slice(0, 12)} is not in this shallow clone, so whether it is on the default branch is unknown`,
        {
          fix: 'check out with `fetch-depth: 0` (actions/checkout), or run `git fetch --unshallow`',
        },
      );
    return false;
  }
  return isAncestor(repoRoot, sha, baseSha);
}

async function loadBaseRegistry(
  repoRoot: string,
  base: { ref: string; sha: string },
  registryDir: string,
): Promise<Registry> {
  const { ref } = base;
  const reader = gitTreeReader(repoRoot, base.sha, registryDir);
  try {
    const { registry, problems } = await loadRegistry(reader);
    const errors = [...problems, ...checkInvariants(registry)].filter((p) => p.severity === 'error');
    if (errors.length > 0)
      throw new TollgateError(
        `the registry on ${ref} has ${errors.length} error(s); promotions wait until it is valid:\n${formatProblems(errors)}`,
        {
          file: errors[0]!.file,
          fix: 'fix them in a pull request first (`tollgate validate` lists them)',
        },
      );
    return registry;
  } finally {
    reader.close();
  }
}

export async function preparePromotion(
  repoRoot: string,
  options: PreparePromotionOptions,
): Promise<PreparedPromotion> {
  const raw = (options.registryDir ?? 'registry').replace(/^\.\/+/, '').replace(/\/+$/, '');
  const registryDir = raw === '.' ? '' : raw;
  const notes: string[] = [];
  const branchGuess = await defaultBranchName(repoRoot, registryDir);
  const base = await resolveBase(repoRoot, options, branchGuess);
  const registry = await loadBaseRegistry(repoRoot, base, registryDir);
  const policy = effectivePolicy(registry.policy);
  const baseBranch = policy.defaultBranch;
  const prepared = (plan: PromotionPlan): PreparedPromotion => ({
    plan,
    baseRef: base.ref,
    baseSha: base.sha,
    baseBranch,
    notes,
  });

  const { model, version, stage } = options;
  const entry = isSafeName(model) ? registry.models.get(model) : undefined;
  const candidate = isSafeName(version) ? entry?.versions.get(version) : undefined;
  if (entry && !candidate && isSafeName(version)) {
    // Recorded on this branch but not merged yet: say that, rather than "no such version".
    const local = await fileSystemReader(`${repoRoot}/${registryDir}`)
      .read(versionPath(model, version))
      .catch(() => undefined);
    if (local !== undefined)
      return prepared({
        ok: false,
        reason: `${model} ${version} is in this checkout but not on ${base.ref}`,
        fix: `merge the pull request that records ${version} into ${baseBranch} first`,
      });
  }

  const sourceOnBase = candidate ? await onBase(repoRoot, candidate.source.commit, base.sha) : false;
  const held = new Set<string>();
  const history: Record<string, string[]> = {};
  if (entry) {
    if (await isShallow(repoRoot)) {
      notes.push(
        'shallow clone: only the current stage pointers count as stages a version held (fetch-depth: 0 reads history)',
      );
    } else {
      const snapshots = await readStageSnapshots(repoRoot, model, {
        ref: base.sha,
        registryPrefix: registryDir === '' ? '' : `${registryDir}/`,
      });
      for (const name of stagesNamed(snapshots)) {
        history[name] = [...new Set(stageHistory(snapshots, model, name).map((t) => t.version))];
        for (const v of history[name]) held.add(`${name}\0${v}`);
      }
    }
  }

  const plan = planPromotion({
    registry,
    policy,
    model,
    version,
    stage,
    requestedBy: options.requestedBy,
    isOnDefaultBranch: (sha) => candidate !== undefined && sha === candidate.source.commit && sourceOnBase,
    heldBefore: (s, v) => held.has(`${s}\0${v}`),
    stageHistory: { [model]: history },
    registryDir,
    baseBranch,
    ...(options.runUrl ? { runUrl: options.runUrl } : {}),
    ...(options.repoUrl ? { repoUrl: options.repoUrl } : {}),
    ...(options.weight !== undefined ? { weight: options.weight } : {}),
    ...(options.evidence ? { evidence: options.evidence } : {}),
  });
  return prepared(plan);
}
