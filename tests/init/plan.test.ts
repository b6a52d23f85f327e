import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { planInit, WORKFLOWS, type InitAnswers } from '../../src/init/plan.ts';
import { parseRegistryFile } from '../../src/registry/parse.ts';

const answers: InitAnswers = {
  model: 'fraud-detector',
  owners: ['acme/fraud-ml', '@alice'],
  risk: ['acme/model-risk'],
  compliance: ['carol'],
  policyOwners: ['acme/ml-platform'],
  defaultBranch: 'main',
  registry: 'registry',
  interval: 86_400,
  now: new Date('2026-11-25T10:00:00Z'),
};
const templates = Object.fromEntries(WORKFLOWS.map((w) => [w, `name: ${w}\n`]));
const byPath = (path: string) => planInit(answers, templates).find((f) => f.path === path)!;

describe('planInit', () => {
  it('splits teams from users in each role', () => {
    const policy = load(byPath('registry/policy.yaml').content) as { roles: Record<string, unknown> };
    expect(policy.roles.risk).toMatchObject({ teams: ['acme/model-risk'] });
    expect(policy.roles.compliance).toMatchObject({ users: ['carol'] });
    const model = load(byPath('registry/models/fraud-detector/model.yaml').content) as { owners: unknown };
    expect(model.owners).toEqual({ teams: ['acme/fraud-ml'], users: ['alice'] });
  });

  it('schedules the first run one interval after now', () => {
    const schedule = load(byPath('registry/models/fraud-detector/schedule.yaml').content) as Record<
      string,
      unknown
    >;
    expect(schedule.next_run).toBe('2026-11-26T10:00:00Z');
    expect(schedule.failure_streak).toBe(0);
  });

  it('points the schema comment at the schemas folder from where each file sits', () => {
    expect(byPath('registry/policy.yaml').content.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../schemas/Policy.schema.json',
    );
    expect(byPath('registry/models/fraud-detector/stages.yaml').content.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../../../schemas/Stages.schema.json',
    );
  });

  it('writes every workflow and appends CODEOWNERS instead of replacing it', () => {
    const files = planInit(answers, templates);
    for (const name of WORKFLOWS)
      expect(byPath(`.github/workflows/tollgate-${name}.yml`).content).toBe(`name: ${name}\n`);
    const codeowners = files.find((f) => f.path === '.github/CODEOWNERS')!;
    expect(codeowners.append).toBe(true);
    expect(codeowners.content).toContain('/registry/ @acme/ml-platform @acme/model-risk');
  });

  it('writes the emergency push severities and the dispatch senders into the policy', () => {
    const policy = (given: Partial<InitAnswers>) =>
      load(planInit({ ...answers, ...given }, templates)[0]!.content) as {
        incident: { emergency_push: string[] };
        dispatch: { allowed_senders: string[] };
      };
    expect(policy({}).incident.emergency_push).toEqual(['P0']);
    expect(policy({}).dispatch.allowed_senders).toEqual([]);
    const chosen = policy({ emergencyPush: [], dispatchSenders: ['acme-monitor[bot]'] });
    expect(chosen.incident.emergency_push).toEqual([]);
    expect(chosen.dispatch.allowed_senders).toEqual(['acme-monitor[bot]']);
  });

  it('writes registry files that pass schema validation, and the schemas next to the registry', () => {
    const files = planInit({ ...answers, registry: 'ml/registry' }, templates);
    const registryFiles = files.filter((f) => f.path.startsWith('ml/registry/'));
    expect(registryFiles).toHaveLength(4);
    for (const file of registryFiles) {
      const { document, problems } = parseRegistryFile(file.path.slice('ml/registry/'.length), file.content);
      expect(
        problems.filter((p) => p.severity === 'error'),
        file.path,
      ).toEqual([]);
      expect(document).toBeDefined();
    }
    expect(files.map((f) => f.path)).toContain('ml/schemas/Policy.schema.json');
  });

  it('refuses an unsafe model name before it reaches a path', () => {
    expect(() => planInit({ ...answers, model: '../etc' }, templates)).toThrow(/model/);
  });
});
