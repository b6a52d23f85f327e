// The evidence export use case, shared by `tollgate evidence export` and the evidence action: collect the trail
// for one subject from git (and reviews and gate checks from a review source, when there is one) and write the
// bundle: folder, manifest and tarball. The faces choose the source and render the result.
import { resolve } from 'node:path';
import { assertFullHistory } from '../git/history.ts';
import { collectEvidence, writeEvidenceBundle, type EvidenceSubject } from './bundle.ts';
import { collectFindings, type EvidenceFinding, type EvidenceSummary } from './findings.ts';
import { reportHeadline } from './report.ts';
import type { ReviewSource } from './reviews.ts';

export interface EvidenceExportRequest {
  subject: EvidenceSubject;
  /** Repository-relative registry folder with a trailing slash, e.g. `registry/`. */
  registryPrefix: string;
  /** Absolute folder for the bundle; must not exist or be empty. */
  out: string;
  /** The commit to read history up to; default HEAD. */
  ref?: string;
  /** The trusted commit the audit for findings starts after; default the commit that adopted Tollgate. */
  since?: string;
  /** Sign the manifest with this Ed25519 private key (PEM); `where` names it in errors. */
  signKey?: { pem: string; where: string };
  /** Refuse a shallow clone before any work (a runner's default depth-1 checkout). */
  requireFullHistory?: boolean;
}

export interface EvidenceExportPorts {
  /** The checkout, with full history (git). */
  repoRoot: string;
  /** Reviews and gate checks (GitHub); without one the bundle holds what git holds. */
  reviews?: ReviewSource;
  onProgress?: (message: string) => void;
  /** The clock: the signing time. */
  now?: () => Date;
}

export interface EvidenceExportResult {
  title: string;
  /** Absolute folder of the bundle, and its tarball. */
  path: string;
  bundle: string;
  sha256: string;
  files: number;
  headline: string;
  warnings: string[];
  /** Whether manifest.sig.json was written. */
  signed: boolean;
  overview: EvidenceSummary;
  /** Violations first; `evidence export --strict` fails when there is a violation. */
  findings: EvidenceFinding[];
}

export async function exportEvidence(
  request: EvidenceExportRequest,
  ports: EvidenceExportPorts,
): Promise<EvidenceExportResult> {
  // Before any work: a depth-1 checkout would give a short trail that looks complete.
  if (request.requireFullHistory) await assertFullHistory(ports.repoRoot);
  const onProgress = ports.onProgress;
  const evidence = await collectEvidence(ports.repoRoot, request.subject, {
    registryPrefix: request.registryPrefix,
    ...(request.ref !== undefined ? { ref: request.ref } : {}),
    ...(ports.reviews ? { reviews: ports.reviews } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  onProgress?.('auditing the trail (audit verify) for findings');
  const { findings, summary } = await collectFindings(ports.repoRoot, evidence, {
    registryPrefix: request.registryPrefix,
    ...(ports.reviews ? { reviews: ports.reviews } : {}),
    ...(request.since !== undefined ? { since: request.since } : {}),
  });
  evidence.findings = findings;
  evidence.summary = summary;
  const manifest = await writeEvidenceBundle(evidence, request.out, {
    ...(onProgress ? { onProgress } : {}),
    ...(request.signKey
      ? {
          sign: {
            privateKeyPem: request.signKey.pem,
            at: ports.now?.() ?? new Date(),
            where: request.signKey.where,
          },
        }
      : {}),
  });
  return {
    title: evidence.title,
    path: request.out,
    bundle: resolve(request.out, manifest.tarball.path),
    sha256: manifest.tarball.sha256,
    files: manifest.files.length,
    headline: reportHeadline(evidence),
    warnings: evidence.warnings,
    signed: request.signKey !== undefined,
    overview: summary,
    findings,
  };
}

/** The evidence action's job summary; `github` says where reviews and gate checks came from, and at what cost. */
export function evidenceSummary(
  result: EvidenceExportResult,
  github?: { owner: string; repo: string; checkName: string; calls: number },
): string {
  const source = github
    ? `Reviews and gate checks: GitHub (${github.owner}/${github.repo}, check run ${github.checkName}).`
    : 'Reviews and gate checks: git only (no GitHub token or repository): the bundle does not hold them.';
  const calls = github?.calls ?? 0;
  return [
    '## Tollgate evidence',
    '',
    result.headline,
    '',
    ...findingsSummary(result.findings),
    `${source}${calls ? ` ${calls} GitHub API call${calls === 1 ? '' : 's'}.` : ''}`,
    '',
    `Bundle: \`${result.bundle}\` (sha256 \`${result.sha256}\`), files and \`manifest.json\` in \`${result.path}\`.`,
    'Check it later with `tollgate evidence verify <folder> --sha256 <sha256>`.',
    '',
    ...(result.warnings.length ? ['### Warnings', '', ...result.warnings.map((w) => `- ${w}`), ''] : []),
  ].join('\n');
}

/** The findings as a short Markdown list for a job summary or a terminal (violations, then notices). */
export function findingsSummary(findings: EvidenceFinding[]): string[] {
  const violations = findings.filter((f) => f.severity === 'violation');
  const notices = findings.filter((f) => f.severity === 'notice');
  if (findings.length === 0)
    return ['**Findings: none.** No direct push, no merge without a verdict, no overdue postmortem.', ''];
  return [
    `**Findings: ${violations.length} violation${violations.length === 1 ? '' : 's'}, ${notices.length} notice${notices.length === 1 ? '' : 's'}.**`,
    '',
    ...findings.map(
      (f) =>
        `- ${f.severity === 'violation' ? '❌' : 'ℹ️'} **${f.title}**${f.at ? ` (${f.at})` : ''}: ${f.detail}`,
    ),
    '',
  ];
}
