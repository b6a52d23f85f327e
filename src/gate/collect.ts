// The git side of the sign-off gate, shared by the action and `tollgate gate simulate`: everything the verdict
// needs that the repository itself answers. The policy and the owners come from the BASE commit; the head is
// only ever read as data (trees and blobs), never checked out.
import { TollgateError } from '../errors.ts';
import { assertFullHistory, commitOf, commitsTouching, isAncestor, mergeBase } from '../git/history.ts';
import { gitTreeReader } from '../git/reader.ts';
import { runGit } from '../git/run.ts';
import { readStageSnapshots, stageHistory, stagesNamed, stagesOf } from '../evidence/history-at.ts';
import { parseYaml, readBlobs } from '../evidence/history.ts';
import { effectivePolicy, type EffectivePolicy } from '../policy/effective.ts';
import { registryDiffBetweenRefs } from '../registry/diff-refs.ts';
import { isSafeName } from '../registry/names.ts';
import { parseRegistryFile } from '../registry/parse.ts';
import { POLICY_PATH } from '../registry/paths.ts';
import { validateRegistry } from '../registry/invariants.ts';
import type {
  Model,
  ModelVersion,
  Policy,
  Problem,
  RegistryChange,
  RegistryReader,
} from '../registry/types.ts';
import { mayHoldPins, pinsChanged } from './self-guard.ts';
import type { ReviewContext } from '../github/review-context.ts';
import type { GateInput, GateModel, GateVersion, Review, TransientPointer } from './types.ts';

export interface GateFactsOptions {
  /** The commit the pull request would merge into (the base branch's tip): policy, owners and history. */
  baseSha: string;
  headSha: string;
  /** Repository-relative registry folder; `registry` by default. */
  registryPrefix?: string;
  /** Commits that reviews were submitted on; checked for an unchanged registry alongside the head's own. */
  reviewedCommits?: string[];
}

export interface GateCommit {
  sha: string;
  authorName: string;
  authorEmail: string;
}

export interface GateFacts {
  baseSha: string;
  headSha: string;
  /** Where the head forked from the base: the diff is mergeBase..head, what the pull request itself changes. */
  mergeBase: string;
  /** The base commit's policy, with defaults. Never the head's. */
  policy: EffectivePolicy;
  changes: RegistryChange[];
  models: Record<string, GateModel>;
  /** Logins from `Requested-By:` trailers on the pull request's commits. */
  requestedBy: string[];
  commits: GateCommit[];
  /** Logins that commit author emails name (GitHub noreply addresses). */
  commitAuthorLogins: string[];
  stageHistory: Record<string, Record<string, string[]>>;
  /** model -> version -> what the gate checks before a stage pointer may move there. */
  versions: Record<string, Record<string, GateVersion>>;
  /** Commits whose registry tree equals the head's (the head included). */
  registryUnchangedSince: Set<string>;
  /** Pointers only an intermediate commit of the pull request sets (see TransientPointer). */
  transientPointers: TransientPointer[];
  /** Schema and cross-file errors of the changed registry files at the head, repository-relative. */
  invalidFiles: Problem[];
}

const SHA = /^[0-9a-f]{40}$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

export function normalizeRegistryPrefix(prefix = 'registry'): string {
  return prefix.replace(/^\.?\/+|\/+$/g, '');
}

/** The login a GitHub noreply address names: `123+login@users.noreply.github.com` or `login@users.noreply...`. */
export function loginFromEmail(email: string): string | undefined {
  const m = /^(?:\d+\+)?([^@+]+)@users\.noreply\.github\.com$/i.exec(email.trim());
  return m && LOGIN.test(m[1]!) ? m[1] : undefined;
}

async function assertCommit(repoRoot: string, sha: string, what: string): Promise<void> {
  if ((await commitOf(repoRoot, sha)) === undefined)
    throw new TollgateError(`the ${what} commit ${sha} is not in this clone`, {
      fix: 'check out with `fetch-depth: 0` and fetch the pull request head (`git fetch origin <sha>`)',
    });
}

/** The base's policy.yaml; a broken one fails the gate rather than falling back to defaults. */
async function basePolicy(base: RegistryReader, baseSha: string): Promise<EffectivePolicy> {
  const bytes = await base.read(POLICY_PATH);
  if (bytes === undefined) return effectivePolicy(undefined);
  const parsed = parseRegistryFile(POLICY_PATH, bytes);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 || parsed.document?.kind !== 'Policy') {
    const first = errors[0];
    throw new TollgateError(
      `the base commit's ${POLICY_PATH} (${baseSha.slice(0, 7)}) is invalid${first ? `: ${first.message}` : ''}; the gate cannot judge against it`,
      {
        file: POLICY_PATH,
        ...(first?.line ? { line: first.line } : {}),
        fix: 'repair registry/policy.yaml on the base branch (a repository admin may need to merge the fix)',
      },
    );
  }
  return effectivePolicy(parsed.document as Policy);
}

/** A registry file that parses and validates as `kind`, or undefined. */
async function validDocument<T>(reader: RegistryReader, path: string, kind: string): Promise<T | undefined> {
  const bytes = await reader.read(path);
  if (bytes === undefined) return undefined;
  const parsed = parseRegistryFile(path, bytes);
  if (parsed.problems.some((p) => p.severity === 'error') || parsed.document?.kind !== kind) return undefined;
  return parsed.document as T;
}

const modelIn = (reader: RegistryReader, model: string) =>
  validDocument<Model>(reader, `models/${model}/model.yaml`, 'Model');

/**
 * Whether a version's source commit is on the base: undefined when this clone lacks the commit (another
 * repository's, or a deleted branch's: the gate cannot tell), false for a commit of this clone the base does not
 * reach (trained on a branch, or in the pull request itself).
 */
async function sourceOnBase(repoRoot: string, commit: string, baseSha: string): Promise<boolean | undefined> {
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(commit)) return false;
  if ((await commitOf(repoRoot, commit)) === undefined) return undefined;
  return isAncestor(repoRoot, commit, baseSha);
}

/** Every version a stage pointer moves to (the head's record, held if held on either side), and every version it replaces. */
async function versionsOf(
  changes: RegistryChange[],
  base: RegistryReader,
  head: RegistryReader,
  onBase: (commit: string) => Promise<boolean | undefined>,
): Promise<Record<string, Record<string, GateVersion>>> {
  const out: Record<string, Record<string, GateVersion>> = {};
  for (const change of changes) {
    if (change.kind !== 'stage-changed' || change.to === undefined) continue;
    const { model, to } = change;
    if (!isSafeName(model) || !isSafeName(to) || out[model]?.[to]) continue;
    const path = `models/${model}/versions/${to}.yaml`;
    const now = await validDocument<ModelVersion>(head, path, 'ModelVersion');
    const before = await validDocument<ModelVersion>(base, path, 'ModelVersion');
    const held = now?.held
      ? now.held.reason
      : before?.held
        ? `on the base branch: ${before.held.reason}`
        : undefined;
    // The merge keeps the base's side of a file the pull request does not touch: a record removed or re-measured
    // on the base since the fork is what serves after the merge, whatever the head still shows.
    const touched = changes.some((c) => c.path === path && 'version' in c);
    const merged = touched ? now : before;
    (out[model] ??= {})[to] = {
      valid: merged !== undefined && merged.id === to && merged.model === model,
      metrics: merged?.metrics ?? {},
      passed: merged?.validation.passed ?? false,
      ...(held !== undefined ? { held } : {}),
      ...(merged && (await onBase(merged.source.commit)) === false
        ? { sourceOffBase: merged.source.commit }
        : {}),
    };
  }
  // The versions being replaced, as the base records them: a forward move is compared with them (no_regression).
  for (const change of changes) {
    if (change.kind !== 'stage-changed' || change.from === undefined || change.to === undefined) continue;
    const { model, from } = change;
    if (!isSafeName(model) || !isSafeName(from) || out[model]?.[from]) continue;
    const before = await validDocument<ModelVersion>(
      base,
      `models/${model}/versions/${from}.yaml`,
      'ModelVersion',
    );
    if (before === undefined) continue;
    (out[model] ??= {})[from] = {
      valid: before.id === from && before.model === model,
      metrics: before.metrics,
      passed: before.validation.passed,
      ...(before.held ? { held: before.held.reason } : {}),
    };
  }
  return out;
}

/** Owners from the base; a model the base lacks takes the head's list, marked new (see GateModel.new). */
async function modelsOf(
  changes: RegistryChange[],
  base: RegistryReader,
  head: RegistryReader,
): Promise<Record<string, GateModel>> {
  const names = [
    ...new Set(changes.flatMap((c) => ('model' in c && isSafeName(c.model) ? [c.model] : []))),
  ].sort();
  const models: Record<string, GateModel> = {};
  for (const name of names) {
    const fromBase = await modelIn(base, name);
    if (fromBase) {
      models[name] = { owners: fromBase.owners, ...(fromBase.gates ? { gates: fromBase.gates } : {}) };
      continue;
    }
    const onBase = (await base.list(`models/${name}`)).length > 0;
    const fromHead = onBase ? undefined : await modelIn(head, name);
    if (fromHead)
      models[name] = {
        owners: fromHead.owners,
        new: true,
        ...(fromHead.gates ? { gates: fromHead.gates } : {}),
      };
  }
  return models;
}

/** model -> stage -> every version that held the stage on the base's first-parent history. */
async function stageHistoryOf(
  repoRoot: string,
  changes: RegistryChange[],
  baseSha: string,
  prefix: string,
): Promise<Record<string, Record<string, string[]>>> {
  const models = changes.flatMap((c) => (c.kind === 'stage-changed' ? [c.model] : []));
  return historyOfModels(repoRoot, models, baseSha, prefix);
}

async function historyOfModels(
  repoRoot: string,
  names: string[],
  baseSha: string,
  prefix: string,
): Promise<Record<string, Record<string, string[]>>> {
  const models = [...new Set(names.filter(isSafeName))].sort();
  const history: Record<string, Record<string, string[]>> = {};
  for (const model of models) {
    const snapshots = await readStageSnapshots(repoRoot, model, {
      ref: baseSha,
      registryPrefix: prefix === '' ? '' : `${prefix}/`,
    });
    const stages: Record<string, string[]> = {};
    for (const stage of stagesNamed(snapshots))
      stages[stage] = [...new Set(stageHistory(snapshots, model, stage).map((t) => t.version))];
    history[model] = stages;
  }
  return history;
}

/**
 * Every stage pointer an intermediate commit of forkPoint..head sets to a version that neither the fork point nor
 * the head points that stage at and that never held the stage on the base. The semantic diff only sees the net
 * change; a rebase merge lands each commit on the default branch, and the stage history reads every one of them.
 */
export async function transientPointersOf(
  repoRoot: string,
  range: { forkPoint: string; headSha: string; baseSha: string },
  prefix: string,
): Promise<TransientPointer[]> {
  const registry = prefix === '' ? '' : `${prefix}/`;
  // Raw: only shas and paths are wanted; simple-git's log formats every field of every commit.
  const log = await runGit(repoRoot, [
    'log',
    '--no-merges',
    '--no-renames',
    '--format=%H',
    '--name-only',
    `${range.forkPoint}..${range.headSha}`,
    '--',
    `${registry}models`,
  ]);
  const touched: { commit: string; path: string; model: string }[] = [];
  let commit = '';
  for (const line of log.stdout.split('\n')) {
    if (SHA.test(line)) commit = line;
    const model = line.startsWith(registry)
      ? /^models\/([^/]+)\/stages\.yaml$/.exec(line.slice(registry.length))?.[1]
      : undefined;
    if (commit && model) touched.push({ commit, path: line, model });
  }
  if (touched.length === 0) return [];
  const paths = [...new Set(touched.map((t) => t.path))];
  const blobs = await readBlobs(repoRoot, [
    ...touched.map((t) => `${t.commit}:${t.path}`),
    ...paths.flatMap((p) => [`${range.forkPoint}:${p}`, `${range.headSha}:${p}`]),
  ]);
  const pointers = (spec: string) => stagesOf(parseYaml(blobs.get(spec))) ?? {};
  const candidates: TransientPointer[] = [];
  for (const t of touched) {
    const [fork, head] = [pointers(`${range.forkPoint}:${t.path}`), pointers(`${range.headSha}:${t.path}`)];
    for (const [stage, pointer] of Object.entries(pointers(`${t.commit}:${t.path}`))) {
      if (pointer.version === fork[stage]?.version || pointer.version === head[stage]?.version) continue;
      candidates.push({ commit: t.commit, model: t.model, stage, version: pointer.version });
    }
  }
  if (candidates.length === 0) return [];
  // A version that held the stage on the base already counts as a rollback target (a multi-commit revert passes).
  const history = await historyOfModels(
    repoRoot,
    candidates.map((c) => c.model),
    range.baseSha,
    prefix,
  );
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = `${c.model}\0${c.stage}\0${c.version}`;
    if (seen.has(key) || history[c.model]?.[c.stage]?.includes(c.version)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Marks each YAML file outside the registry whose Tollgate action pins (`uses: …/tollgate/actions/…`) differ
 * between the fork point and the head: one `git cat-file --batch` for all of them.
 */
export async function markTollgatePins(
  repoRoot: string,
  changes: RegistryChange[],
  range: { forkPoint: string; headSha: string },
): Promise<RegistryChange[]> {
  const yaml = changes.filter((c) => c.kind === 'file-changed' && mayHoldPins(c.path)).map((c) => c.path);
  if (yaml.length === 0) return changes;
  const blobs = await readBlobs(
    repoRoot,
    yaml.flatMap((path) => [`${range.forkPoint}:${path}`, `${range.headSha}:${path}`]),
  );
  return changes.map((c) =>
    c.kind === 'file-changed' &&
    mayHoldPins(c.path) &&
    pinsChanged(blobs.get(`${range.forkPoint}:${c.path}`), blobs.get(`${range.headSha}:${c.path}`))
      ? { ...c, tollgatePin: true }
      : c,
  );
}

/**
 * The errors (schema, then cross-file rules) of the changed registry files as the head has them, with paths made
 * repository-relative. A problem the change did not bring (the same one on the base, in a file it did not touch,
 * such as a sibling stages.yaml) is not the pull request's to fix and is left out.
 */
export async function invalidChangedFiles(
  base: RegistryReader,
  head: RegistryReader,
  paths: string[],
  prefix: string,
): Promise<Problem[]> {
  if (paths.length === 0) return [];
  const errors = async (reader: RegistryReader) =>
    (await validateRegistry(reader, { paths })).filter((p) => p.severity === 'error');
  const [after, before] = await Promise.all([errors(head), errors(base)]);
  const key = (p: Problem) => `${p.file}\0${p.field ?? ''}\0${p.message}`;
  const already = new Set(before.map(key));
  const changed = new Set(paths);
  return after
    .filter((p) => changed.has(p.file) || !already.has(key(p)))
    .map((p) => ({ ...p, file: prefix === '' ? p.file : `${prefix}/${p.file}` }));
}

/** Which of `shas` have the same registry tree as `headSha` (one `git cat-file --batch-check`). */
export async function commitsWithRegistryOf(
  repoRoot: string,
  headSha: string,
  shas: string[],
  prefix: string,
): Promise<Set<string>> {
  const candidates = [...new Set(shas.filter((sha) => SHA.test(sha)))];
  const specs = [headSha, ...candidates].map((sha) => (prefix === '' ? `${sha}^{tree}` : `${sha}:${prefix}`));
  // Raw: the specs go to git's stdin, which simple-git has no way to pass.
  const out = await runGit(repoRoot, ['cat-file', '--batch-check'], { input: `${specs.join('\n')}\n` });
  const lines = out.stdout.split('\n');
  // "<spec> missing" (no such commit, or no registry in it) never counts as equal.
  const treeOf = (i: number) => {
    const line = lines[i] ?? '';
    return line === '' || line.endsWith(' missing') ? undefined : line.split(' ')[0];
  };
  const head = treeOf(0);
  const same = new Set<string>([headSha]);
  candidates.forEach((sha, i) => {
    if (head !== undefined && treeOf(i + 1) === head) same.add(sha);
  });
  return same;
}

export async function collectGateFacts(repoRoot: string, options: GateFactsOptions): Promise<GateFacts> {
  const { baseSha, headSha } = options;
  for (const [what, sha] of [
    ['base', baseSha],
    ['head', headSha],
  ] as const) {
    if (!SHA.test(sha))
      throw new TollgateError(`the ${what} must be a full commit sha, not "${sha}"`, {
        fix: 'resolve the ref first (`git rev-parse`)',
      });
  }
  await assertFullHistory(repoRoot);
  await assertCommit(repoRoot, baseSha, 'base');
  await assertCommit(repoRoot, headSha, 'head');
  const prefix = normalizeRegistryPrefix(options.registryPrefix);
  const forkPoint = await mergeBase(repoRoot, baseSha, headSha);
  if (forkPoint === undefined)
    throw new TollgateError(
      `the head ${headSha.slice(0, 7)} shares no history with the base ${baseSha.slice(0, 7)}`,
      {
        fix: 'open the pull request from a branch of the default branch',
      },
    );

  const base = gitTreeReader(repoRoot, baseSha, prefix);
  const head = gitTreeReader(repoRoot, headSha, prefix);
  try {
    const policy = await basePolicy(base, baseSha);
    const diff = await registryDiffBetweenRefs(repoRoot, forkPoint, headSha, prefix);
    const changes = await markTollgatePins(repoRoot, diff.changes, { forkPoint, headSha });
    const invalidFiles = await invalidChangedFiles(base, head, diff.registryPaths, prefix);
    const models = await modelsOf(changes, base, head);
    const versions = await versionsOf(changes, base, head, (commit) =>
      sourceOnBase(repoRoot, commit, baseSha),
    );
    const commits =
      forkPoint === headSha ? [] : await commitsTouching(repoRoot, [], { ref: `${forkPoint}..${headSha}` });
    const requestedBy = [
      ...new Set(
        commits.flatMap((c) =>
          Object.entries(c.trailers)
            .filter(([key]) => key.toLowerCase() === 'requested-by')
            .flatMap(([, values]) => values.map((v) => v.trim().replace(/^@/, '')))
            .filter((v) => v !== ''),
        ),
      ),
    ].sort();
    // Co-authors named by trailer wrote part of the pull request too (`Name <123+login@users.noreply...>`).
    const coAuthorEmails = commits.flatMap((c) =>
      Object.entries(c.trailers)
        .filter(([key]) => key.toLowerCase() === 'co-authored-by')
        .flatMap(([, values]) => values.map((v) => /<([^<>]+)>\s*$/.exec(v)?.[1] ?? '')),
    );
    const commitAuthorLogins = [
      ...new Set(
        [...commits.map((c) => c.authorEmail), ...coAuthorEmails].flatMap((e) => loginFromEmail(e) ?? []),
      ),
    ].sort();
    const stages = await stageHistoryOf(repoRoot, changes, baseSha, prefix);
    const transientPointers = await transientPointersOf(repoRoot, { forkPoint, headSha, baseSha }, prefix);
    const registryUnchangedSince = await commitsWithRegistryOf(
      repoRoot,
      headSha,
      [...commits.map((c) => c.sha), ...(options.reviewedCommits ?? [])],
      prefix,
    );
    return {
      baseSha,
      headSha,
      mergeBase: forkPoint,
      policy,
      changes,
      models,
      requestedBy,
      commits: commits.map((c) => ({ sha: c.sha, authorName: c.authorName, authorEmail: c.authorEmail })),
      commitAuthorLogins,
      stageHistory: stages,
      versions,
      registryUnchangedSince,
      transientPointers,
      invalidFiles,
    };
  } finally {
    base.close();
    head.close();
  }
}

/**
 * The evaluator's input from what git says (facts) and what GitHub says (the review context): one assembly for
 * the gate action and for `audit verify`'s re-evaluation, so both judge by the same rules.
 */
export function gateInputOf(
  facts: GateFacts,
  context: ReviewContext,
  pull: {
    number: number;
    headSha: string;
    reviews: Review[];
    /** Commit-author logins from git that count as the pull request's authors; default all of them. */
    commitAuthorLogins?: string[];
    defaultBranch?: string;
    /** Requested-By logins beyond the trailers' (a simulation's --requested-by). */
    requestedBy?: string[];
    /** Tollgate's App slug: only its bot may add merge records (PullRequestFacts.recordWriter). */
    recordWriter?: string;
  },
): Omit<GateInput, 'memberships' | 'permissions'> {
  const commitAuthors = [
    ...new Set([
      ...context.commits.flatMap((c) => [c.author, c.committer].filter((l): l is string => !!l)),
      ...(pull.commitAuthorLogins ?? facts.commitAuthorLogins),
    ]),
  ].sort();
  return {
    policy: facts.policy,
    ...(pull.defaultBranch ? { defaultBranch: pull.defaultBranch } : {}),
    changes: facts.changes,
    models: facts.models,
    pullRequest: {
      number: pull.number,
      author: context.author ?? '',
      headSha: pull.headSha,
      baseRef: context.baseRef,
      headRef: context.headRef,
      authorIsBot: context.authorIsBot,
      ...(pull.recordWriter ? { recordWriter: pull.recordWriter } : {}),
      requestedBy: pull.requestedBy
        ? [...new Set([...facts.requestedBy, ...pull.requestedBy])]
        : facts.requestedBy,
      commitAuthors,
    },
    reviews: pull.reviews,
    registryUnchangedSince: facts.registryUnchangedSince,
    stageHistory: facts.stageHistory,
    versions: facts.versions,
    transientPointers: facts.transientPointers,
    invalidFiles: facts.invalidFiles,
  };
}
