// CODEOWNERS as init appends it, read the way GitHub reads it (the last matching pattern wins), attacked the way a
// writer would weaken the gate first: each path that could weaken it needs a policy owner's review (issue 13, 3).
import { describe, expect, it } from 'vitest';
import { codeownersBlock, planInit, WORKFLOWS, type InitAnswers } from '../../src/init/plan.ts';

const answers: InitAnswers = {
  model: 'fraud-detector',
  owners: ['acme/fraud-ml'],
  risk: ['acme/model-risk'],
  compliance: ['carol'],
  policyOwners: ['acme/ml-platform', '@dana'],
  defaultBranch: 'main',
  registry: 'ml/registry',
  interval: 86_400,
  now: new Date('2026-11-25T10:00:00Z'),
};

/** GitHub's CODEOWNERS matching, enough for the anchored folder and file patterns init writes. */
function ownersOf(codeowners: string, path: string): string[] | undefined {
  let owners: string[] | undefined;
  for (const line of codeowners.split('\n')) {
    const [pattern, ...who] = line.trim().split(/\s+/);
    if (!pattern || pattern.startsWith('#')) continue;
    const anchored = pattern.replace(/^\//, '');
    const matches =
      anchored === '*' || (anchored.endsWith('/') ? path.startsWith(anchored) : path === anchored);
    if (matches) owners = who;
  }
  return owners;
}

describe('the CODEOWNERS block init appends', () => {
  // An existing catch-all before the block, as many repositories have: the block must win over it.
  const file = `* @acme/everyone\n${codeownersBlock(answers, 'ml/registry', 'ml/schemas')}`;

  it.each([
    '.github/workflows/tollgate-signoff-gate.yml',
    '.github/workflows/deploy.yml',
    '.github/CODEOWNERS',
    '.github/actions/pinned/action.yml',
    'ml/registry/policy.yaml',
    'ml/schemas/Policy.schema.json',
  ])('gives %s to the policy owners alone', (path) => {
    expect(ownersOf(file, path)).toEqual(['@acme/ml-platform', '@dana']);
  });

  it('gives the rest of the registry to its owners: policy owners and risk', () => {
    expect(ownersOf(file, 'ml/registry/models/fraud-detector/stages.yaml')).toEqual([
      '@acme/ml-platform',
      '@dana',
      '@acme/model-risk',
    ]);
    expect(ownersOf(file, 'src/app.ts')).toEqual(['@acme/everyone']);
  });

  it('is the block planInit appends to .github/CODEOWNERS, with the schemas next to the registry', () => {
    const templates = Object.fromEntries(WORKFLOWS.map((w) => [w, '']));
    const planned = planInit(answers, templates).find((f) => f.path === '.github/CODEOWNERS')!;
    expect(planned).toEqual({
      path: '.github/CODEOWNERS',
      content: codeownersBlock(answers, 'ml/registry', 'ml/schemas'),
      append: true,
    });
  });
});
