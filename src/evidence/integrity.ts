// The gate-integrity audit: every change to a stage pointer or the policy on the default branch must have come
// through a merged pull request (or be an emergency rollback the policy allows). Git alone answers the first
// question; a ReviewSource (GitHub) answers whether the gate's check and the approvals were there.
import { TollgateError } from '../errors.ts';
import { runGit } from '../git/run.ts';
import { effectivePolicy } from '../policy/effective.ts';
import { classifyRegistryPath, incidentPath, POLICY_PATH } from '../registry/paths.ts';
import type { AuditEvent, Incident, Policy } from '../registry/types.ts';
import { isMergeRecord, readStageSnapshots, stageHistory, stagesNamed, stagesOf } from './history-at.ts';
import { assertFullHistory, commitOf, isAncestor, mergeBase } from '../git/history.ts';
import { readObjects, type ObjectReader } from '../git/reader.ts';
import {
  parseYaml,
  readAuditEvents,
  readBlobs,
  committerDate,
  readTrail,
  trailerValue,
  type ChangedFile,
  type TrailCommit,
  utcTime,
} from './history.ts';
import { standingApprovals, type GateCheckRecord, type ReviewSource } from './reviews.ts';
import { recheckShortfall, type SignoffRechecker } from './signoff-recheck.ts';
import { GitHubApiError } from '../github/client.ts';

export type FindingKind =
  | 'direct-push'
  | 'emergency-push'
  | 'history-rewritten'
  | 'baseline-missing'
  | 'pr-not-found'
  | 'pr-not-merged'
  | 'merge-commit-differs'
  | 'gate-check-missing'
  | 'gate-check-failed'
  | 'gate-check-other-commit'
  | 'merged-before-check'
  /** A check run of the gate's name from another App than the gate's: an attempt to forge its verdict. */
  | 'gate-check-forged'
  | 'approvals-missing'
  /** The gate, run again by the audit, finds required roles without a sign-off (whatever the check run said). */
  | 'signoffs-missing'
  /** The gate, run again by the audit, refuses the change whatever the reviews (e.g. a mixed change). */
  | 'gate-blocked';

export interface IntegrityFinding {
  sha: string;
  subject: string;
  kind: FindingKind;
  /** What should have been there and was not, in words. */
  missing: string;
  /** The guarded changes the commit made, e.g. `fraud production: v1 -> v2`, `policy.yaml changed`. */
  changes?: string[];
  pullRequest?: number;
}

export interface IntegrityReport {
  ref: string;
  head: string;
  baseline?: string;
  /** First-parent commits that changed a stage pointer or the policy. */
  guardedCommits: number;
  /** Violations: the CLI exits non-zero when there is any. */
  findings: IntegrityFinding[];
  /** Emergency rollbacks pushed directly that the policy allowed; reported, not violations. */
  allowed: IntegrityFinding[];
}

export interface IntegrityOptions {
  /** A trusted commit: only history after it is audited. Default: the whole history. */
  since?: string;
  /** Default: the policy's default branch (local, else origin/), else HEAD. */
  ref?: string;
  reviews?: ReviewSource;
  /**
   * Re-evaluates each merged pull request's sign-offs with the gate's own evaluator (see signoff-recheck.ts), so a
   * passing check run posted under a weaker policy, or forged, does not vouch for a merge. Needs `reviews` too.
   */
  signoffs?: SignoffRechecker;
  registryPrefix?: string;
  /** A reader to read objects through (the site reads all it needs through one); default: one per batch. */
  objects?: ObjectReader;
  /**
   * The registry folder's first-parent trail up to `ref` (readTrail), when the caller has read it already: the audit
   * takes its commits from it instead of walking the history again (unless `since` names a commit off that trail).
   */
  registryTrail?: TrailCommit[];
}

const MERGE_SUBJECT = /^Merge pull request #(\d+) from /;

async function resolveCommit(
  repoRoot: string,
  rev: string,
  objects?: ObjectReader,
): Promise<string | undefined> {
  if (objects) {
    const commit = await objects.lookup(`${rev}^{commit}`);
    return commit?.type === 'commit' ? commit.oid : undefined;
  }
  return commitOf(repoRoot, rev);
}

/** The branch whose stage pointers are live, as a ref this clone has. */
export async function defaultBranchRef(repoRoot: string, registryPrefix = 'registry/'): Promise<string> {
  return (await resolveBranchHead(repoRoot, undefined, registryPrefix)).ref;
}

/** A ref (default: the default branch) with its commit and committer time, in as few git calls as possible. */
export async function resolveBranchHead(
  repoRoot: string,
  ref: string | undefined,
  registryPrefix = 'registry/',
  reader?: ObjectReader,
): Promise<{ ref: string; head: string; date: string }> {
  if (ref === undefined) {
    // Guess the usual branch name so the policy and the branch come in one batch; ask again only if wrong.
    const guess = 'main';
    const refsOf = (branch: string) => [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`];
    const policySpec = `HEAD:${registryPrefix}${POLICY_PATH}`;
    let objects = await readObjects(reader ?? repoRoot, [policySpec, ...refsOf(guess)]);
    const policy = objects.get(policySpec);
    const branch = effectivePolicy(
      (policy?.type === 'blob' ? parseYaml(policy.content.toString('utf8')) : undefined) as
        Policy | undefined,
    ).defaultBranch;
    if (branch !== guess) objects = await readObjects(reader ?? repoRoot, refsOf(branch));
    for (const candidate of refsOf(branch)) {
      const o = objects.get(candidate);
      const date = o?.type === 'commit' ? committerDate(o.content.toString('utf8')) : undefined;
      if (o && date) return { ref: candidate, head: o.oid, date };
    }
    ref = 'HEAD';
  }
  // Raw: --end-of-options keeps a --ref that looks like an option a revision; exit 128 (no such commit) is an answer.
  const r = await runGit(repoRoot, ['log', '-1', '--format=%H%x00%cI', '--end-of-options', ref, '--'], {
    okCodes: [128],
  });
  if (r.code !== 0)
    throw new TollgateError(`${ref} is not a commit in this clone`, {
      fix: 'fetch the default branch (`git fetch origin`) or name an existing ref with --ref',
    });
  const [head, date] = r.stdout.trim().split('\0') as [string, string];
  return { ref, head, date: utcTime(date) };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** The stages.yaml and policy.yaml files a commit changed, with the blobs before and after. */
function guardedFiles(c: TrailCommit, prefix: string): ChangedFile[] {
  return c.files.filter((f) => {
    if (!f.path.startsWith(prefix)) return false;
    const p = f.path.slice(prefix.length);
    return p === POLICY_PATH || classifyRegistryPath(p)?.kind === 'Stages';
  });
}

export interface PointerMove {
  model: string;
  stage: string;
  from?: string;
  to?: string;
}

/** The stage pointers a commit moved against its first parent, comparing parsed YAML (pure). */
export function pointerMoves(
  c: TrailCommit,
  prefix: string,
  blobs: Map<string, string | undefined>,
): PointerMove[] {
  const text = (oid: string | undefined) => (oid === undefined ? undefined : blobs.get(oid));
  const moves: PointerMove[] = [];
  for (const f of guardedFiles(c, prefix)) {
    const p = f.path.slice(prefix.length);
    if (p === POLICY_PATH) continue;
    const model = (classifyRegistryPath(p) as { model: string }).model;
    const from = stagesOf(parseYaml(text(f.previousBlob))) ?? {};
    const to = stagesOf(parseYaml(text(f.blob))) ?? {};
    for (const stage of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
      const a = from[stage]?.version;
      const b = to[stage]?.version;
      if (a !== b)
        moves.push({
          model,
          stage,
          ...(a !== undefined ? { from: a } : {}),
          ...(b !== undefined ? { to: b } : {}),
        });
    }
  }
  return moves;
}

/** The guarded changes a commit made against its first parent, comparing parsed YAML (pure). */
export function guardedChanges(
  c: TrailCommit,
  prefix: string,
  blobs: Map<string, string | undefined>,
): string[] {
  const text = (oid: string | undefined) => (oid === undefined ? undefined : blobs.get(oid));
  const policy = guardedFiles(c, prefix).some(
    (f) =>
      f.path.slice(prefix.length) === POLICY_PATH &&
      canonical(parseYaml(text(f.previousBlob))) !== canonical(parseYaml(text(f.blob))),
  );
  return [
    ...(policy ? ['policy.yaml changed'] : []),
    ...pointerMoves(c, prefix, blobs).map(
      (m) => `${m.model} ${m.stage}: ${m.from ?? '(none)'} -> ${m.to ?? '(none)'}`,
    ),
  ];
}

/**
 * The first move that is no rollback: to a version that did not hold that stage on the first-parent history
 * before the commit (or removing the stage). An emergency push may only go back to where the gate had let it be.
 */
async function firstForwardMove(
  repoRoot: string,
  c: TrailCommit,
  moves: PointerMove[],
  prefix: string,
): Promise<PointerMove | undefined> {
  const parent = c.parents[0];
  const held = new Map<string, Set<string>>();
  for (const move of moves) {
    if (move.to === undefined || parent === undefined) return move;
    if (!held.has(move.model)) {
      const snapshots = await readStageSnapshots(repoRoot, move.model, {
        ref: parent,
        registryPrefix: prefix,
      });
      const versions = new Set<string>();
      for (const stage of stagesNamed(snapshots))
        for (const t of stageHistory(snapshots, move.model, stage)) versions.add(`${stage}\0${t.version}`);
      held.set(move.model, versions);
    }
    if (!held.get(move.model)!.has(`${move.stage}\0${move.to}`)) return move;
  }
  return undefined;
}

/** Whether a directly pushed commit is an emergency rollback the policy allowed, and if not, why not. */
async function emergencyVerdict(
  repoRoot: string,
  c: TrailCommit,
  changes: string[],
  moves: PointerMove[],
  prefix: string,
): Promise<{ allowed: boolean; why: string }> {
  const incident = trailerValue(c.trailers, 'Incident');
  const event = trailerValue(c.trailers, 'Tollgate-Event');
  if (!incident || event !== 'rollback')
    return {
      allowed: false,
      why: 'a merged pull request (no "Merge pull request #N" merge, no "(#N)" squash)',
    };
  if (changes.includes('policy.yaml changed'))
    return { allowed: false, why: 'a pull request: an emergency rollback may not change policy.yaml' };
  const incidentSpec = `${c.sha}:${prefix}${incidentPath(incident)}`;
  const policySpec = `${c.parents[0] ?? c.sha}:${prefix}${POLICY_PATH}`;
  const blobs = await readBlobs(repoRoot, [incidentSpec, policySpec]);
  const record = parseYaml(blobs.get(incidentSpec)) as Incident | undefined;
  if (!record || typeof record !== 'object' || typeof record.severity !== 'string')
    return { allowed: false, why: `the incident record ${incidentPath(incident)} at this commit` };
  const allowedSeverities = effectivePolicy(parseYaml(blobs.get(policySpec)) as Policy | undefined).incident
    .emergencyPush;
  const named = new Set(Array.isArray(record.models) ? record.models : []);
  const others = changes.map((ch) => ch.split(' ')[0]!).filter((model) => !named.has(model));
  if (others.length > 0)
    return {
      allowed: false,
      why: `a pull request: incident ${incident} does not concern ${[...new Set(others)].join(', ')}, which this push changed`,
    };
  if (!allowedSeverities.includes(record.severity))
    return {
      allowed: false,
      why: `a pull request: incident ${incident} is ${record.severity}, and the policy allows emergency pushes only for ${allowedSeverities.join(', ') || 'no severity'}`,
    };
  const forward = await firstForwardMove(repoRoot, c, moves, prefix);
  if (forward)
    return {
      allowed: false,
      why:
        forward.to === undefined
          ? `a pull request: an emergency rollback may only move a pointer back, not remove ${forward.model} ${forward.stage}`
          : `a pull request: ${forward.model} ${forward.stage} -> ${forward.to} is no rollback (${forward.to} never held ${forward.stage} before), and an emergency push may only go back to a version that did`,
    };
  return { allowed: true, why: `incident ${incident} (${record.severity}) allows an emergency push` };
}

/** The pull request a first-parent commit landed through: a GitHub merge, or a Tollgate squash `(#N)`. */
function landingPullRequest(c: TrailCommit): { merge: boolean; number?: number } {
  const merge = c.parents.length > 1 ? MERGE_SUBJECT.exec(c.subject) : null;
  if (merge) return { merge: true, number: Number(merge[1]) };
  const squash =
    c.parents.length <= 1 && trailerValue(c.trailers, 'Tollgate-Event')
      ? /\(#(\d+)\)\s*$/.exec(c.subject)
      : null;
  return { merge: false, ...(squash ? { number: Number(squash[1]) } : {}) };
}

/**
 * From git alone: what the gate's merge record (src/gate/merged.ts) says went wrong when the pull request merged,
 * if anything (pure). The record is the gate's own account at the merge; with GitHub the audit asks GitHub instead.
 */
export function mergeRecordFinding(record: AuditEvent): { kind: FindingKind; missing: string } | undefined {
  const details = record.details ?? {};
  const run = (details.check_run ?? {}) as {
    found?: unknown;
    status?: unknown;
    conclusion?: unknown;
    completed_at?: unknown;
  };
  const said = `(the gate's merge record ${record.id})`;
  const forged = Array.isArray(details.forged_check_runs) ? (details.forged_check_runs as unknown[]) : [];
  if (forged.length > 0)
    return {
      kind: 'gate-check-forged',
      missing: `only the gate's own check runs on the merged head: ${forged.map(describeRecordedRun).join('; ')} ${said}`,
    };
  if (run.found === false)
    return { kind: 'gate-check-missing', missing: `the Tollgate sign-off check run ${said}` };
  const completed = typeof run.completed_at === 'string' ? Date.parse(run.completed_at) : NaN;
  if (run.status !== 'completed' || completed > Date.parse(record.at))
    return {
      kind: 'merged-before-check',
      missing: `a finished sign-off check before the merge: at ${record.at} it was ${String(run.status ?? 'unknown')}${typeof run.completed_at === 'string' ? `, completed ${run.completed_at}` : ''} ${said}`,
    };
  if (run.conclusion !== 'success')
    return {
      kind: 'gate-check-failed',
      missing: `a passing sign-off check (at the merge it had concluded ${String(run.conclusion ?? 'nothing')}) ${said}`,
    };
  const roles = Array.isArray(details.missing_roles) ? (details.missing_roles as unknown[]).map(String) : [];
  if (roles.length > 0 || details.gate_verdict === 'failure')
    return {
      kind: 'signoffs-missing',
      missing: `sign-offs for ${roles.join(', ') || 'the required roles'} on the merged head ${said}`,
    };
  return undefined;
}

/** `run 7 by github-actions (App id 15368): success`, from a merge record's forged_check_runs entry. */
function describeRecordedRun(entry: unknown): string {
  const run = (entry ?? {}) as {
    id?: unknown;
    app_id?: unknown;
    app_slug?: unknown;
    conclusion?: unknown;
    status?: unknown;
  };
  const app =
    typeof run.app_slug === 'string'
      ? `${run.app_slug} (App id ${String(run.app_id)})`
      : `App id ${String(run.app_id)}`;
  return `run ${String(run.id)} by ${app}: ${String(run.conclusion ?? run.status ?? 'unknown')}`;
}

/** The finding for check runs of the gate's name that another App posted on a merged head (pure). */
export function forgedCheckFinding(
  foreign: GateCheckRecord[],
): { kind: FindingKind; missing: string } | undefined {
  if (foreign.length === 0) return undefined;
  const runs = foreign.map(
    (r) =>
      `a run by ${r.app ? `${r.app.slug ?? 'an App'} (App id ${r.app.id})` : 'no App'} (${r.conclusion ?? 'not completed'}${r.completedAt ? `, ${r.completedAt}` : ''})`,
  );
  return {
    kind: 'gate-check-forged',
    missing: `only the gate's own check runs on the merged head; another App posted its check name: ${runs.join('; ')}`,
  };
}

export async function verifyGateIntegrity(
  repoRoot: string,
  options: IntegrityOptions = {},
): Promise<IntegrityReport> {
  await assertFullHistory(repoRoot);
  const prefix = options.registryPrefix ?? 'registry/';
  const ref = options.ref ?? (await defaultBranchRef(repoRoot, prefix));
  const head = await resolveCommit(repoRoot, ref, options.objects);
  if (!head)
    throw new TollgateError(`audit verify: ${ref} is not a commit in this clone`, {
      fix: 'fetch the default branch (`git fetch origin`) or name it with --ref',
    });
  const findings: IntegrityFinding[] = [];
  const allowed: IntegrityFinding[] = [];
  let range = head;
  let baseline: string | undefined;
  // What of the caller's registry trail the audit covers, where that is known without asking git: all of it, or
  // the part above a baseline that lies on it.
  let fromTrail = options.since === undefined ? options.registryTrail : undefined;
  if (options.since !== undefined) {
    baseline = await resolveCommit(repoRoot, options.since, options.objects);
    const onTrail = options.registryTrail?.findIndex((c) => c.sha === baseline) ?? -1;
    if (!baseline) {
      findings.push({
        sha: options.since,
        subject: '',
        kind: 'baseline-missing',
        missing: `the trusted baseline ${options.since}: it is not in this clone's history (rewritten, or not fetched)`,
      });
      fromTrail = options.registryTrail;
    } else if (onTrail >= 0) {
      // On the head's first-parent trail, the baseline is an ancestor of the head.
      range = `${baseline}..${head}`;
      fromTrail = options.registryTrail!.slice(0, onTrail);
    } else {
      if (!(await isAncestor(repoRoot, baseline, head))) {
        findings.push({
          sha: baseline,
          subject: '',
          kind: 'history-rewritten',
          missing: `the trusted baseline ${options.since} in the history of ${ref}: the branch was force-pushed`,
        });
        const base = await mergeBase(repoRoot, baseline, head);
        range = base !== undefined ? `${base}..${head}` : head;
      } else range = `${baseline}..${head}`;
    }
  }
  const audited = (path: string) => path.startsWith(`${prefix}models/`) || path === `${prefix}${POLICY_PATH}`;
  const commits = (
    fromTrail
      ? // The same commits and files as a walk limited to those paths.
        fromTrail
          .map((c) => ({ ...c, files: c.files.filter((f) => audited(f.path)) }))
          .filter((c) => c.files.length > 0)
      : await readTrail(repoRoot, { ref: range, paths: [`${prefix}models/`, `${prefix}${POLICY_PATH}`] })
  ).reverse();
  // Every stages/policy blob before and after, in one batch.
  const blobs = await readBlobs(
    options.objects ?? repoRoot,
    commits.flatMap((c) =>
      guardedFiles(c, prefix).flatMap((f) => [f.blob, f.previousBlob].filter((b): b is string => !!b)),
    ),
  );
  const guarded = commits
    .map((c) => ({ c, changes: guardedChanges(c, prefix, blobs), moves: pointerMoves(c, prefix, blobs) }))
    .filter((g) => g.changes.length > 0);
  // Ask the review source for every pull request at once: a GitHub source limits and memoises its own calls.
  const prefetched = new Map(
    options.reviews
      ? guarded.flatMap(({ c }) => {
          const n = landingPullRequest(c).number;
          return n === undefined ? [] : [[n, options.reviews!.pullRequest(n)] as const];
        })
      : [],
  );
  await Promise.allSettled(prefetched.values());
  // From git alone, the gate's merge records (at the head) say how each merge's check and sign-offs stood.
  const recordsByCommit = new Map<string, AuditEvent[]>();
  if (!options.reviews)
    for (const { event } of await readAuditEvents(repoRoot, head, prefix, options.objects))
      if (isMergeRecord(event) && event.commit)
        recordsByCommit.set(event.commit, [...(recordsByCommit.get(event.commit) ?? []), event]);
  let guardedCommits = 0;
  for (const { c, changes, moves } of guarded) {
    guardedCommits++;
    const base = { sha: c.sha, subject: c.subject, changes };
    const { merge, number } = landingPullRequest(c);
    if (number === undefined) {
      const verdict = await emergencyVerdict(repoRoot, c, changes, moves, prefix);
      if (verdict.allowed)
        allowed.push({
          ...base,
          kind: 'emergency-push',
          missing: `nothing: ${verdict.why} (allowed by policy)`,
        });
      else findings.push({ ...base, kind: 'direct-push', missing: verdict.why });
      continue;
    }
    if (!options.reviews) {
      const record = recordsByCommit
        .get(c.sha)
        ?.map(mergeRecordFinding)
        .find((f) => f !== undefined);
      if (record) findings.push({ ...base, pullRequest: number, ...record });
      continue;
    }
    const pr = await (prefetched.get(number) ?? options.reviews.pullRequest(number));
    const withPr = { ...base, pullRequest: number };
    if (!pr) {
      findings.push({ ...withPr, kind: 'pr-not-found', missing: `pull request #${number} on GitHub` });
      continue;
    }
    if (!pr.mergedAt) {
      findings.push({ ...withPr, kind: 'pr-not-merged', missing: `a merge of pull request #${number}` });
      continue;
    }
    // A subject naming a merged pull request proves nothing by itself: the commit must be the one GitHub merged.
    // (A direct push can copy the subject; a force-push rewrites the merge into another commit.)
    if (pr.mergeCommitSha && pr.mergeCommitSha !== c.sha) {
      findings.push({
        ...withPr,
        kind: 'merge-commit-differs',
        missing: `the merge of pull request #${number} itself: GitHub merged it as ${pr.mergeCommitSha.slice(0, 12)}, not this commit (pushed directly under its subject, or history rewritten)`,
      });
      continue;
    }
    const forged = forgedCheckFinding(pr.foreignChecks ?? []);
    if (forged) findings.push({ ...withPr, ...forged });
    // The verdict that stood at the merge: the last run completed by then. A run after the merge (a review on
    // the merged pull request re-runs the gate) neither excuses nor condemns the merge.
    const runs = pr.gateChecks ?? (pr.gateCheck ? [pr.gateCheck] : []);
    const mergedAt = Date.parse(pr.mergedAt);
    const check = runs
      .filter((r) => r.completedAt !== undefined && Date.parse(r.completedAt) <= mergedAt)
      .sort((a, b) => Date.parse(b.completedAt!) - Date.parse(a.completedAt!))[0];
    if (runs.length === 0)
      findings.push({ ...withPr, kind: 'gate-check-missing', missing: 'the Tollgate sign-off check run' });
    else if (!check)
      findings.push({
        ...withPr,
        kind: 'merged-before-check',
        missing: `a finished sign-off check before the merge (merged before the check finished: merged ${pr.mergedAt}, check ${runs[0]!.completedAt ?? 'never completed'})`,
      });
    else if (check.conclusion !== 'success')
      findings.push({
        ...withPr,
        kind: 'gate-check-failed',
        missing: `a passing sign-off check (at the merge it had concluded ${check.conclusion ?? 'nothing'})`,
      });
    else if (merge && c.parents[1] && check.headSha !== c.parents[1])
      findings.push({
        ...withPr,
        kind: 'gate-check-other-commit',
        missing: `a sign-off check on the merged head ${c.parents[1].slice(0, 12)} (it ran on ${check.headSha.slice(0, 12)})`,
      });
    // Only reviews given by the merge count: an approval added afterwards did not let the change in.
    // Without a re-evaluation, some approval must stand; with one, the policy says which (if any) are needed.
    const beforeMerge = pr.reviews.filter((r) => !(Date.parse(r.submittedAt) > mergedAt));
    if (
      !options.signoffs &&
      pr.reviewsKnown !== false &&
      standingApprovals({ ...pr, reviews: beforeMerge }).length === 0
    )
      findings.push({
        ...withPr,
        kind: 'approvals-missing',
        missing: 'any standing approval, given before the merge, by someone other than the author',
      });
    if (options.signoffs) {
      const firstParent = c.parents[0] ?? c.sha;
      try {
        const recheck = await options.signoffs.recheck({
          number,
          sha: c.sha,
          parents: c.parents,
          mergedAt: pr.mergedAt,
        });
        const shortfall = recheckShortfall(recheck, firstParent);
        if (shortfall) findings.push({ ...withPr, ...shortfall });
      } catch (error) {
        // What the repository cannot answer (a broken policy at the merge) fails the change, as it fails the gate.
        if (!(error instanceof TollgateError) || error instanceof GitHubApiError) throw error;
        findings.push({
          ...withPr,
          kind: 'gate-blocked',
          missing: `a change the gate can judge: re-evaluating it failed: ${error.message}`,
        });
      }
    }
  }
  return { ref, head, ...(baseline ? { baseline } : {}), guardedCommits, findings, allowed };
}
