// `tollgate validate` on a postmortem: the action items are a checked list with an owner and a due date.
import { describe, expect, it } from 'vitest';
import { openIncident, renderPostmortem, resolveIncident } from '../../src/incident/record.ts';
import { memoryReader, loadRegistry } from '../../src/registry/load.ts';
import { checkPostmortem } from '../../src/registry/postmortem.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';

const FILE = 'incidents/INC-20261124-033000-ab12.postmortem.md';
const doc = (items: string) => `# Postmortem\n\n## Action Items\n\n${items}\n\n## Prevention Measures\n\n- [ ] later\n`;

describe('checkPostmortem', () => {
  it.each([
    ['- [ ] Alert on feed lag — owner: @alice — due: 2026-12-01 — priority: high', []],
    ['- [x] Add a canary — owner: bob — due: 2026-11-30', []],
    ['- [ ] Alert on feed lag — due: 2026-12-01', ['error owner: action item names no owner']],
    ['- [ ] Alert on feed lag — owner: @alice', ['error due: action item has no due date']],
    ['- [ ] Alert — owner: @alice — due: 2026-02-30', ['error due: due date 2026-02-30 is not a date']],
    ['- [ ] Alert — owner: @TODO — due: 2026-12-01', ['error owner: action item names no owner']],
    ['- Alert on feed lag, alice, soon', ['error -: an action item is not a checklist item', 'error -: the postmortem lists no action items']],
    ['| action | owner |\n| --- | --- |', ['error -: an action item is not a checklist item', 'error -: an action item is not a checklist item', 'error -: the postmortem lists no action items']],
    ['', ['error -: the postmortem lists no action items']],
  ])('%s', (items, expected) => {
    const problems = checkPostmortem(FILE, doc(items));
    expect(problems.map((p) => `${p.severity} ${p.field ?? '-'}: ${p.message}`)).toEqual(expected);
    for (const p of problems) expect(p.fix).toBeDefined();
  });

  it('names the line of a bad item, and needs the section', () => {
    expect(checkPostmortem(FILE, doc('- [ ] ok — owner: @a — due: 2026-12-01\n- [ ] bad'))[0]).toMatchObject({ line: 6 });
    expect(checkPostmortem(FILE, '# Postmortem\n')[0]!.message).toContain('no "## Action Items" section');
  });

  it("accepts Tollgate's own draft, with a warning that it is still a draft", async () => {
    const policy = effectivePolicy(undefined);
    const incident = resolveIncident(
      openIncident({ models: ['fraud'], metrics: { error_rate: 0.7 }, now: new Date('2026-11-24T03:30:00Z'), id: 'INC-20261124-033000-ab12', policy }),
      new Date('2026-11-24T04:30:00Z'),
    );
    const { problems } = await loadRegistry(memoryReader({ [FILE]: renderPostmortem(incident, []) }));
    expect(problems.map((p) => [p.severity, p.message])).toEqual([
      ['warning', 'the postmortem is still a draft: parts marked TODO(author) are unwritten'],
    ]);
  });
});
