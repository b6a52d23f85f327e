// A postmortem's action items (registry/incidents/<id>.postmortem.md) as `tollgate validate` checks them: under
// "## Action Items", a checked list, each item naming an owner and a due date:
//   - [ ] Alert on feature-feed lag — owner: @alice — due: 2026-12-01 — priority: high
// Pure: the file's text in, problems out.
import type { Problem } from './types.ts';

const HEADING = /^##\s+action items\s*$/i;
const ITEM = /^\s*[-*]\s+\[( |x|X)\]\s+(.*)$/;
const OWNER = /\bowner:\s*(@?[A-Za-z0-9][\w./-]*)/i;
const DUE = /\bdue:\s*(\d{4}-\d{2}-\d{2})\b/i;

const validDate = (text: string): boolean => {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
};

export function checkPostmortem(path: string, text: string): Problem[] {
  const problems: Problem[] = [];
  const lines = text.split('\n');
  const start = lines.findIndex((l) => HEADING.test(l));
  const fix = 'write each action item as "- [ ] what — owner: @login — due: YYYY-MM-DD"';
  if (start < 0) {
    problems.push({ file: path, severity: 'error', message: 'the postmortem has no "## Action Items" section', fix });
    return problems;
  }
  let items = 0;
  for (let i = start + 1; i < lines.length && !/^#{1,2}\s/.test(lines[i]!); i++) {
    const line = lines[i]!;
    if (line.trim() === '' || /^#{3,}\s/.test(line)) continue;
    const item = ITEM.exec(line);
    if (!item) {
      if (/^\s*[-*]\s/.test(line) || line.trim().startsWith('|'))
        problems.push({ file: path, line: i + 1, severity: 'error', message: 'an action item is not a checklist item', fix });
      continue;
    }
    items++;
    const body = item[2]!;
    if (body.includes('TODO(author)')) continue; // a draft's placeholder: reported once below
    const owner = OWNER.exec(body)?.[1];
    const due = DUE.exec(body)?.[1];
    if (!owner || /^@?todo$/i.test(owner))
      problems.push({ file: path, line: i + 1, field: 'owner', severity: 'error', message: 'action item names no owner', fix });
    if (!due)
      problems.push({ file: path, line: i + 1, field: 'due', severity: 'error', message: 'action item has no due date', fix });
    else if (!validDate(due))
      problems.push({ file: path, line: i + 1, field: 'due', severity: 'error', message: `due date ${due} is not a date`, fix });
  }
  if (items === 0)
    problems.push({ file: path, line: start + 1, severity: 'error', message: 'the postmortem lists no action items', fix });
  if (text.includes('TODO(author)'))
    problems.push({
      file: path,
      severity: 'warning',
      message: 'the postmortem is still a draft: parts marked TODO(author) are unwritten',
      fix: 'fill them in within 24 hours of the resolution (the incident protocol)',
    });
  return problems;
}
