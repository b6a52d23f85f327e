// The control in the bundle: for every stage move, the rules it was judged by, as git held them when it landed —
// the policy, CODEOWNERS and the model's owners, read at the landing commit's first parent (the base the gate reads;
// a change cannot loosen the rules that judge it) — with each distinct file kept once by its SHA-256, the roles
// and who filled them (merge records, and GitHub's team answers when a token is given), and the description the
// reviewers saw. Pure apart from the blob reader it is handed.
import { createHash } from 'node:crypto';
import { POLICY_PATH } from '../registry/paths.ts';
import type { AuditEvent } from '../registry/types.ts';
import type { StageTenure } from './history-at.ts';
import { parseYaml, type TrailCommit } from './history.ts';
import type {
  ControlDocument,
  ControlsEvidence,
  PromotionControl,
  PullRequestBody,
  PullRequestEvidence,
} from './types.ts';

/** Where GitHub looks for CODEOWNERS, in the order it looks (the first found is the one in force). */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];

export const sha256Text = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The bundle file that holds a control document's text. */
export function controlFile(kind: ControlDocument['kind'], sha256: string): string {
  return `controls/${kind}/${sha256}${kind === 'codeowners' ? '' : kind === 'pr-body' ? '.md' : '.yaml'}`;
}

/** The commit whose tree holds the rules a landing commit was judged by: its first parent (itself for a root). */
export function rulesCommit(sha: string, commits: Map<string, Pick<TrailCommit, 'parents'>>): string {
  const parents = commits.get(sha)?.parents;
  if (parents) return parents[0] ?? sha;
  return `${sha}^1`;
}

type Members = { role: string; users: string[]; teams: string[] };

/** The roles a policy names and the owners a model.yaml names, as lists of names (a malformed file gives none). */
export function rolesIn(policyText: string | undefined, modelText: string | undefined): Members[] {
  const names = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const of = (role: string, v: unknown): Members[] =>
    v && typeof v === 'object'
      ? [
          {
            role,
            users: names((v as { users?: unknown }).users),
            teams: names((v as { teams?: unknown }).teams),
          },
        ]
      : [];
  const policy = parseYaml(policyText) as { roles?: unknown } | undefined;
  const roles = policy && typeof policy === 'object' && policy.roles && typeof policy.roles === 'object';
  const model = parseYaml(modelText) as { owners?: unknown } | undefined;
  return [
    ...(roles ? Object.entries(policy.roles as object).flatMap(([role, v]) => of(role, v)) : []),
    ...(model && typeof model === 'object' ? of('model-owner', model.owners) : []),
  ];
}

/**
 * The description the reviewers saw: the merge record's copy (what stood at the merge), checked against its digest
 * and against GitHub's text when a token gave one; else GitHub's text as it reads now; else nothing.
 */
export function pullRequestBody(
  records: AuditEvent[],
  github: string | undefined,
): { body?: PullRequestBody; warnings: string[] } {
  const warnings: string[] = [];
  for (const record of records) {
    const details = record.details ?? {};
    const text = typeof details.body === 'string' ? details.body : undefined;
    if (text === undefined) continue;
    const digest = sha256Text(text);
    const stated = typeof details.body_sha256 === 'string' ? details.body_sha256 : undefined;
    const notes: string[] = [];
    if (stated !== undefined && stated !== digest) {
      notes.push(`the record states sha256 ${stated}, its text hashes to ${digest}: the record was edited`);
      warnings.push(`merge record ${record.id}: the pull request body does not match its recorded digest`);
    }
    if (github !== undefined && sha256Text(github) !== digest)
      notes.push('the description on GitHub differs now: it was edited after the merge');
    return {
      body: {
        sha256: digest,
        source: 'merge record',
        record: record.id,
        text,
        file: controlFile('pr-body', digest),
        ...(notes.length ? { note: notes.join('; ') } : {}),
      },
      warnings,
    };
  }
  if (github === undefined) return { warnings };
  const digest = sha256Text(github);
  return {
    body: {
      sha256: digest,
      source: 'github',
      text: github,
      file: controlFile('pr-body', digest),
      note: 'as GitHub shows it at export time: no merge record kept the text that stood at the merge',
    },
    warnings,
  };
}

export interface ControlsInput {
  tenures: StageTenure[];
  commits: TrailCommit[];
  /** Repository-relative registry folder with a trailing slash. */
  prefix: string;
  pullRequests: PullRequestEvidence[];
  /** Blob texts by `rev:path` spec, asked for in one batch. */
  read: (specs: string[]) => Promise<Map<string, string | undefined>>;
}

/** The rules in force for every stage move, each distinct file once (by SHA-256), in the order first used. */
export async function collectControls(input: ControlsInput): Promise<ControlsEvidence> {
  const { prefix: p } = input;
  const byShaCommit = new Map(input.commits.map((c) => [c.sha, c]));
  const policyPath = `${p}${POLICY_PATH}`;
  const moves = input.tenures.map((t) => {
    const at = rulesCommit(t.sha, byShaCommit);
    const commit = byShaCommit.get(t.sha);
    return {
      t,
      at,
      policy: `${at}:${policyPath}`,
      model: `${at}:${p}models/${t.model}/model.yaml`,
      codeowners: CODEOWNERS_PATHS.map((path) => ({ path, spec: `${at}:${path}` })),
      // A commit that changed the policy itself: the policy after it is kept too, so both are in the bundle.
      after: commit?.files.some((f) => f.path === policyPath) ? `${t.sha}:${policyPath}` : undefined,
    };
  });
  const blobs = await input.read(
    moves.flatMap((m) => [
      m.policy,
      m.model,
      ...m.codeowners.map((c) => c.spec),
      ...(m.after ? [m.after] : []),
    ]),
  );
  const documents = new Map<string, ControlDocument>();
  const keep = (kind: ControlDocument['kind'], path: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const sha256 = sha256Text(text);
    const key = `${kind}\0${sha256}`;
    if (!documents.has(key))
      documents.set(key, { kind, path, sha256, file: controlFile(kind, sha256), text });
    return sha256;
  };
  const prs = new Map(input.pullRequests.map((pr) => [pr.number, pr]));
  const previous = new Map<string, string>();
  const promotions: PromotionControl[] = [];
  for (const m of moves) {
    const { t } = m;
    const key = `${t.model}\0${t.stage}`;
    const from = previous.get(key);
    previous.set(key, t.version);
    const policyText = blobs.get(m.policy);
    const modelText = blobs.get(m.model);
    const policy = keep('policy', policyPath, policyText);
    const after = m.after ? keep('policy', policyPath, blobs.get(m.after)) : undefined;
    const model = keep('model', `${p}models/${t.model}/model.yaml`, modelText);
    const owners = m.codeowners.find((c) => blobs.get(c.spec) !== undefined);
    const codeowners = owners ? keep('codeowners', owners.path, blobs.get(owners.spec)) : undefined;
    const roles = rolesIn(policyText, modelText);
    const pr = t.pullRequest === undefined ? undefined : prs.get(t.pullRequest);
    promotions.push({
      model: t.model,
      stage: t.stage,
      version: t.version,
      ...(from !== undefined ? { from } : {}),
      ...(t.pullRequest !== undefined ? { pullRequest: t.pullRequest } : {}),
      commit: t.sha,
      at: t.since,
      rulesReadAt: m.at,
      ...(policy ? { policy } : {}),
      ...(after && after !== policy ? { policyAfter: after } : {}),
      ...(codeowners && owners ? { codeowners: { path: owners.path, sha256: codeowners } } : {}),
      ...(model ? { modelFile: model } : {}),
      roles,
      memberships: pr ? membershipsOf(pr, t, roles) : [],
      ...(pr?.body ? { body: pr.body.sha256 } : {}),
    });
  }
  for (const pr of input.pullRequests)
    if (pr.body) keep('pr-body', `pull request #${pr.number}`, pr.body.text);
  return { documents: [...documents.values()], promotions };
}

/**
 * Who filled which role on this move, and the team memberships that made it so: from the merge record of the move
 * (what the gate counted at the merge), and from GitHub's answers for the reviewers (as GitHub answers at export).
 */
export function membershipsOf(
  pr: PullRequestEvidence,
  t: Pick<StageTenure, 'model' | 'stage'>,
  roles: Members[],
): PromotionControl['memberships'] {
  const out: PromotionControl['memberships'] = [];
  const record = pr.recorded?.find(
    (r) => (r.model ?? t.model) === t.model && (r.stage ?? t.stage) === t.stage,
  );
  for (const a of record?.approvers ?? []) {
    const base = a.role.replace(/ \(.*\)$/, '');
    const slot = roles.find((r) => r.role === base);
    const byName = slot?.users.some((u) => u.toLowerCase() === a.login.toLowerCase());
    out.push({
      login: a.login,
      role: a.role,
      via: byName ? 'listed by name' : slot?.teams.length ? `a team of ${slot.teams.join(', ')}` : 'unknown',
      source: `merge record ${record!.record}`,
    });
  }
  const seen = new Set<string>();
  for (const r of pr.reviews)
    for (const m of r.teams ?? []) {
      const key = `${r.reviewer.toLowerCase()}\0${m.team.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ login: r.reviewer, team: m.team, state: m.state, source: 'GitHub at export time' });
    }
  return out;
}
