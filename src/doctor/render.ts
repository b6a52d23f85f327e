// The text `tollgate doctor` prints: weaknesses first, then what could not be read, then notes; each with the
// attack it opens and its fix.
import type { Finding } from './findings.ts';

const HEADINGS: Record<Finding['severity'], string> = {
  weakness: 'Weaknesses',
  unreadable: 'Could not be checked',
  note: 'Notes',
};

export function renderDoctor(report: {
  repository: string;
  defaultBranch: string;
  appId?: number;
  findings: readonly Finding[];
}): string {
  const count = (severity: Finding['severity']) =>
    report.findings.filter((f) => f.severity === severity).length;
  const weaknesses = count('weakness');
  const unreadable = count('unreadable');
  const lines = [
    `tollgate doctor: ${report.repository} (default branch ${report.defaultBranch}${report.appId !== undefined ? `, Tollgate App ${report.appId}` : ''})`,
    weaknesses + unreadable === 0
      ? 'The gate holds as installed: no weakness found.'
      : `${weaknesses} weakness${weaknesses === 1 ? '' : 'es'}${unreadable > 0 ? `, ${unreadable} setting${unreadable === 1 ? '' : 's'} the token could not read` : ''}.`,
  ];
  for (const severity of ['weakness', 'unreadable', 'note'] as const) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', `${HEADINGS[severity]}:`);
    for (const f of group)
      lines.push(`- [${f.id}] ${f.where}: ${f.problem}`, `    attack: ${f.attack}`, `    fix: ${f.fix}`);
  }
  return lines.join('\n');
}
