// docs/gate.md "How to set up" shows what `tollgate init` renders, line by line, and docs/retrain.md shows the
// retrain template as it is: a change to either side fails here until the other follows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeownersBlock, type InitAnswers } from '../../src/init/plan.ts';
import { describeSettings, planSettings } from '../../src/init/settings.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const doc = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The fenced blocks between `<!-- init: NAME -->` and `<!-- /init -->`, each block's lines joined. */
function renderedBlocks(markdown: string, name: string): string {
  const start = markdown.indexOf(`<!-- init: ${name} -->`);
  expect(start, `docs marker init: ${name}`).toBeGreaterThanOrEqual(0);
  const section = markdown.slice(start, markdown.indexOf('<!-- /init -->', start));
  return [...section.matchAll(/```[a-z]*\n([\s\S]*?)\n```/g)].map((m) => m[1]).join('\n');
}

/** The example the section describes: its default branch, App id and owners. */
const answers: InitAnswers = {
  model: 'fraud-detector',
  owners: ['acme/fraud-ml'],
  risk: ['acme/model-risk'],
  compliance: ['acme/compliance'],
  policyOwners: ['acme/ml-platform'],
  defaultBranch: 'main',
  registry: 'registry',
  interval: 86_400,
  now: new Date('2026-11-25T10:00:00Z'),
};

describe('docs/gate.md "How to set up"', () => {
  const gate = doc('docs/gate.md');

  it('shows the settings init prints for --app-id 123456, line by line', () => {
    const printed = describeSettings(
      planSettings({ defaultBranch: 'main', appId: 123_456, emergencyPush: true }),
    );
    expect(renderedBlocks(gate, 'settings')).toBe(printed.join('\n'));
  });

  it('shows the CODEOWNERS block init appends', () => {
    expect(renderedBlocks(gate, 'codeowners')).toBe(codeownersBlock(answers, 'registry', 'schemas').trim());
  });
});

describe('docs/retrain.md', () => {
  it('shows the retrain template as init writes it', () => {
    const template = doc('templates/workflows/tollgate-retrain.yml').trimEnd();
    expect(doc('docs/retrain.md')).toContain(`\`\`\`yaml\n${template}\n\`\`\``);
  });
});
