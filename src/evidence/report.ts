// Human-readable renderings of an evidence object: Markdown, and a self-contained HTML page (inline CSS, no
// scripts, no external assets) an auditor can open offline or print. Every piece of repository text is escaped.
import { renderDriftSections } from '../monitor/drift-report.ts';
import type { Evidence, PullRequestEvidence, ReviewEvidence, VersionEvidence } from './types.ts';
import type { RegistryEvent } from './history.ts';

export interface TimelineRow {
  at: string;
  event: string;
  what: string;
  by: string;
  commit: string;
  pullRequest?: number;
  summary: string;
}

/** The events as rows a person reads: what happened, to what, by whom, through which commit and pull request. */
export function timelineRows(evidence: Evidence): TimelineRow[] {
  const commits = new Map(evidence.commits.map((c) => [c.sha, c]));
  return evidence.events.map((e: RegistryEvent) => {
    const what = [
      e.model && `model ${e.model}`,
      e.version && `version ${e.version}`,
      e.stage && `stage ${e.stage}`,
      e.incident && `incident ${e.incident}`,
      e.request && `request ${e.request}`,
    ]
      .filter(Boolean)
      .join(', ');
    const c = commits.get(e.sha);
    return {
      at: e.at,
      event: e.event,
      what,
      by: e.requestedBy ?? e.actor ?? c?.author.name ?? '',
      commit: e.sha ? e.sha.slice(0, 12) : '',
      ...(e.pullRequest === undefined ? {} : { pullRequest: e.pullRequest }),
      summary: e.summary ?? '',
    };
  });
}

/** A reviewer's roles, and those that could not be known (team membership unreadable). */
export function rolesCell(r: Pick<ReviewEvidence, 'roles' | 'rolesUnknown'>): string {
  const unknown = (r.rolesUnknown ?? []).map((role) => `${role}: unknown`);
  return [...r.roles, ...unknown].join(', ');
}

/** The summary as label → value pairs, shared by the Markdown and HTML reports. */
export function summaryPairs(evidence: Evidence): [string, string][] {
  const s = evidence.summary;
  if (!s) return [];
  return [
    ['Period', `${s.period.from ?? '(no history)'} to ${s.period.to}`],
    ['Models', s.models.join(', ') || 'none'],
    ['Promotions', String(s.promotions)],
    ['Rollbacks', String(s.rollbacks)],
    ['Incidents', String(s.incidents)],
    [
      'Findings',
      `${s.violations} violation${s.violations === 1 ? '' : 's'}, ${s.notices} notice${s.notices === 1 ? '' : 's'}`,
    ],
    ...(s.auditedSince
      ? ([['Audited since', `adoption commit ${s.auditedSince.slice(0, 12)}`]] as [string, string][])
      : []),
  ];
}

export interface PromotionRow {
  model: string;
  stage: string;
  move: string;
  pullRequest: string;
  requester: string;
  /** One entry per approval: `login (role) on <commit> at <time>`. */
  approvers: string[];
  verdict: string;
  checkRun: string;
  /** The requester is also an approver. */
  selfApproved: boolean;
  /** Where the approvals come from: the merge record, GitHub's reviews, both, or neither. */
  source: string;
  /** Approvals the merge record counts that GitHub's reviews do not show (only when both were read). */
  disagreements: string[];
}

/**
 * Segregation of duties, one row per stage move a pull request made: who asked, who approved in which role on which
 * commit and when, and what the gate said — from the gate's merge record, else the reviews GitHub gave.
 */
export function promotionRows(evidence: Evidence): PromotionRow[] {
  const prs = new Map(evidence.pullRequests.map((p) => [p.number, p]));
  const previous = new Map<string, string>();
  const rows: PromotionRow[] = [];
  for (const t of evidence.stageHistory) {
    const key = `${t.model} ${t.stage}`;
    const from = previous.get(key);
    previous.set(key, t.version);
    if (t.pullRequest === undefined) continue;
    const pr = prs.get(t.pullRequest);
    const record = pr?.recorded?.find(
      (r) => (r.stage ?? t.stage) === t.stage && (r.model ?? t.model) === t.model,
    );
    const requesters = [
      ...new Set([...(record?.requestedBy ?? []), ...(t.requestedBy ? [t.requestedBy] : [])]),
    ];
    const short = (sha?: string) => (sha ? sha.slice(0, 12) : '?');
    const approvers = record
      ? record.approvers.map((a) => `${a.login} (${a.role}) on ${short(a.commit)} at ${a.at ?? '?'}`)
      : pr?.reviewsKnown
        ? pr.reviews
            .filter((r) => r.state === 'APPROVED')
            .map((r) => `${r.reviewer} (${rolesCell(r) || 'no role'}) on ${short(r.commit)} at ${r.at}`)
        : [];
    const logins = record
      ? record.approvers.map((a) => a.login.toLowerCase())
      : (pr?.reviews ?? []).filter((r) => r.state === 'APPROVED').map((r) => r.reviewer.toLowerCase());
    // Both sources read: the record's approvals must show on GitHub as approvals given by the merge.
    const merged = pr?.mergedAt ? Date.parse(pr.mergedAt) : Infinity;
    const onGitHub = new Set(
      (pr?.reviews ?? [])
        .filter((r) => r.state === 'APPROVED' && !(Date.parse(r.at) > merged))
        .map((r) => r.reviewer.toLowerCase()),
    );
    const disagreements =
      record && pr?.reviewsKnown
        ? record.approvers
            .filter((a) => !onGitHub.has(a.login.toLowerCase()))
            .map((a) => `${a.login} (${a.role}): the merge record counts an approval GitHub does not show`)
        : [];
    const source = record
      ? pr?.reviewsKnown
        ? `merge record ${record.record}, checked against GitHub's reviews${disagreements.length ? ': they disagree' : ': they agree'}`
        : `merge record ${record.record} (git)`
      : pr?.reviewsKnown
        ? "GitHub's reviews (no merge record)"
        : 'none (no merge record, git only)';
    const verdict = record?.gateVerdict ?? (pr?.gate ? (pr.gate.conclusion ?? 'not finished') : 'unknown');
    const run = record?.checkRun;
    rows.push({
      model: t.model,
      stage: t.stage,
      move: `${from ?? '(none)'} → ${t.version}`,
      pullRequest: `#${t.pullRequest}`,
      requester: requesters.join(', ') || 'unknown',
      approvers: approvers.length
        ? approvers
        : [record || pr?.reviewsKnown ? 'nobody' : 'unknown (no merge record, git only)'],
      verdict,
      checkRun:
        run?.id !== undefined
          ? `run ${run.id}: ${record?.gateCheck ?? 'none'}${run.completedAt ? ` at ${run.completedAt}` : ''}`
          : pr?.gate
            ? `${pr.gate.conclusion ?? 'not finished'}${pr.gate.completedAt ? ` at ${pr.gate.completedAt}` : ''}`
            : record
              ? 'none found at the merge'
              : 'unknown',
      selfApproved: requesters.some((r) => logins.includes(r.toLowerCase())),
      source,
      disagreements,
    });
  }
  return rows;
}

/** One row per stage move: the rules it was judged by (by digest), who filled the roles and how, and the body. */
export interface ControlRow {
  model: string;
  stage: string;
  move: string;
  pullRequest: string;
  /** `sha256 3f1c…` of the policy read at the landing commit's parent, and a later one when the move changed it. */
  policy: string;
  codeowners: string;
  roles: string;
  filledBy: string[];
  body: string;
}

const short = (sha: string): string => sha.slice(0, 12);

export function controlRows(evidence: Evidence): ControlRow[] {
  const prs = new Map(evidence.pullRequests.map((p) => [p.number, p]));
  return (evidence.controls?.promotions ?? []).map((c) => {
    const pr = c.pullRequest === undefined ? undefined : prs.get(c.pullRequest);
    const members = (r: { users: string[]; teams: string[] }) =>
      [...r.users.map((u) => `@${u}`), ...r.teams.map((t) => `team ${t}`)].join(', ') || 'nobody';
    return {
      model: c.model,
      stage: c.stage,
      move: `${c.from ?? '(none)'} → ${c.version}`,
      pullRequest: c.pullRequest === undefined ? '(direct)' : `#${c.pullRequest}`,
      policy: `${c.policy ? `sha256 ${short(c.policy)}` : 'no policy.yaml'} at ${short(c.rulesReadAt)}${c.policyAfter ? `; this change wrote sha256 ${short(c.policyAfter)}` : ''}`,
      codeowners: c.codeowners ? `${c.codeowners.path} sha256 ${short(c.codeowners.sha256)}` : 'none',
      roles: c.roles.map((r) => `${r.role}: ${members(r)}`).join('; ') || 'none',
      filledBy: c.memberships.length
        ? c.memberships.map((m) =>
            m.team
              ? `${m.login} in ${m.team}: ${m.state ?? 'unknown'} (${m.source})`
              : `${m.login} as ${m.role ?? '?'}, ${m.via ?? 'how unknown'} (${m.source})`,
          )
        : [c.pullRequest === undefined ? 'no review (not a pull request)' : 'not recorded'],
      body: pr?.body
        ? `sha256 ${short(pr.body.sha256)} (${pr.body.source === 'github' ? 'GitHub, at export' : `merge record`})${pr.body.note ? `: ${pr.body.note}` : ''}`
        : c.pullRequest === undefined
          ? ''
          : 'not recorded',
    };
  });
}

const CONTROL_HEAD = [
  'model',
  'stage',
  'from → to',
  'PR',
  'policy in force',
  'CODEOWNERS',
  'roles (policy, model owners)',
  'who filled them',
  'description reviewed',
];

/** Each distinct rule file: kind, digest, bundle file, and the moves it governed. */
export function controlDocumentLines(evidence: Evidence): string[] {
  const controls = evidence.controls;
  if (!controls) return [];
  return controls.documents
    .filter((d) => d.kind !== 'pr-body')
    .map((d) => {
      const governed = controls.promotions
        .filter((c) =>
          d.kind === 'policy'
            ? c.policy === d.sha256
            : d.kind === 'codeowners'
              ? c.codeowners?.sha256 === d.sha256
              : c.modelFile === d.sha256,
        )
        .map(
          (c) =>
            `${c.model} ${c.stage} ${c.version}${c.pullRequest === undefined ? '' : ` (#${c.pullRequest})`}`,
        );
      const written = controls.promotions.filter((c) => d.kind === 'policy' && c.policyAfter === d.sha256);
      return `${d.kind} ${d.path} sha256 ${d.sha256}: ${d.file}; governed ${governed.join(', ') || 'no move'}${written.length ? `; written by ${written.map((c) => short(c.commit)).join(', ')}` : ''}`;
    });
}

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
function fenced(text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}text`, text.replace(/\n$/, ''), fence];
}

function bodyLine(pr: PullRequestEvidence): string {
  const b = pr.body!;
  return `Description the reviewers saw (${b.source === 'github' ? 'from GitHub' : `merge record ${b.record}`}, sha256 ${b.sha256}, ${b.file})${b.note ? `: ${b.note}` : ''}.`;
}

/** Whether a timeline event belongs to adopting Tollgate (the adoption commit, or an `init`): shown folded away. */
function isAdoption(evidence: Evidence, e: { sha: string; event: string }): boolean {
  return (
    (evidence.summary?.auditedSince !== undefined && e.sha === evidence.summary.auditedSince) ||
    e.event === 'init'
  );
}

/** A version's data lineage in one sentence. */
export function lineageLine(v: Pick<VersionEvidence, 'lineage'>): string {
  const l = v.lineage;
  if (!l) return 'Data lineage: not read.';
  const ref = (d?: { uri: string; sha256?: string }) =>
    d ? `${d.uri}${d.sha256 ? ` (sha256 ${d.sha256})` : ' (no sha256)'}` : 'not recorded';
  return `Training data: ${ref(l.data)}; evaluation data: ${ref(l.evaluation)}; parent: ${l.parent ?? 'none'}.`;
}

/** One line that says what the evidence holds: for a job summary, a CLI answer, the top of a report. */
export function reportHeadline(evidence: Evidence): string {
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  const prs = evidence.pullRequests;
  const reviewed = prs.filter((pr) => pr.reviewsKnown);
  const gated = reviewed.filter((pr) => pr.gate?.conclusion === 'success');
  const reviews =
    prs.length === 0
      ? ''
      : reviewed.length === 0
        ? ' (reviews unknown: git only)'
        : ` (${reviewed.length} with reviews from GitHub, ${gated.length} with a passing gate check)`;
  return (
    `Evidence for ${evidence.title}: ${n(evidence.commits.length, 'commit')}, ` +
    `${n(prs.length, 'pull request')}${reviews}, ${n(evidence.stageHistory.length, 'stage tenure')}, ` +
    `${n(evidence.incidents.length, 'incident')}, ${n(evidence.rollbacks.length, 'rollback')}; ` +
    `read from ${evidence.ref} at ${evidence.head.slice(0, 12)}.`
  );
}

/** The gate's merge records of a pull request, one sentence each (empty when it has none). */
export function recordedLines(pr: Pick<PullRequestEvidence, 'recorded'>): string[] {
  return (pr.recorded ?? []).map((r) => {
    const approvers = r.approvers.map((a) => `${a.login} (${a.role})`).join(', ') || 'nobody';
    const missing = r.missingRoles.length ? `; roles missing: ${r.missingRoles.join(', ')}` : '';
    return `Recorded at the merge (${r.event} ${r.record}): approved by ${approvers}${missing}; gate check ${r.gateCheck ?? 'none'}.`;
  });
}

const md = (text: string): string => text.replace(/[\\`*_[\]|<>]/g, (ch) => `\\${ch}`).replace(/\n/g, ' ');

function mdTable(head: string[], rows: string[][]): string[] {
  if (rows.length === 0) return ['_none_', ''];
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(md).join(' | ')} |`),
    '',
  ];
}

export function renderReportMarkdown(evidence: Evidence): string {
  const lines = [
    `# Evidence: ${md(evidence.title)}`,
    '',
    `Read from \`${evidence.ref}\` at commit \`${evidence.head}\` (${evidence.headDate}).`,
    '',
    md(reportHeadline(evidence)),
    '',
  ];
  const pairs = summaryPairs(evidence);
  if (pairs.length) lines.push('## Summary', '', ...pairs.map(([k, v]) => `- **${k}:** ${md(v)}`), '');
  if (evidence.findings) {
    lines.push('## Findings', '');
    if (evidence.findings.length === 0)
      lines.push('None: no direct push, no merge without a verdict, no overdue postmortem.', '');
    for (const f of evidence.findings)
      lines.push(
        `- ${f.severity === 'violation' ? '**VIOLATION**' : 'notice'} — **${md(f.title)}**${f.at ? ` (${f.at})` : ''}${f.who ? ` by ${md(f.who)}` : ''}: ${md(f.detail)}${f.changes?.length ? ` Changed: ${md(f.changes.join('; '))}.` : ''}${f.incident ? ` Incident: ${md(f.incident)}.` : ''}`,
      );
    if (evidence.findings.length) lines.push('');
  }
  const promotions = promotionRows(evidence);
  lines.push(
    '## Promotions: who requested, who approved',
    '',
    ...mdTable(
      [
        'model',
        'stage',
        'from → to',
        'PR',
        'requested by',
        'approved by (role, commit, time)',
        'gate verdict',
        'check run',
      ],
      promotions.map((r) => [
        r.model,
        r.stage,
        r.move,
        r.pullRequest,
        r.selfApproved ? `${r.requester} (ALSO APPROVED)` : r.requester,
        [...r.approvers, ...r.disagreements.map((d) => `DISAGREES: ${d}`), `source: ${r.source}`].join('; '),
        r.verdict,
        r.checkRun,
      ]),
    ),
  );
  if (evidence.controls) {
    lines.push(
      '## Controls in force',
      '',
      "The rules each stage move was judged by, read at its landing commit's first parent; each file is in the bundle once, by SHA-256.",
      '',
      ...mdTable(
        CONTROL_HEAD,
        controlRows(evidence).map((r) => [
          r.model,
          r.stage,
          r.move,
          r.pullRequest,
          r.policy,
          r.codeowners,
          r.roles,
          r.filledBy.join('; '),
          r.body,
        ]),
      ),
    );
    const docs = controlDocumentLines(evidence);
    lines.push('### Rule files', '', ...(docs.length ? docs.map((d) => `- ${md(d)}`) : ['_none_']), '');
  }
  if (evidence.warnings.length)
    lines.push('## Warnings', '', ...evidence.warnings.map((w) => `- ${md(w)}`), '');
  const timeline = timelineRows(evidence);
  const adoption = evidence.events.filter((e) => isAdoption(evidence, e)).length;
  lines.push(
    '## Timeline',
    '',
    ...(adoption
      ? [
          `${adoption} event${adoption === 1 ? '' : 's'} from adopting Tollgate are left out here; they are in events.json.`,
          '',
        ]
      : []),
    ...mdTable(
      ['time', 'event', 'what', 'by', 'commit', 'PR', 'summary'],
      timeline
        .filter((_, i) => !isAdoption(evidence, evidence.events[i]!))
        .map((r) => [
          r.at,
          r.event,
          r.what,
          r.by,
          r.commit,
          r.pullRequest === undefined ? '' : `#${r.pullRequest}`,
          r.summary,
        ]),
    ),
    '## Stage history',
    '',
    ...mdTable(
      ['model', 'stage', 'version', 'since', 'until', 'commit', 'PR', 'requested by'],
      stageHistoryRows(evidence),
    ),
    '## Pull requests and approvals',
    '',
  );
  if (evidence.pullRequests.length === 0) lines.push('_none_', '');
  for (const pr of evidence.pullRequests) {
    lines.push(`### #${pr.number} ${md(pr.title ?? '(not found)')}`, '');
    if (!pr.found) {
      lines.push('Not found by the review source.', '');
      continue;
    }
    lines.push(
      `Merged ${pr.mergedAt ?? '(not merged)'} by ${md(pr.mergedBy ?? 'unknown')}${pr.mergeCommit ? ` in \`${pr.mergeCommit.slice(0, 12)}\`` : ''}; author ${md(pr.author ?? 'unknown')}.`,
      '',
      pr.gate
        ? `Gate check: ${pr.gate.conclusion ?? 'not finished'} on \`${pr.gate.headSha.slice(0, 12)}\`, completed ${pr.gate.completedAt ?? 'never'}.`
        : pr.reviewsKnown
          ? 'Gate check: **none recorded**.'
          : 'Gate check: unknown (git alone does not record it).',
      '',
    );
    for (const line of recordedLines(pr)) lines.push(md(line), '');
    if (pr.body) lines.push(md(bodyLine(pr)), '', ...fenced(pr.body.text), '');
    else
      lines.push(
        'Description the reviewers saw: not recorded (no merge record kept it; GitHub not read).',
        '',
      );
    if (pr.reviewsKnown)
      lines.push(
        ...mdTable(
          ['reviewer', 'roles', 'state', 'commit', 'time'],
          pr.reviews.map((r) => [r.reviewer, rolesCell(r), r.state, r.commit.slice(0, 12), r.at]),
        ),
      );
    else lines.push('Reviews: unknown (git alone does not record them).', '');
  }
  lines.push('## Versions', '');
  if (evidence.versions.length === 0) lines.push('_none_', '');
  for (const v of evidence.versions) {
    lines.push(
      `### ${md(v.model)} ${md(v.version)}`,
      '',
      `Created ${v.createdAt ?? 'unknown'}; run ${webUrl(v.run?.url) ? `<${v.run?.url}>` : md(v.run?.url ?? 'unknown')}; validation ${v.validation ? (v.validation.passed ? 'passed' : '**failed**') : 'not recorded'}.`,
      '',
      md(lineageLine(v)),
      '',
      ...(v.lineage?.warnings ?? []).map((w) => `- ⚠️ ${md(w)}`),
      ...(v.lineage?.warnings.length ? [''] : []),
      ...mdTable(
        ['metric', 'op', 'threshold', 'value', 'pass'],
        (v.validation?.gates ?? []).map((g) => [
          g.metric,
          g.op,
          String(g.threshold),
          String(g.value),
          g.pass ? 'yes' : 'NO',
        ]),
      ),
    );
    if (!v.drift && !v.fairness) lines.push('Drift and fairness: none recorded.', '');
    if (v.drift)
      lines.push(
        'Drift:',
        '',
        ...mdTable(
          ['metric', 'value'],
          Object.entries(v.drift).map(([k, x]) => [k, String(x)]),
        ),
      );
    if (v.fairness)
      lines.push(
        'Fairness:',
        '',
        ...mdTable(
          ['metric', 'value'],
          Object.entries(v.fairness).map(([k, x]) => [k, String(x)]),
        ),
      );
  }
  lines.push(renderDriftSections(evidence.driftReports ?? { drift: [], fairness: [] }));
  lines.push(
    '## Incidents and rollbacks',
    '',
    ...mdTable(
      ['incident', 'severity', 'status', 'detected', 'resolved', 'rollback'],
      evidence.incidents.map((i) => [
        i.id,
        i.severity ?? '',
        i.status ?? '',
        i.detectedAt ?? '',
        i.resolvedAt ?? '',
        i.rollback ? `${i.rollback.model} ${i.rollback.stage}: ${i.rollback.from} -> ${i.rollback.to}` : '',
      ]),
    ),
    ...mdTable(
      ['time', 'event', 'model', 'stage', 'version', 'incident', 'commit'],
      evidence.rollbacks.map((e) => [
        e.at,
        e.event,
        e.model ?? '',
        e.stage ?? '',
        e.version ?? '',
        e.incident ?? '',
        e.sha.slice(0, 12),
      ]),
    ),
    '## Commits',
    '',
    ...mdTable(
      ['commit', 'author', 'committer', 'signature', 'subject'],
      evidence.commits.map((c) => [
        c.sha.slice(0, 12),
        `${c.author.name} <${c.author.email}> ${c.author.date}`,
        `${c.committer.name} ${c.committer.date}`,
        c.signature.status,
        c.subject,
      ]),
    ),
  );
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** An http(s) address with nothing a link could be abused with; anything else is shown as text, never linked. */
function webUrl(url: string | undefined): url is string {
  return url !== undefined && /^https?:\/\/[^\s<>"'`\\]+$/.test(url);
}

/** The workflow run as a link the auditor can follow (a link, not an asset: the page still loads nothing). */
function runLink(url: string | undefined): string {
  if (!webUrl(url)) return escapeHtml(url ?? 'unknown');
  return `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

function table(head: string[], rows: string[][], className = ''): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  return [
    `<table${className ? ` class="${className}"` : ''}><thead><tr>`,
    ...head.map((h) => `<th>${escapeHtml(h)}</th>`),
    '</tr></thead><tbody>',
    ...rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`),
    '</tbody></table>',
  ].join('');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td{word-break:break-word}.meta{color:#57606a}.none{color:#57606a;font-style:italic}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem 1rem}
ol.timeline{list-style:none;padding-left:0;border-left:3px solid #0969da;margin-left:.5rem}
ol.timeline li{position:relative;padding:.2rem 0 .6rem 1rem}ol.timeline li::before{content:"";position:absolute;left:-.45rem;top:.55rem;width:.6rem;height:.6rem;border-radius:50%;background:#0969da}
.when{font-family:ui-monospace,monospace;color:#57606a}.event{font-weight:600}code{font-family:ui-monospace,monospace}
dl.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.5rem;margin:1rem 0}
dl.summary div{border:1px solid #d0d7de;border-radius:6px;padding:.3rem .6rem}dt{color:#57606a;font-size:.8rem}dd{margin:0;font-weight:600;overflow-wrap:anywhere}
ul.findings{list-style:none;padding:0}ul.findings li{border-left:4px solid #57606a;padding:.3rem .7rem;margin:.4rem 0;background:#f6f8fa;overflow-wrap:anywhere}
ul.findings li.violation{border-color:#cf222e;background:#ffebe9}.badge{font-size:.75rem;text-transform:uppercase;font-weight:700}
.ok{color:#1a7f37}tr.self td{background:#ffebe9}table.sod td{font-size:.9rem}td,dd,li,p,summary{overflow-wrap:anywhere}
@media (max-width:48rem){body{margin:1rem auto}table,thead,tbody,tr,th,td{display:block;width:auto}thead{display:none}tr{border:1px solid #d0d7de;margin:.4rem 0}td{border:0;border-bottom:1px solid #eaeef2}}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.5rem;border:1px solid #d0d7de}
@media print{body{margin:0}h2{break-after:avoid}}
`;

export function renderReportHtml(evidence: Evidence): string {
  const e = escapeHtml;
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Evidence: ${e(evidence.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>Evidence: ${e(evidence.title)}</h1>`,
    `<p class="meta">Read from <code>${e(evidence.ref)}</code> at commit <code>${e(evidence.head)}</code> (${e(evidence.headDate)}).</p>`,
  ];
  const pairs = summaryPairs(evidence);
  if (pairs.length)
    parts.push(
      `<h2 id="summary">Summary</h2><dl class="summary">${pairs.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join('')}</dl>`,
    );
  if (evidence.findings) {
    parts.push('<h2 id="findings">Findings</h2>');
    if (evidence.findings.length === 0)
      parts.push(
        '<p class="ok">None: no direct push, no merge without a verdict, no overdue postmortem.</p>',
      );
    else
      parts.push(
        `<ul class="findings">${evidence.findings
          .map(
            (f) =>
              `<li class="${f.severity}"><span class="badge">${f.severity === 'violation' ? 'violation' : 'notice'}</span> <strong>${e(f.title)}</strong>${f.at ? ` <span class="when">${e(f.at)}</span>` : ''}${f.who ? ` by ${e(f.who)}` : ''}<br>${e(f.detail)}${f.changes?.length ? `<br>Changed: ${e(f.changes.join('; '))}` : ''}${f.incident ? `<br>Incident: ${e(f.incident)}` : ''}</li>`,
          )
          .join('')}</ul>`,
      );
  }
  const promotions = promotionRows(evidence);
  parts.push(
    '<h2 id="promotions">Promotions: who requested, who approved</h2>',
    promotions.length === 0
      ? '<p class="none">none</p>'
      : `<table class="sod"><thead><tr>${['model', 'stage', 'from → to', 'PR', 'requested by', 'approved by (role, commit, time)', 'gate verdict', 'check run'].map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${promotions
          .map(
            (r) =>
              `<tr${r.selfApproved ? ' class="self"' : ''}><td>${e(r.model)}</td><td>${e(r.stage)}</td><td>${e(r.move)}</td><td>${e(r.pullRequest)}</td><td>${e(r.requester)}${r.selfApproved ? ' <strong>(also approved)</strong>' : ''}</td><td>${[...r.approvers.map(e), ...r.disagreements.map((d) => `<strong>disagrees:</strong> ${e(d)}`), `<span class="meta">source: ${e(r.source)}</span>`].join('<br>')}</td><td>${e(r.verdict)}</td><td>${e(r.checkRun)}</td></tr>`,
          )
          .join('')}</tbody></table>`,
  );
  if (evidence.controls) {
    const docs = controlDocumentLines(evidence);
    const rows = controlRows(evidence);
    parts.push(
      '<h2 id="controls">Controls in force</h2>',
      '<p class="meta">The rules each stage move was judged by, read at its landing commit\'s first parent; each file is in the bundle once, by SHA-256.</p>',
      rows.length === 0
        ? '<p class="none">none</p>'
        : `<table class="sod"><thead><tr>${CONTROL_HEAD.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
            .map(
              (r) =>
                `<tr>${[r.model, r.stage, r.move, r.pullRequest, r.policy, r.codeowners, r.roles].map((c) => `<td>${e(c)}</td>`).join('')}<td>${r.filledBy.map(e).join('<br>')}</td><td>${e(r.body)}</td></tr>`,
            )
            .join('')}</tbody></table>`,
      '<h3>Rule files</h3>',
      docs.length ? `<ul>${docs.map((d) => `<li>${e(d)}</li>`).join('')}</ul>` : '<p class="none">none</p>',
    );
  }
  if (evidence.warnings.length)
    parts.push(
      `<div class="warn"><strong>Warnings</strong><ul>${evidence.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul></div>`,
    );
  parts.push('<h2 id="timeline">Timeline</h2>');
  const all = timelineRows(evidence);
  const rows = all.filter((_, i) => !isAdoption(evidence, evidence.events[i]!));
  const adoption = all.length - rows.length;
  if (adoption)
    parts.push(
      `<p class="meta">${adoption} event${adoption === 1 ? '' : 's'} from adopting Tollgate are left out here; they are in events.json.</p>`,
    );
  if (rows.length === 0) parts.push('<p class="none">no events</p>');
  else
    parts.push(
      `<ol class="timeline">${rows
        .map(
          (r) =>
            `<li><span class="when">${e(r.at)}</span> <span class="event">${e(r.event)}</span>${r.what ? ` — ${e(r.what)}` : ''}${r.by ? ` by ${e(r.by)}` : ''}${r.pullRequest === undefined ? '' : ` (pull request #${r.pullRequest})`}${r.commit ? ` <code>${e(r.commit)}</code>` : ''}<br>${e(r.summary)}</li>`,
        )
        .join('')}</ol>`,
    );
  parts.push(
    '<h2 id="stages">Stage history</h2>',
    table(
      ['model', 'stage', 'version', 'since', 'until', 'commit', 'pull request', 'requested by'],
      stageHistoryRows(evidence),
    ),
    '<h2 id="pull-requests">Pull requests and approvals</h2>',
  );
  if (evidence.pullRequests.length === 0) parts.push('<p class="none">none</p>');
  for (const pr of evidence.pullRequests) {
    parts.push(`<h3>#${pr.number} ${e(pr.title ?? '(not found)')}</h3>`);
    if (!pr.found) {
      parts.push('<p>Not found by the review source.</p>');
      continue;
    }
    parts.push(
      `<p>Merged ${e(pr.mergedAt ?? '(not merged)')} by ${e(pr.mergedBy ?? 'unknown')}${pr.mergeCommit ? ` in <code>${e(pr.mergeCommit.slice(0, 12))}</code>` : ''}; author ${e(pr.author ?? 'unknown')}.</p>`,
      `<p>Gate check: ${
        pr.gate
          ? `${e(pr.gate.conclusion ?? 'not finished')} on <code>${e(pr.gate.headSha.slice(0, 12))}</code>, completed ${e(pr.gate.completedAt ?? 'never')}`
          : pr.reviewsKnown
            ? '<strong>none recorded</strong>'
            : 'unknown (git alone does not record it)'
      }.</p>`,
      ...recordedLines(pr).map((line) => `<p>${e(line)}</p>`),
      pr.body
        ? `<details class="body"><summary>${e(bodyLine(pr))}</summary><pre>${e(pr.body.text)}</pre></details>`
        : '<p>Description the reviewers saw: not recorded (no merge record kept it; GitHub not read).</p>',
      pr.reviewsKnown
        ? table(
            ['reviewer', 'roles', 'state', 'commit', 'time'],
            pr.reviews.map((r) => [r.reviewer, rolesCell(r), r.state, r.commit.slice(0, 12), r.at]),
          )
        : '<p>Reviews: unknown (git alone does not record them).</p>',
    );
  }
  parts.push('<h2 id="versions">Versions</h2>');
  if (evidence.versions.length === 0) parts.push('<p class="none">none</p>');
  for (const v of evidence.versions) {
    parts.push(
      `<h3>${e(v.model)} ${e(v.version)}</h3>`,
      `<p>Created ${e(v.createdAt ?? 'unknown')}; workflow run ${runLink(v.run?.url)}; validation ${v.validation ? (v.validation.passed ? 'passed' : '<strong>failed</strong>') : 'not recorded'}.</p>`,
      `<p>${e(lineageLine(v))}</p>`,
      ...(v.lineage?.warnings.length
        ? [`<ul class="findings">${v.lineage.warnings.map((w) => `<li>⚠️ ${e(w)}</li>`).join('')}</ul>`]
        : []),
      ...(!v.drift && !v.fairness ? ['<p class="none">Drift and fairness: none recorded.</p>'] : []),
      table(
        ['metric', 'op', 'threshold', 'value', 'pass'],
        (v.validation?.gates ?? []).map((g) => [
          g.metric,
          g.op,
          String(g.threshold),
          String(g.value),
          g.pass ? 'yes' : 'NO',
        ]),
      ),
    );
    if (v.drift)
      parts.push(
        '<h4>Drift</h4>',
        table(
          ['metric', 'value'],
          Object.entries(v.drift).map(([k, x]) => [k, String(x)]),
        ),
      );
    if (v.fairness)
      parts.push(
        '<h4>Fairness</h4>',
        table(
          ['metric', 'value'],
          Object.entries(v.fairness).map(([k, x]) => [k, String(x)]),
        ),
      );
  }
  parts.push(
    '<h2 id="incidents">Incidents and rollbacks</h2>',
    table(
      ['incident', 'severity', 'status', 'detected', 'resolved', 'rollback'],
      evidence.incidents.map((i) => [
        i.id,
        i.severity ?? '',
        i.status ?? '',
        i.detectedAt ?? '',
        i.resolvedAt ?? '',
        i.rollback ? `${i.rollback.model} ${i.rollback.stage}: ${i.rollback.from} → ${i.rollback.to}` : '',
      ]),
    ),
    table(
      ['time', 'event', 'model', 'stage', 'version', 'incident', 'commit'],
      evidence.rollbacks.map((r) => [
        r.at,
        r.event,
        r.model ?? '',
        r.stage ?? '',
        r.version ?? '',
        r.incident ?? '',
        r.sha.slice(0, 12),
      ]),
    ),
    '<h2 id="commits">Commits</h2>',
    table(
      ['commit', 'author', 'committer', 'signature', 'subject'],
      evidence.commits.map((c) => [
        c.sha.slice(0, 12),
        `${c.author.name} <${c.author.email}> ${c.author.date}`,
        `${c.committer.name} ${c.committer.date}`,
        c.signature.status,
        c.subject,
      ]),
    ),
    '</body></html>',
  );
  return `${parts.join('\n')}\n`;
}

/** One row per stage tenure, shared by the Markdown and HTML reports. */
function stageHistoryRows(evidence: Evidence): string[][] {
  return evidence.stageHistory.map((t) => [
    t.model,
    t.stage,
    t.version,
    t.since,
    t.until ?? 'now',
    t.sha.slice(0, 12),
    t.pullRequest === undefined ? '' : `#${t.pullRequest}`,
    t.requestedBy ?? '',
  ]);
}
