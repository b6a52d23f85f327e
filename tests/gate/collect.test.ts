// collectGateFacts on real git history: what the base decides, what the head may only show as data.
import { afterAll, describe, expect, it } from 'vitest';
import { collectGateFacts, loginFromEmail, type GateFacts } from '../../src/gate/collect.ts';
import { evaluateGate } from '../../src/gate/evaluate.ts';
import { cleanupRepos, makeBareRemote, makeRepo } from '../git/repo-fixture.ts';

afterAll(cleanupRepos);

const POLICY = `apiVersion: tollgate/v1
kind: Policy
roles:
  risk: { users: [rita] }
  policy-owner: { users: [paula] }
signoff:
  rules:
    - { name: production, change: stage-changed, stage: production, require: [risk, model-owner] }
    - { name: new model, change: model-added, require: [risk] }
`;
const model = (name: string, owner: string) =>
  `apiVersion: tollgate/v1\nkind: Model\nname: ${name}\nowners:\n  users: [${owner}]\n`;
const stages = (name: string, production: string) =>
  `apiVersion: tollgate/v1\nkind: Stages\nmodel: ${name}\nstages:\n  production:\n    version: ${production}\n`;

const version = (id: string, auc: number, held = '') =>
  `apiVersion: tollgate/v1\nkind: ModelVersion\nid: ${id}\nmodel: fraud\ncreated_at: '2026-11-01T00:00:00Z'\n` +
  `source: { commit: ${'c'.repeat(40)} }\nartifact: { uri: 's3://m/${id}', sha256: ${'d'.repeat(64)}, size: 1 }\n` +
  `metrics: { auc: ${auc} }\nvalidation: { passed: true, gates: [] }\n${held}`;

async function baseRepo() {
  const repo = await makeRepo({
    'registry/policy.yaml': POLICY,
    'registry/models/fraud/model.yaml': model('fraud', 'alice'),
    'registry/models/fraud/stages.yaml': stages('fraud', 'v3'),
  });
  repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('fraud', 'v4') });
  await repo.commitAll('Promote fraud v4');
  return repo;
}

describe('collectGateFacts', () => {
  it('takes the policy and owners from the base, however the head rewrites them', async () => {
    const repo = await baseRepo();
    const base = await repo.head();
    await repo.git(['checkout', '--quiet', '-b', 'pr']);
    repo.writeFiles({
      'registry/policy.yaml': POLICY.replace('require: [risk, model-owner]', 'require: []'),
      'registry/models/fraud/model.yaml': model('fraud', 'mallory'),
      'registry/models/newbie/model.yaml': model('newbie', 'nina'),
    });
    await repo.commitAll('Loosen\n\nRequested-By: @eve\n', {
      author: { name: 'Mallory', email: '123+mallory@users.noreply.github.com' },
    });
    const facts = await collectGateFacts(repo.dir, { baseSha: base, headSha: await repo.head() });
    expect(facts.policy.signoff.rules[0]!.require).toEqual(['risk', 'model-owner']);
    expect(facts.changes.map((c) => c.kind)).toEqual(['model-changed', 'model-added', 'policy-changed']);
    expect(facts.models).toEqual({
      fraud: { owners: { users: ['alice'] } },
      newbie: { owners: { users: ['nina'] }, new: true },
    });
    expect(facts.requestedBy).toEqual(['eve']);
    expect(facts.commitAuthorLogins).toEqual(['mallory']);
  });

  it('diffs from the fork point, knows past production versions, and which commits share the head registry', async () => {
    const repo = await baseRepo();
    const fork = await repo.head();
    await repo.git(['checkout', '--quiet', '-b', 'pr']);
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('fraud', 'v3') });
    const rollback = await repo.commitAll('Roll back fraud to v3');
    repo.writeFiles({ 'README.md': 'notes\n' });
    const head = await repo.commitAll('Docs only');
    // The base moves on after the fork; its own later changes are not the pull request's.
    await repo.git(['checkout', '--quiet', 'main']);
    repo.writeFiles({ 'registry/models/other/model.yaml': model('other', 'olga') });
    const base = await repo.commitAll('Add other');

    const facts = await collectGateFacts(repo.dir, { baseSha: base, headSha: head, reviewedCommits: [fork] });
    expect(facts.mergeBase).toBe(fork);
    expect(facts.changes).toEqual([
      expect.objectContaining({ kind: 'stage-changed', model: 'fraud', from: 'v4', to: 'v3' }),
      { kind: 'file-changed', path: 'README.md' },
    ]);
    expect(facts.stageHistory).toEqual({ fraud: { production: ['v3', 'v4'] } });
    expect([...facts.registryUnchangedSince].sort()).toEqual([rollback, head].sort());
  });

  it('blocks a pointer only an intermediate commit sets: merged by rebase it would pass for a rollback target', async () => {
    const verdictOf = (facts: GateFacts, approvers: string[]) =>
      evaluateGate({
        policy: facts.policy,
        changes: facts.changes,
        models: facts.models,
        pullRequest: {
          number: 1,
          author: 'mallory',
          headSha: facts.headSha,
          baseRef: 'main',
          requestedBy: [],
          commitAuthors: ['mallory'],
        },
        reviews: approvers.map((login) => ({
          login,
          state: 'APPROVED' as const,
          commitId: facts.headSha,
          submittedAt: '2026-11-20T10:00:00Z',
        })),
        memberships: {},
        permissions: { alice: 'write', rita: 'write' },
        stageHistory: facts.stageHistory,
        versions: facts.versions,
        transientPointers: facts.transientPointers,
      });
    const repo = await baseRepo();
    const base = await repo.head();
    await repo.git(['checkout', '--quiet', '-b', 'flash']);
    repo.writeFiles({
      'registry/models/fraud/versions/v9.yaml': version('v9', 0.5),
      'registry/models/fraud/stages.yaml': stages('fraud', 'v9'),
    });
    const flash = await repo.commitAll('Add v9 (and point production at it for a moment)');
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('fraud', 'v4') });
    const head = await repo.commitAll('Point production back at v4');

    // The net diff only adds a version (the model owner's sign-off); the commit in between is what blocks.
    const facts = await collectGateFacts(repo.dir, { baseSha: base, headSha: head });
    expect(facts.changes.map((c) => c.kind)).toEqual(['version-added']);
    expect(facts.transientPointers).toEqual([
      { commit: flash, model: 'fraud', stage: 'production', version: 'v9' },
    ]);
    const verdict = verdictOf(facts, ['alice']);
    expect(verdict.conclusion).toBe('failure');
    expect(verdict.blocking).toContainEqual(
      expect.stringMatching(/^fraud: commit \w{7} points production at v9.*fix: squash the commits/),
    );

    // Why: had it merged by rebase, v9 would be in production's history, and moving production to it would need
    // only the rollback rule instead of the production promotion's sign-offs.
    await repo.git(['checkout', '--quiet', 'main']);
    await repo.git(['merge', '--quiet', '--ff-only', 'flash']);
    await repo.git(['checkout', '--quiet', '-b', 'rollback']);
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('fraud', 'v9') });
    const sneak = await repo.commitAll('"Roll back" to v9');
    const later = await collectGateFacts(repo.dir, { baseSha: head, headSha: sneak });
    expect(later.stageHistory.fraud?.production).toContain('v9');

    // A version that held the stage on the base is no transient: a multi-commit revert passes through it freely.
    await repo.git(['checkout', '--quiet', '-b', 'revert', base]);
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('fraud', 'v3') });
    await repo.commitAll('Revert to v3');
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('fraud', 'v4') });
    const back = await repo.commitAll('Revert to v4');
    const revert = await collectGateFacts(repo.dir, { baseSha: base, headSha: back });
    expect(revert.transientPointers).toEqual([]);
    expect(verdictOf(revert, []).blocking).toEqual([]);
  });

  it('marks a target version trained from a commit the base does not reach, and the gate refuses it', async () => {
    const repo = await baseRepo();
    const base = await repo.head();
    await repo.git(['checkout', '--quiet', '-b', 'experiment']);
    repo.writeFiles({ 'train.py': 'print("unreviewed")\n' });
    const trained = await repo.commitAll('Train with unreviewed code');
    await repo.git(['checkout', '--quiet', '-b', 'pr', base]);
    const staging = (v: string) =>
      `apiVersion: tollgate/v1\nkind: Stages\nmodel: fraud\nstages:\n  staging:\n    version: ${v}\n  production:\n    version: v4\n`;
    const v9 = (source: string) =>
      version('v9', 0.9).replace(`commit: ${'c'.repeat(40)}`, `commit: ${source}`);
    repo.writeFiles({
      'registry/models/fraud/versions/v9.yaml': v9(trained),
      'registry/models/fraud/stages.yaml': staging('v9'),
    });
    const head = await repo.commitAll('Stage v9');
    const facts = await collectGateFacts(repo.dir, { baseSha: base, headSha: head });
    expect(facts.versions.fraud?.v9).toMatchObject({ valid: true, sourceOffBase: trained });
    const verdict = evaluateGate({
      policy: facts.policy,
      changes: facts.changes,
      models: facts.models,
      pullRequest: {
        number: 1,
        author: 'mallory',
        headSha: head,
        baseRef: 'main',
        requestedBy: [],
        commitAuthors: [],
      },
      reviews: [],
      memberships: {},
      permissions: {},
      stageHistory: facts.stageHistory,
      versions: facts.versions,
    });
    expect(verdict.blocking).toContainEqual(
      expect.stringMatching(
        /^fraud: staging → v9: version v9 was trained from commit \w{12}, which is not on main/,
      ),
    );

    // Trained from the base: nothing to refuse. A commit this clone lacks ('c'*40 elsewhere) cannot be judged.
    repo.writeFiles({ 'registry/models/fraud/versions/v9.yaml': v9(base) });
    const fixed = await repo.commitAll('Retrain v9 on main');
    const again = await collectGateFacts(repo.dir, { baseSha: base, headSha: fixed });
    expect(again.versions.fraud?.v9).not.toHaveProperty('sourceOffBase');
  });

  it('fails closed on an invalid base policy and on a shallow clone', async () => {
    const repo = await baseRepo();
    repo.writeFiles({ 'registry/policy.yaml': 'apiVersion: tollgate/v1\nkind: Policy\nroles: 7\n' });
    const broken = await repo.commitAll('Break the policy');
    await expect(collectGateFacts(repo.dir, { baseSha: broken, headSha: broken })).rejects.toThrow(
      /policy\.yaml .* is invalid/,
    );

    const remote = await makeBareRemote(repo);
    const shallow = await remote.clone({ depth: 1 });
    const head = await shallow.head();
    await expect(collectGateFacts(shallow.dir, { baseSha: head, headSha: head })).rejects.toThrow(/shallow/);
  });

  it('reads each target version from the head, its hold from either side, and model gates from the base', async () => {
    const repo = await baseRepo();
    repo.writeFiles({
      'registry/models/fraud/model.yaml': `${model('fraud', 'alice')}gates:\n  - { metric: auc, op: '>=', threshold: 0.9 }\n`,
      'registry/models/fraud/versions/v5.yaml': version('v5', 0.95),
    });
    await repo.commitAll('Record v5');
    await repo.git(['checkout', '--quiet', '-b', 'pr']);
    repo.writeFiles({
      'registry/models/fraud/stages.yaml': stages('fraud', 'v5'),
      'registry/models/fraud/model.yaml': model('fraud', 'alice'),
    });
    const head = await repo.commitAll(
      'Promote v5\n\nCo-authored-by: Rita <7+rita@users.noreply.github.com>\n',
    );
    await repo.git(['checkout', '--quiet', 'main']);
    repo.writeFiles({
      'registry/models/fraud/versions/v5.yaml': version(
        'v5',
        0.95,
        "held: { reason: INC-1, at: '2026-11-02T00:00:00Z', by: ops }\n",
      ),
    });
    const base = await repo.commitAll('Hold v5');
    const facts = await collectGateFacts(repo.dir, { baseSha: base, headSha: head });
    expect(facts.versions).toEqual({
      fraud: { v5: { valid: true, metrics: { auc: 0.95 }, passed: true, held: 'on the base branch: INC-1' } },
    });
    expect(facts.models.fraud!.gates).toEqual([{ metric: 'auc', op: '>=', threshold: 0.9 }]);
    // A co-author named by trailer wrote part of the pull request: their approval must not count.
    expect(facts.commitAuthorLogins).toEqual(['rita']);
  });

  it('treats a target version deleted on the base since the fork as missing, unless the pull request adds it', async () => {
    const repo = await baseRepo();
    repo.writeFiles({ 'registry/models/fraud/versions/v5.yaml': version('v5', 0.95) });
    const fork = await repo.commitAll('Record v5');
    await repo.git(['checkout', '--quiet', '-b', 'pr']);
    repo.writeFiles({ 'registry/models/fraud/stages.yaml': stages('fraud', 'v5') });
    const head = await repo.commitAll('Promote v5');
    await repo.git(['checkout', '--quiet', 'main']);
    await repo.git(['rm', '--quiet', 'registry/models/fraud/versions/v5.yaml']);
    const base = await repo.commitAll('Remove v5');
    expect(fork).not.toBe(base);
    const facts = await collectGateFacts(repo.dir, { baseSha: base, headSha: head });
    expect(facts.versions.fraud!.v5!.valid).toBe(false);
  });

  it('reads logins from GitHub noreply addresses only', () => {
    expect(loginFromEmail('123+octo-cat@users.noreply.github.com')).toBe('octo-cat');
    expect(loginFromEmail('octo@users.noreply.github.com')).toBe('octo');
    expect(loginFromEmail('octo@example.com')).toBeUndefined();
  });
});
