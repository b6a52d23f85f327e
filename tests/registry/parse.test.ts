import { describe, expect, it } from 'vitest';
import { parseRegistryFile } from '../../src/registry/parse.ts';

const STAGES = 'models/fraud/stages.yaml';

describe('parseRegistryFile', () => {
  it('returns the document of a clean file with no problems', () => {
    const text = 'apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud\nstages:\n  production:\n    version: v1\n';
    const parsed = parseRegistryFile(STAGES, Buffer.from(text));
    expect(parsed.problems).toEqual([]);
    expect(parsed.document).toEqual({
      apiVersion: 'tollgate/v1',
      kind: 'Stages',
      model: 'fraud',
      stages: { production: { version: 'v1' } },
    });
  });

  it('reports malformed YAML on its line', () => {
    const text = 'apiVersion: tollgate/v1\nkind: Stages\nstages:\n  production: [v1\n  staging: v2\n';
    const { document, problems } = parseRegistryFile(STAGES, text);
    expect(document).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: STAGES, severity: 'error' });
    expect(problems[0]!.line).toBeGreaterThanOrEqual(4);
    expect(problems[0]!.message).toMatch(/^invalid YAML/);
  });

  it('rejects duplicate keys on the line of the second one', () => {
    const text = 'apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud\nmodel: other\nstages: {}\n';
    expect(parseRegistryFile(STAGES, text).problems).toMatchObject([{ line: 4, message: /duplicated mapping key/ }]);
  });

  it('rejects anchors and aliases before expanding anything', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghij'.split('').map((c, i) => {
      const prev = 'abcdefghij'[i]!;
      return `${c}: &${c} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
    })].join('\n');
    const { document, problems } = parseRegistryFile(STAGES, bomb);
    expect(document).toBeUndefined();
    expect(problems).toMatchObject([{ line: 1, message: /anchors and aliases/ }]);
  });

  it.each([
    ['a list', '- 1\n- 2\n', /must be a mapping/],
    ['a scalar', 'hello\n', /must be a mapping/],
    ['an empty file', '', /empty/],
    ['two documents', 'a: 1\n---\nb: 2\n', /2 YAML documents/],
  ])('rejects %s as the root', (_, text, message) => {
    expect(parseRegistryFile(STAGES, text).problems).toMatchObject([{ message }]);
  });

  it.each([
    ['a language tag', 'apiVersion: tollgate/v1\nkind: Policy\nroles: !!js/function "x"\n', /unknown scalar tag/, 3],
    ['a custom tag', 'apiVersion: tollgate/v1\nkind: Policy\nroles: !custom 1\n', /unknown scalar tag/, 3],
    ['a complex key', '? [a]\n: 1\n', /complex keys/, 1],
    ['deep nesting', `a: ${'['.repeat(40)}1${']'.repeat(40)}\n`, /maxDepth/, 1],
  ])('rejects %s', (_, text, message, line) => {
    expect(parseRegistryFile('policy.yaml', text).problems).toMatchObject([{ line, message }]);
  });

  it('reports a missing kind once', () => {
    expect(parseRegistryFile('policy.yaml', 'apiVersion: tollgate/v1\nroles: {}\n').problems).toMatchObject([
      { field: 'kind', message: 'missing field "kind"' },
    ]);
  });

  it('maps schema errors to the line of the offending field', () => {
    const text = [
      'apiVersion: tollgate/v1',
      'kind: Stages',
      'model: fraud',
      'stages:',
      '  production:',
      '    version: V1',
      '    wieght: 1',
      'owner: bob',
      '',
    ].join('\n');
    const problems = parseRegistryFile(STAGES, text).problems;
    const byField = Object.fromEntries(problems.map((p) => [p.field, p]));
    expect(byField['stages.production.version']?.line).toBe(6);
    expect(byField['stages.production.wieght']?.line).toBe(7);
    expect(byField.owner?.line).toBe(8);
    expect(byField.owner?.fix).toContain('allowed here');
  });

  it('points a missing field at its parent and a wrong item at its line', () => {
    const text = [
      'apiVersion: tollgate/v1',
      'kind: Incident',
      'id: INC-20261101-000000-ab',
      'title: t',
      'severity: P1',
      'status: open',
      'models: [fraud]',
      'metrics: {}',
      'detected_at: 2026-11-01T00:00:00Z',
      'timeline:',
      '  - at: 2026-11-01T00:00:00Z',
      '    event: detected',
      '  - event: exploded',
      '',
    ].join('\n');
    const problems = parseRegistryFile('incidents/INC-20261101-000000-ab.yaml', text).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'timeline[1]', line: 13, message: expect.stringMatching(/"at"/) }),
        expect.objectContaining({ field: 'timeline[1].event', line: 13 }),
      ]),
    );
  });

  it('keeps timestamps as strings (core schema, no Date objects)', () => {
    const text =
      'apiVersion: tollgate/v1\nkind: AuditEvent\nid: 20261101T000000Z-abc\nat: 2026-11-01T00:00:00Z\nevent: x\nactor: a\n';
    const { document, problems } = parseRegistryFile('audit/2026/11/20261101T000000Z-abc.yaml', text);
    expect(problems).toEqual([]);
    expect((document as { at: unknown }).at).toBe('2026-11-01T00:00:00Z');
  });

  it('checks that the kind matches the place of the file', () => {
    const text = 'apiVersion: tollgate/v1\nkind: Model\nname: fraud\nowners: {}\n';
    expect(parseRegistryFile(STAGES, text).problems).toMatchObject([
      { field: 'kind', line: 2, message: /must be kind Stages/ },
    ]);
  });
});
