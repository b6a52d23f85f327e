// What an auditor must see first: a summary of the period, and the findings, from the gate-integrity audit
// (`audit verify`) and the records themselves — direct pushes (who, what changed, whether a held version went back
// into service), emergency pushes and their incidents, merges that moved a stage without a recorded verdict, and
// postmortems overdue or still a draft. buildFindings is pure; collectFindings reads git for it.
import { git } from '../git/run.ts';
import { POSTMORTEM_DUE_SECONDS } from '../incident/response.ts';
import type { Evidence, EvidenceFinding, EvidenceFindingKind, EvidenceSummary } from './types.ts';
import { parseYaml, readBlobs } from './history.ts';
import { verifyGateIntegrity, type IntegrityFinding, type IntegrityReport } from './integrity.ts';
import type { ReviewSource } from './reviews.ts';

export type { EvidenceFinding, EvidenceFindingKind, EvidenceSummary } from './types.ts';

/** `fraud production: v1 -> v2` → its parts (the integrity audit's change wording). */
export function parsePointerChange(
  change: string,
): { model: string; stage: string; from: string; to: string } | undefined {
  const m = /^(\S+) (\S+): (\S+) -> (\S+)$/.exec(change);
  return m ? { model: m[1]!, stage: m[2]!, from: m[3]!, to: m[4]! } : undefined;
}

export interface FindingsInput {
  evidence: Pick<Evidence, 'commits' | 'pullRequests' | 'stageHistory' | 'incidents' | 'events' | 'headDate'>;
  integrity: Pick<IntegrityReport, 'findings' | 'allowed'>;
  /** `${sha} ${model} ${version}` → the hold reason, for versions held in the commit a pointer moved to them. */
  heldAt: Map<string, string>;
  /** Incident id → its postmortem text at the head. */
  postmortems: Map<string, string>;
}

const TITLES: Partial<Record<EvidenceFindingKind, string>> = {
  'direct-push': 'Direct push to the default branch',
  'emergency-push': 'Emergency push (allowed by policy)',
  'history-rewritten': 'History rewritten',
  'baseline-missing': 'Trusted baseline missing',
  'gate-check-missing': 'Merged without a gate check',
  'gate-check-failed': 'Merged with a failing gate check',
  'gate-check-forged': 'Forged gate check',
  'merged-before-check': 'Merged before the gate check finished',
  'signoffs-missing': 'Merged without the required sign-offs',
  'approvals-missing': 'Merged without the required approvals',
  'gate-blocked': 'A change the gate refuses',
};

/** The findings (violations first, then notices, each oldest first) (pure). */
export function buildFindings(input: FindingsInput): EvidenceFinding[] {
  const { evidence } = input;
  const commits = new Map(evidence.commits.map((c) => [c.sha, c]));
  const inScope = (sha: string) => commits.has(sha);
  const out: EvidenceFinding[] = [];
  const fromIntegrity = (f: IntegrityFinding, severity: EvidenceFinding['severity']): EvidenceFinding => {
    const c = commits.get(f.sha);
    const held = (f.changes ?? []).flatMap((change) => {
      const move = parsePointerChange(change);
      const reason = move && input.heldAt.get(`${f.sha} ${move.model} ${move.to}`);
      return move && reason ? [{ model: move.model, stage: move.stage, version: move.to, reason }] : [];
    });
    const incident = c?.trailers.find((t) => t.key.toLowerCase() === 'incident')?.value;
    const who = c ? `${c.author.name} <${c.author.email}>` : undefined;
    const heldText = held.map(
      (h) => `it put held version ${h.version} back into ${h.model} ${h.stage} (held: ${h.reason})`,
    );
    return {
      kind: f.kind,
      severity,
      title: TITLES[f.kind] ?? f.kind,
      detail: [
        `${f.subject || f.sha.slice(0, 12)}: ${severity === 'notice' ? f.missing : `missing ${f.missing}`}`,
        ...heldText,
      ].join('; '),
      sha: f.sha,
      ...(c ? { at: c.committer.date } : {}),
      ...(f.pullRequest !== undefined ? { pullRequest: f.pullRequest } : {}),
      ...(who ? { who } : {}),
      ...(f.changes?.length ? { changes: f.changes } : {}),
      ...(incident ? { incident } : {}),
      ...(held.length ? { heldIntoService: held } : {}),
    };
  };
  for (const f of input.integrity.findings)
    if (!f.sha || inScope(f.sha) || f.kind === 'history-rewritten' || f.kind === 'baseline-missing')
      out.push(fromIntegrity(f, 'violation'));
  const flagged = new Set(out.map((f) => f.pullRequest).filter((n) => n !== undefined));

  // A merge that moved a stage with neither a gate check nor the gate's merge record: nothing says it was judged.
  const moved = new Map<number, string[]>();
  for (const t of evidence.stageHistory)
    if (t.pullRequest !== undefined)
      moved.set(t.pullRequest, [...(moved.get(t.pullRequest) ?? []), `${t.model} ${t.stage} → ${t.version}`]);
  for (const pr of evidence.pullRequests) {
    if (!moved.has(pr.number) || flagged.has(pr.number)) continue;
    if (pr.gate || (pr.recorded?.length ?? 0) > 0) continue;
    out.push({
      kind: 'merge-without-verdict',
      severity: 'violation',
      title: 'Stage moved by a merge with no recorded verdict',
      detail: `pull request #${pr.number} moved ${moved.get(pr.number)!.join(', ')}, but neither a gate check run nor the gate's merge record is there to say who approved it`,
      pullRequest: pr.number,
      ...(pr.mergeCommit ? { sha: pr.mergeCommit } : {}),
      ...(pr.mergedAt ? { at: pr.mergedAt } : {}),
      ...(pr.mergedBy ? { who: pr.mergedBy } : {}),
    });
  }

  // Segregation of duties: whoever asked for a change must not be the one who approved it.
  for (const pr of evidence.pullRequests) {
    const requesters = new Set(
      evidence.stageHistory
        .filter((t) => t.pullRequest === pr.number && t.requestedBy)
        .map((t) => t.requestedBy!.toLowerCase()),
    );
    const approvers = [
      ...(pr.recorded ?? []).flatMap((r) => r.approvers.map((a) => a.login)),
      ...pr.reviews.filter((r) => r.state === 'APPROVED').map((r) => r.reviewer),
    ];
    const same = [...new Set(approvers.filter((a) => requesters.has(a.toLowerCase())))];
    if (same.length > 0)
      out.push({
        kind: 'requester-approved',
        severity: 'violation',
        title: 'The requester approved their own change',
        detail: `pull request #${pr.number}: ${same.join(', ')} requested the change and approved it`,
        pullRequest: pr.number,
        ...(pr.mergedAt ? { at: pr.mergedAt } : {}),
      });
  }

  for (const f of input.integrity.allowed) if (inScope(f.sha)) out.push(fromIntegrity(f, 'notice'));

  const now = Date.parse(evidence.headDate);
  for (const i of evidence.incidents) {
    if (i.status !== 'resolved' || i.resolvedAt === undefined) continue;
    const due = Date.parse(i.resolvedAt) + POSTMORTEM_DUE_SECONDS * 1000;
    const text = input.postmortems.get(i.id);
    const draft = text !== undefined && text.includes('TODO(author)');
    if (text !== undefined && !draft) continue;
    const overdue = due < now;
    if (!overdue && !draft) continue;
    const dueAt = new Date(due).toISOString().replace(/\.000Z$/, 'Z');
    out.push({
      kind: overdue ? 'postmortem-overdue' : 'postmortem-unfilled',
      severity: overdue ? 'violation' : 'notice',
      title: overdue ? 'Postmortem overdue' : 'Postmortem still a draft',
      detail:
        text === undefined
          ? `${i.id} was resolved ${i.resolvedAt}; no postmortem by ${dueAt}`
          : `${i.id}: the postmortem still has TODO(author) parts (impact, root cause, lessons, actions)${overdue ? `, due ${dueAt}` : ''}`,
      incident: i.id,
      at: dueAt,
    });
  }
  const rank = (f: EvidenceFinding) => (f.severity === 'violation' ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || (a.at ?? '').localeCompare(b.at ?? ''));
}

/** Promotions, rollbacks, incidents and models of the evidence, and its period (pure). */
export function summarize(
  evidence: Evidence,
  findings: EvidenceFinding[],
  auditedSince?: string,
): EvidenceSummary {
  const times = [...evidence.commits.map((c) => c.committer.date), ...evidence.events.map((e) => e.at)]
    .map((t) => Date.parse(t))
    .filter((t) => !Number.isNaN(t));
  const z = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  const models = [
    ...new Set([...evidence.stageHistory.map((t) => t.model), ...evidence.versions.map((v) => v.model)]),
  ].sort();
  const rollbacks = evidence.rollbacks.filter((e) => e.source === 'commit').length;
  return {
    period: {
      ...(times.length ? { from: z(Math.min(...times)) } : {}),
      to: z(Date.parse(evidence.headDate)),
    },
    models,
    promotions: evidence.stageHistory.filter((t) => t.pullRequest !== undefined).length,
    rollbacks,
    incidents: evidence.incidents.length,
    violations: findings.filter((f) => f.severity === 'violation').length,
    notices: findings.filter((f) => f.severity === 'notice').length,
    ...(auditedSince ? { auditedSince } : {}),
  };
}

/** The commit that adopted Tollgate: the first on the first-parent line to add policy.yaml. */
async function adoptionCommit(repoRoot: string, head: string, prefix: string): Promise<string | undefined> {
  // Raw: only the shas are wanted; simple-git's log formats every field of every commit it walks.
  const out = await git(repoRoot, [
    'log',
    '--first-parent',
    '--diff-filter=A',
    '--format=%H',
    '--end-of-options',
    head,
    '--',
    `${prefix}policy.yaml`,
  ]);
  return out.split('\n').filter(Boolean).at(-1);
}

/**
 * Runs the gate-integrity audit from the adoption commit (or `since`) to the evidence head, reads what the
 * findings need (held versions at each pushed commit, postmortems at the head), and returns findings and summary.
 */
export async function collectFindings(
  repoRoot: string,
  evidence: Evidence,
  options: { registryPrefix: string; reviews?: ReviewSource; since?: string },
): Promise<{ findings: EvidenceFinding[]; summary: EvidenceSummary }> {
  const p = options.registryPrefix;
  const since = options.since ?? (await adoptionCommit(repoRoot, evidence.head, p));
  const integrity = await verifyGateIntegrity(repoRoot, {
    ref: evidence.head,
    registryPrefix: p,
    ...(since ? { since } : {}),
    ...(options.reviews ? { reviews: options.reviews } : {}),
  });
  const specs: { key: string; spec: string }[] = [];
  for (const f of [...integrity.findings, ...integrity.allowed])
    for (const change of f.changes ?? []) {
      const move = parsePointerChange(change);
      if (move)
        specs.push({
          key: `${f.sha} ${move.model} ${move.to}`,
          spec: `${f.sha}:${p}models/${move.model}/versions/${move.to}.yaml`,
        });
    }
  const pm = evidence.incidents.map((i) => ({
    id: i.id,
    spec: `${evidence.head}:${p}incidents/${i.id}.postmortem.md`,
  }));
  const blobs = await readBlobs(repoRoot, [...specs.map((s) => s.spec), ...pm.map((x) => x.spec)]);
  const heldAt = new Map<string, string>();
  for (const s of specs) {
    const held = (parseYaml(blobs.get(s.spec)) as { held?: { reason?: unknown } } | undefined)?.held;
    if (held) heldAt.set(s.key, String(held.reason ?? 'held'));
  }
  const postmortems = new Map<string, string>();
  for (const x of pm) {
    const text = blobs.get(x.spec);
    if (text !== undefined) postmortems.set(x.id, text);
  }
  const findings = buildFindings({ evidence, integrity, heldAt, postmortems });
  return { findings, summary: summarize(evidence, findings, since) };
}
