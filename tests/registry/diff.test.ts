import { afterAll, describe, expect, it } from 'vitest';
import { gitTreeReader } from '../../src/git/reader.ts';
import { changedFields, describeChange, diffDocuments, diffRegistries } from '../../src/registry/diff.ts';
import { registryDiffBetweenRefs } from '../../src/registry/diff-refs.ts';
import type { RegistryChange, RegistryReader } from '../../src/registry/types.ts';
import { cleanupRepos, makeRepo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);

const head = 'apiVersion: tollgate/v1\n';
const stages = (body: string) => `${head}kind: Stages\nmodel: fraud\nstages:\n${body}`;
const version = (extra = '') =>
  `${head}kind: ModelVersion\nid: v5\nmodel: fraud\ncreated_at: '2026-01-01T00:00:00Z'\nmetrics:\n  auc: 0.91\n${extra}`;
const policy = (extra = '') => `${head}kind: Policy\nroles:\n  risk:\n    users: [rita]\n${extra}`;
const model = (description: string) => `${head}kind: Model\nname: fraud\ndescription: ${description}\nowners:\n  users: [olga]\n`;
const schedule = (next: string) =>
  `${head}kind: Schedule\nschema_version: 1\nmodel: fraud\ninterval: 86400\nfailure_streak: 0\nnext_run: '${next}'\n`;
const retrain = (status: string) => `${head}kind: RetrainRequest\nid: r-1\nmodel: fraud\nstatus: ${status}\n`;
const incident = (status: string) => `${head}kind: Incident\nid: INC-20260101-000000-ab\nstatus: ${status}\n`;
const audit = (actor: string) => `${head}kind: AuditEvent\nid: 20260101T000000Z-a1\nevent: promote\nactor: ${actor}\n`;

describe('diffDocuments', () => {
  const cases: [string, string, string | undefined, string | undefined, RegistryChange[]][] = [
    [
      'a stage moves, another is added, another removed',
      'models/fraud/stages.yaml',
      stages('  production:\n    version: v4\n  canary:\n    version: v5\n    weight: 0.1\n'),
      stages('  production:\n    version: v5\n  staging:\n    version: v6\n'),
      [
        { kind: 'stage-changed', path: 'models/fraud/stages.yaml', model: 'fraud', stage: 'canary', from: 'v5' },
        { kind: 'stage-changed', path: 'models/fraud/stages.yaml', model: 'fraud', stage: 'production', from: 'v4', to: 'v5' },
        { kind: 'stage-changed', path: 'models/fraud/stages.yaml', model: 'fraud', stage: 'staging', to: 'v6' },
      ],
    ],
    [
      'a canary weight change alone is its own kind of change, judged by its own rules',
      'models/fraud/stages.yaml',
      stages('  canary:\n    version: v5\n    weight: 0.1\n'),
      stages('  canary:\n    version: v5\n    weight: 0.5\n'),
      [{ kind: 'stage-weight-changed', path: 'models/fraud/stages.yaml', model: 'fraud', stage: 'canary', version: 'v5', from: 0.1, to: 0.5 }],
    ],
    [
      'comments and formatting alone change nothing',
      'models/fraud/stages.yaml',
      stages('  production:\n    version: v4\n'),
      `# a comment\n${stages('  production: {version: v4}\n')}`,
      [],
    ],
    ['a version added', 'models/fraud/versions/v5.yaml', undefined, version(), [
      { kind: 'version-added', path: 'models/fraud/versions/v5.yaml', model: 'fraud', version: 'v5' },
    ]],
    ['a version removed', 'models/fraud/versions/v5.yaml', version(), undefined, [
      { kind: 'version-removed', path: 'models/fraud/versions/v5.yaml', model: 'fraud', version: 'v5' },
    ]],
    [
      'a version edited names its fields',
      'models/fraud/versions/v5.yaml',
      version(),
      version().replace('0.91', '0.99') + 'parent: v4\n',
      [{ kind: 'version-changed', path: 'models/fraud/versions/v5.yaml', model: 'fraud', version: 'v5', fields: ['metrics.auc', 'parent'] }],
    ],
    [
      'a version held',
      'models/fraud/versions/v5.yaml',
      version(),
      version("held:\n  reason: bad\n  at: '2026-01-02T00:00:00Z'\n  by: oncall\n"),
      [{ kind: 'version-held', path: 'models/fraud/versions/v5.yaml', model: 'fraud', version: 'v5' }],
    ],
    [
      'a version released from hold',
      'models/fraud/versions/v5.yaml',
      version("held:\n  reason: bad\n  at: '2026-01-02T00:00:00Z'\n  by: oncall\n"),
      version(),
      [{ kind: 'version-unheld', path: 'models/fraud/versions/v5.yaml', model: 'fraud', version: 'v5' }],
    ],
    ['a model added', 'models/fraud/model.yaml', undefined, model('x'), [
      { kind: 'model-added', path: 'models/fraud/model.yaml', model: 'fraud' },
    ]],
    ['a model changed', 'models/fraud/model.yaml', model('x'), model('y'), [
      { kind: 'model-changed', path: 'models/fraud/model.yaml', model: 'fraud' },
    ]],
    ['a model removed', 'models/fraud/model.yaml', model('x'), undefined, [
      { kind: 'model-removed', path: 'models/fraud/model.yaml', model: 'fraud' },
    ]],
    [
      'the policy changed',
      'policy.yaml',
      policy(),
      policy('  compliance:\n    users: [cora]\nstate_writes: push\n'),
      [{ kind: 'policy-changed', path: 'policy.yaml', fields: ['roles.compliance', 'state_writes'] }],
    ],
    [
      'the schedule changed',
      'models/fraud/schedule.yaml',
      schedule('2026-01-02T00:00:00Z'),
      schedule('2026-01-03T00:00:00Z'),
      [{ kind: 'schedule-changed', path: 'models/fraud/schedule.yaml', model: 'fraud', fields: ['next_run'] }],
    ],
    ['a retrain requested', 'models/fraud/retrains/r-1.yaml', undefined, retrain('queued'), [
      { kind: 'retrain-added', path: 'models/fraud/retrains/r-1.yaml', model: 'fraud', request: 'r-1' },
    ]],
    ['a retrain progressed', 'models/fraud/retrains/r-1.yaml', retrain('queued'), retrain('running'), [
      { kind: 'retrain-changed', path: 'models/fraud/retrains/r-1.yaml', model: 'fraud', request: 'r-1' },
    ]],
    ['a retrain record deleted', 'models/fraud/retrains/r-1.yaml', retrain('queued'), undefined, [
      { kind: 'unknown-registry-file', path: 'models/fraud/retrains/r-1.yaml' },
    ]],
    ['an incident opened', 'incidents/INC-20260101-000000-ab.yaml', undefined, incident('open'), [
      { kind: 'incident-opened', path: 'incidents/INC-20260101-000000-ab.yaml', incident: 'INC-20260101-000000-ab' },
    ]],
    ['an incident resolved', 'incidents/INC-20260101-000000-ab.yaml', incident('open'), incident('resolved'), [
      { kind: 'incident-changed', path: 'incidents/INC-20260101-000000-ab.yaml', incident: 'INC-20260101-000000-ab' },
    ]],
    ['a postmortem drafted', 'incidents/INC-20260101-000000-ab.postmortem.md', undefined, '# Postmortem\n', [
      { kind: 'postmortem-changed', path: 'incidents/INC-20260101-000000-ab.postmortem.md', incident: 'INC-20260101-000000-ab' },
    ]],
    ['an audit event appended', 'audit/2026/01/20260101T000000Z-a1.yaml', undefined, audit('alice'), [
      { kind: 'audit-appended', path: 'audit/2026/01/20260101T000000Z-a1.yaml', id: '20260101T000000Z-a1' },
    ]],
    ['an audit event edited', 'audit/2026/01/20260101T000000Z-a1.yaml', audit('alice'), audit('mallory'), [
      { kind: 'audit-rewritten', path: 'audit/2026/01/20260101T000000Z-a1.yaml', id: '20260101T000000Z-a1' },
    ]],
    ['an audit event deleted', 'audit/2026/01/20260101T000000Z-a1.yaml', audit('alice'), undefined, [
      { kind: 'audit-rewritten', path: 'audit/2026/01/20260101T000000Z-a1.yaml', id: '20260101T000000Z-a1' },
    ]],
    ['a file in an unknown place', 'notes/readme.txt', undefined, 'hello', [{ kind: 'unknown-registry-file', path: 'notes/readme.txt' }]],
    [
      'a stages file that no longer parses still shows what it had',
      'models/fraud/stages.yaml',
      stages('  production:\n    version: v4\n'),
      'stages: [unclosed',
      [
        { kind: 'unknown-registry-file', path: 'models/fraud/stages.yaml' },
        { kind: 'stage-changed', path: 'models/fraud/stages.yaml', model: 'fraud', stage: 'production', from: 'v4' },
      ],
    ],
    ['a model folder with an unsafe name', 'models/Fraud $(id)/stages.yaml', undefined, stages('  production:\n    version: v1\n'), [
      { kind: 'unknown-registry-file', path: 'models/Fraud $(id)/stages.yaml' },
    ]],
    ['an audit event filed under the wrong month', 'audit/2026/02/20260101T000000Z-a1.yaml', undefined, audit('alice'), [
      { kind: 'unknown-registry-file', path: 'audit/2026/02/20260101T000000Z-a1.yaml' },
    ]],
    [
      'a file holding the wrong kind for its place',
      'models/fraud/schedule.yaml',
      undefined,
      policy(),
      [{ kind: 'unknown-registry-file', path: 'models/fraud/schedule.yaml' }],
    ],
  ];

  it.each(cases)('%s', (_name, path, before, after, expected) => {
    expect(diffDocuments(path, before, after)).toEqual(expected);
  });

  it('names changed fields down two levels', () => {
    expect(changedFields({ a: 1, b: { c: 1, d: { e: 1 } } }, { a: 1, b: { c: 2, d: { e: 2 } }, f: [1] })).toEqual([
      'b.c',
      'b.d',
      'f',
    ]);
  });
});

describe('describeChange', () => {
  it.each<[RegistryChange, string]>([
    [{ kind: 'stage-changed', path: 'p', model: 'fraud-detector', stage: 'production', from: 'v4', to: 'v5' }, 'fraud-detector: production v4 → v5'],
    [{ kind: 'stage-changed', path: 'p', model: 'fraud', stage: 'staging', to: 'v6' }, 'fraud: staging set to v6'],
    [{ kind: 'policy-changed', path: 'policy.yaml', fields: ['roles.risk'] }, 'policy changed (roles.risk)'],
    [{ kind: 'version-held', path: 'p', model: 'fraud', version: 'v5' }, 'fraud: version v5 held'],
    [{ kind: 'file-changed', path: '.github/workflows/x.yml' }, '.github/workflows/x.yml changed (outside the registry)'],
  ])('%j', (change, text) => {
    expect(describeChange(change)).toBe(text);
  });
});

function countingReader(inner: RegistryReader): RegistryReader & { reads: string[] } {
  const reads: string[] = [];
  return { label: inner.label, list: (d) => inner.list(d), read: (p) => (reads.push(p), inner.read(p)), reads };
}

describe('diffRegistries and registryDiffBetweenRefs', () => {
  async function fixture() {
    const repo = await makeRepo({
      'registry/policy.yaml': policy(),
      'registry/models/fraud/model.yaml': model('x'),
      'registry/models/fraud/stages.yaml': stages('  production:\n    version: v4\n'),
      'registry/models/fraud/versions/v5.yaml': version(),
      'README.md': 'readme',
    });
    const base = await repo.head();
    repo.writeFiles({
      'registry/models/fraud/stages.yaml': stages('  production:\n    version: v5\n'),
      'registry/audit/2026/01/20260101T000000Z-a1.yaml': audit('alice'),
      '.github/workflows/gate.yml': 'on: push\n',
    });
    const headSha = await repo.commitAll('promote');
    return { repo, base, headSha };
  }

  it('diffs every file when no paths are given, in a stable order', async () => {
    const { repo, base, headSha } = await fixture();
    const changes = await diffRegistries(gitTreeReader(repo.dir, base), gitTreeReader(repo.dir, headSha), {
      outside: ['.github/workflows/gate.yml'],
    });
    expect(changes.map(describeChange)).toEqual([
      'audit event 20260101T000000Z-a1 recorded',
      'fraud: production v4 → v5',
      '.github/workflows/gate.yml changed (outside the registry)',
    ]);
  });

  it('reads only the given paths on the fast path', async () => {
    const { repo, base, headSha } = await fixture();
    const a = countingReader(gitTreeReader(repo.dir, base));
    const b = countingReader(gitTreeReader(repo.dir, headSha));
    const changes = await diffRegistries(a, b, { paths: ['models/fraud/stages.yaml'] });
    expect(changes).toHaveLength(1);
    expect(a.reads).toEqual(['models/fraud/stages.yaml']);
    expect(b.reads).toEqual(['models/fraud/stages.yaml']);
  });

  it('between refs and against the working tree, splitting off outside paths', async () => {
    const { repo, base, headSha } = await fixture();
    const committed = await registryDiffBetweenRefs(repo.dir, base, headSha);
    expect(committed.outside).toEqual(['.github/workflows/gate.yml']);
    expect(committed.changes.map((c) => c.kind)).toEqual(['audit-appended', 'stage-changed', 'file-changed']);

    repo.writeFiles({ 'registry/models/fraud/versions/v5.yaml': null, 'registry/policy.yaml': policy('state_writes: push\n') });
    const worktree = await registryDiffBetweenRefs(repo.dir, headSha, 'WORKTREE');
    expect(worktree.changes.map(describeChange)).toEqual(['fraud: version v5 removed', 'policy changed (state_writes)']);
    expect(worktree.outside).toEqual([]);
  });

  it('reports a renamed registry file at both paths', async () => {
    const { repo, headSha } = await fixture();
    await repo.git(['mv', 'registry/models/fraud/versions/v5.yaml', 'registry/models/fraud/versions/v6.yaml']);
    const renamed = await repo.commitAll('rename');
    const { changes } = await registryDiffBetweenRefs(repo.dir, headSha, renamed);
    expect(changes.map((c) => c.kind)).toEqual(['version-removed', 'version-added']);
  });

  it('turns a symbolic link in the registry into an unknown file instead of following it', async () => {
    const { repo, headSha } = await fixture();
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': null, 'outside-stages.yaml': stages('  production:\n    version: v9\n') });
    repo.symlink('registry/models/fraud/stages.yaml', '../../../outside-stages.yaml');
    const linked = await repo.commitAll('link');
    const { changes } = await registryDiffBetweenRefs(repo.dir, headSha, linked);
    expect(changes).toContainEqual({ kind: 'unknown-registry-file', path: 'models/fraud/stages.yaml' });
    expect(changes.some((c) => c.kind === 'stage-changed' && c.to === 'v9')).toBe(false);
  });
});
