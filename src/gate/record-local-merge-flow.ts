// `tollgate gate record-merge`: a pull request merged outside GitHub Actions (a local `git merge --no-ff`, the
// demo, a mirror) recorded as the gate action records one: the gate re-evaluated on the merged head with the
// approvals given, then recordMergedPullRequest's audit events (and an incident's rollback-completed entry)
// committed as one registry commit. The gate's check run is not known offline and the record says so.
import { TollgateError } from '../errors.ts';
import { commitFields, commitOf, commitsTouching } from '../git/history.ts';
import { readIncidents } from '../incident/read.ts';
import { commitRegistryChange } from '../publish/registry-transaction.ts';
import { INCIDENT_ID } from '../registry/names.ts';
import { incidentPath } from '../registry/paths.ts';
import { collectGateFacts } from './collect.ts';
import { evaluateGate } from './evaluate.ts';
import { recordMergedPullRequest, type GateCheckRunFact, type MergedRecord } from './merged.ts';
import type { GateInput, GateVerdict, Permission, Review } from './types.ts';

export interface RecordMergeInput {
  repoRoot: string;
  /** Repository-relative registry folder (`registry`, or `.`). */
  registryDir: string;
  /** The merge commit: its first parent is the base, its second the pull request head. */
  mergeSha: string;
  number: number;
  /** Login of whoever merged. */
  mergedBy: string;
  /** ISO-8601; default the merge commit's committer date. */
  mergedAt?: string;
  /** Approvals as the gate would read them from GitHub (`commitId` a commit of the pull request). */
  reviews: Review[];
  memberships: GateInput['memberships'];
  permissions: Record<string, Permission>;
  /** Requesters besides the Requested-By trailers of the pull request's commits. */
  requestedBy?: string[];
  checkName: string;
  /**
   * The gate's check run on the merged head as GitHub listed it, when the recorder knows it (a mirror, the demo);
   * absent, the record says no check run was found, which `audit verify` reports.
   */
  checkRun?: GateCheckRunFact;
  /** The pull request's description, recorded with its digest (see merged.ts). */
  body?: string;
  env?: NodeJS.ProcessEnv;
  /** Decide and report what would be written, and commit nothing. */
  dryRun?: boolean;
}

export interface RecordMergeResult {
  verdict: GateVerdict;
  record: MergedRecord;
  /** The registry commit, when anything was recorded. */
  commit?: string;
  /** Audit events already on the branch, kept as first written. */
  already: string[];
  /** The registry files the record writes (or, on a dry run, would write). */
  written: string[];
}

export async function recordMergeLocally(input: RecordMergeInput): Promise<RecordMergeResult> {
  const { repoRoot } = input;
  const mergeSha = await commitOf(repoRoot, input.mergeSha);
  const base = await commitOf(repoRoot, `${input.mergeSha}^1`);
  const head = await commitOf(repoRoot, `${input.mergeSha}^2`);
  if (mergeSha === undefined || base === undefined || head === undefined)
    throw new TollgateError(`${input.mergeSha} is not a merge commit of a pull request`, {
      fix: 'name the merge commit (`git merge --no-ff`): its first parent is the base, its second the head',
    });
  const merge = await commitFields(repoRoot, mergeSha, { at: '%cI', title: '%s' });
  const mergedAt = input.mergedAt ?? merge.at;
  const { title } = merge;
  const prefix = input.registryDir === '.' ? '' : input.registryDir;
  const facts = await collectGateFacts(repoRoot, {
    baseSha: base,
    headSha: head,
    registryPrefix: prefix,
    reviewedCommits: input.reviews.map((r) => r.commitId),
  });
  const mergedMs = Date.parse(mergedAt);
  const verdict = evaluateGate({
    policy: facts.policy,
    changes: facts.changes,
    models: facts.models,
    pullRequest: {
      number: input.number,
      author: '',
      headSha: head,
      baseRef: facts.policy.defaultBranch,
      requestedBy: [...new Set([...facts.requestedBy, ...(input.requestedBy ?? [])])],
      commitAuthors: facts.commitAuthorLogins,
    },
    // The verdict that stood at the merge: a review submitted afterwards changes nothing that merged.
    reviews: input.reviews.filter((r) => Date.parse(r.submittedAt) <= mergedMs),
    memberships: input.memberships,
    permissions: input.permissions,
    registryUnchangedSince: facts.registryUnchangedSince,
    stageHistory: facts.stageHistory,
    versions: facts.versions,
    transientPointers: facts.transientPointers,
    invalidFiles: facts.invalidFiles,
  });
  const commits = (await commitsTouching(repoRoot, [], { ref: `${facts.mergeBase}..${head}` })).map((c) => ({
    sha: c.sha,
    authorDate: c.authorDate,
    trailers: c.trailers,
  }));
  const incidentIds = [
    ...new Set(
      commits.flatMap((c) =>
        Object.entries(c.trailers)
          .filter(([k]) => k.toLowerCase() === 'incident')
          .flatMap(([, v]) => v.map((x) => x.trim())),
      ),
    ),
  ].filter((id) => INCIDENT_ID.test(id));

  const already: string[] = [];
  const written: string[] = [];
  let record: MergedRecord | undefined;
  const result = await commitRegistryChange(repoRoot, {
    registryDir: input.registryDir,
    ...(input.env ? { env: input.env } : {}),
    build: async (reader, stage) => {
      already.length = 0;
      written.length = 0;
      const incidents = await readIncidents(reader, incidentIds.map(incidentPath));
      record = recordMergedPullRequest({
        pull: {
          number: input.number,
          title,
          mergeSha,
          mergedAt,
          mergedBy: input.mergedBy,
          headSha: head,
          ...(input.body !== undefined ? { body: input.body } : {}),
        },
        changes: facts.changes,
        verdict,
        checkName: input.checkName,
        ...(input.checkRun ? { checkRun: input.checkRun } : {}),
        commits,
        incidents,
      });
      const writes = [];
      for (const write of record.writes) {
        // Audit events are never edited: one already on the branch stands, as in the gate action.
        if (write.document.kind === 'AuditEvent' && (await reader.read(write.path)) !== undefined)
          already.push(write.path);
        else writes.push(write);
      }
      written.push(...writes.map((w) => w.path));
      if (writes.length === 0 || input.dryRun) return { value: undefined };
      stage.writeRegistry(writes);
      return {
        value: undefined,
        commit: {
          message: record.message,
          trailers: record.trailers,
          env: { GIT_AUTHOR_DATE: mergedAt, GIT_COMMITTER_DATE: mergedAt },
        },
      };
    },
  });
  return {
    verdict,
    record: record!,
    ...(result.commit ? { commit: result.commit } : {}),
    already,
    written,
  };
}
