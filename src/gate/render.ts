// The check-run summary: what changed, each role and who signed off (when, on which commit) or who could.
import { showInvisible } from './invisible.ts';
import type { GateVerdict } from './types.ts';

/** Escapes characters that would break a Markdown table cell or start formatting. */
export function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderVerdictMarkdown(verdict: GateVerdict): string {
  const out: string[] = [
    `### ${verdict.conclusion === 'success' ? '✅' : '❌'} ${showInvisible(verdict.title)}`,
    '',
  ];
  if (verdict.blocking.length > 0) {
    out.push('**Blocked** — no review can pass this pull request until these are fixed:', '');
    for (const reason of verdict.blocking) out.push(`- ${showInvisible(reason)}`);
    out.push('');
  }
  if (verdict.changes.length > 0) {
    out.push('**Changes that need review**', '');
    for (const line of verdict.changes) out.push(`- ${showInvisible(line)}`);
    out.push('');
  }
  if (verdict.stateOnly)
    out.push('Only state changes (schedule, retrains, incidents, audit): no sign-off needed.', '');
  if (verdict.requirements.length > 0) {
    out.push('| Role | Needed by | Signed off | Could sign off |', '| --- | --- | --- | --- |');
    for (const r of verdict.requirements) {
      const signed = r.satisfiedBy
        ? `✅ @${r.satisfiedBy.login} at ${r.satisfiedBy.at} on \`${r.satisfiedBy.commit.slice(0, 7)}\``
        : `❌ missing${r.reason ? ` — ${r.reason}` : ''}`;
      const could = r.satisfiedBy ? '' : r.candidates.join(', ') || '(nobody)';
      out.push(
        `| ${markdownCell(r.role)} | ${markdownCell(r.rule)} | ${markdownCell(signed)} | ${markdownCell(could)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** A check-run annotation, as the GitHub layer posts it (`CheckAnnotation`). */
export interface VerdictAnnotation {
  path: string;
  startLine: number;
  level: 'failure';
  title: string;
  message: string;
}

/** An annotation on the line of each invalid registry file that blocked the verdict. */
export function verdictAnnotations(verdict: GateVerdict): VerdictAnnotation[] {
  return (verdict.invalidFiles ?? []).map((problem) => ({
    path: problem.file,
    startLine: problem.line ?? 1,
    level: 'failure' as const,
    title: 'Invalid registry file',
    message: showInvisible(`${problem.message}${problem.fix ? `\nfix: ${problem.fix}` : ''}`),
  }));
}
