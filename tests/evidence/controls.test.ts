// The control in the bundle: the policy, CODEOWNERS and model owners each stage move was judged by (read from git at
// the landing commit's first parent, kept once per distinct text by SHA-256), who filled each role, and the pull
// request body the reviewers saw — in controls.json, evidence.json, report.md and report.html, and covered by the
// manifest and its signature.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlFile, membershipsOf, pullRequestBody, rolesIn } from '../../src/evidence/controls.ts';
import type { AuditEvent } from '../../src/registry/types.ts';
import type { PullRequestEvidence } from '../../src/evidence/types.ts';
import {
  commit,
  makeRepo,
  mergePullRequest,
  POLICY,
  removeRepo,
  stagesYaml,
  versionYaml,
  type TestRepo,
  runCli,
} from './repo.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const POLICY_2 = POLICY.replace('users: [rita]', 'users: [rita, rhea]');
const CODEOWNERS = 'registry/policy.yaml @paula\n';
const MODEL = 'apiVersion: tollgate/v1\nkind: Model\nname: fraud\nowners:\n  users: [olga]\n';
// Backticks in the body: the Markdown report must fence it so it cannot break out.
const BODY =
  '## Promote fraud v2 to staging\n\n| metric | v1 | v2 |\n| --- | --- | --- |\n| auc | 0.90 | 0.92 |\n\n```js\nx`\n```\n';

const tollgate = (dir: string, env: NodeJS.ProcessEnv, ...args: string[]) =>
  runCli(dir, { env, now: '2026-01-02T00:00:00Z' }, ...args);

describe('the controls of every stage move, from git alone', () => {
  let repo: TestRepo;
  let out: string;
  let firstMerge: string;
  const json = (file: string) => JSON.parse(readFileSync(join(out, file), 'utf8'));

  beforeAll(async () => {
    repo = await makeRepo();
    await commit(
      repo,
      {
        'registry/policy.yaml': POLICY,
        '.github/CODEOWNERS': CODEOWNERS,
        'registry/models/fraud/model.yaml': MODEL,
        'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v1' }),
        'registry/models/fraud/versions/v1.yaml': versionYaml('fraud', 'v1'),
        'registry/models/fraud/versions/v2.yaml': versionYaml('fraud', 'v2'),
        'registry/models/fraud/versions/v3.yaml': versionYaml('fraud', 'v3'),
      },
      'Bootstrap the registry\n\nTollgate-Event: init',
    );
    ({ merge: firstMerge } = await mergePullRequest(
      repo,
      2,
      'tollgate/promote/fraud/staging',
      'Promote fraud v2 to staging',
      { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v2' }) },
      'Promote fraud v2 to staging\n\nTollgate-Event: promote\nModel: fraud\nVersion: v2\nStage: staging\nRequested-By: erin',
    ));
    writeFileSync(join(repo.dir, '..', `${repo.dir.split('/').pop()}-body.md`), BODY);
    const recorded = await tollgate(
      repo.dir,
      {},
      'gate',
      'record-merge',
      '--merge',
      firstMerge,
      '--pr',
      '2',
      '--merged-by',
      'olga',
      '--approve',
      'olga=2026-01-01T01:30:00Z',
      '--body-file',
      join(repo.dir, '..', `${repo.dir.split('/').pop()}-body.md`),
    );
    expect(recorded.code).toBe(0);
    // The policy changes between the two promotions: each move must name the one it was judged by.
    await mergePullRequest(
      repo,
      3,
      'policy-rhea',
      'Add rhea to risk',
      { 'registry/policy.yaml': POLICY_2 },
      'Add rhea to risk',
    );
    await mergePullRequest(
      repo,
      4,
      'tollgate/promote/fraud/staging-v3',
      'Promote fraud v3 to staging',
      { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v3' }) },
      'Promote fraud v3 to staging\n\nTollgate-Event: promote\nModel: fraud\nVersion: v3\nStage: staging\nRequested-By: erin',
    );
    out = join(repo.dir, 'out');
    const exported = await tollgate(repo.dir, {}, 'evidence', 'export', '--model', 'fraud', '--out', out);
    expect(exported.code).toBe(0);
  });
  afterAll(() => {
    rmSync(join(repo.dir, '..', `${repo.dir.split('/').pop()}-body.md`), { force: true });
    removeRepo(repo);
  });

  it('names the policy version (by SHA-256) each promotion was judged by, and keeps each text once', () => {
    const controls = json('controls.json');
    const moves = controls.promotions.map((p: { version: string; pullRequest?: number; policy: string }) => [
      p.version,
      p.pullRequest,
      p.policy,
    ]);
    expect(moves).toEqual([
      ['v1', undefined, sha(POLICY)],
      ['v2', 2, sha(POLICY)],
      ['v3', 4, sha(POLICY_2)],
    ]);
    const v2 = controls.promotions[1];
    expect(v2).toMatchObject({
      from: 'v1',
      commit: firstMerge,
      codeowners: { path: '.github/CODEOWNERS', sha256: sha(CODEOWNERS) },
      modelFile: sha(MODEL),
    });
    expect(v2.rulesReadAt).not.toBe(firstMerge);
    expect(v2.roles).toEqual([
      { role: 'risk', users: ['rita'], teams: [] },
      { role: 'compliance', users: ['carl'], teams: [] },
      { role: 'model-owner', users: ['olga'], teams: [] },
    ]);
    const policies = controls.documents.filter((d: { kind: string }) => d.kind === 'policy');
    expect(policies.map((d: { sha256: string }) => d.sha256)).toEqual([sha(POLICY), sha(POLICY_2)]);
    for (const [text, file] of [
      [POLICY, controlFile('policy', sha(POLICY))],
      [POLICY_2, controlFile('policy', sha(POLICY_2))],
      [CODEOWNERS, controlFile('codeowners', sha(CODEOWNERS))],
      [MODEL, controlFile('model', sha(MODEL))],
    ] as const)
      expect(readFileSync(join(out, file), 'utf8')).toBe(text);
    // Texts are files of their own, not repeated in the JSON.
    expect(JSON.stringify(controls)).not.toContain('emergency_push');
    expect(json('evidence.json').controls.promotions).toHaveLength(3);
  });

  it('reads the rules for a period export too, where the landing commit may lie outside the trail', async () => {
    const window = join(repo.dir, 'window');
    const r = await tollgate(
      repo.dir,
      {},
      'evidence',
      'export',
      '--since',
      '2026-01-01T05:30:00Z',
      '--until',
      '2026-01-01T07:00:00Z',
      '--out',
      window,
    );
    expect(r.code).toBe(0);
    const controls = JSON.parse(readFileSync(join(window, 'controls.json'), 'utf8'));
    expect(
      controls.promotions.map((p: { version: string; policy?: string }) => [p.version, p.policy]),
    ).toEqual([
      // v2 landed before the period (its commit is not in the trail): its rules are read at `<sha>^1`.
      ['v2', sha(POLICY)],
      ['v3', sha(POLICY_2)],
    ]);
  });

  it('says who filled each role, from the merge record, and how (listed by name)', () => {
    const v2 = json('controls.json').promotions[1];
    expect(v2.memberships).toEqual([
      {
        login: 'olga',
        role: 'model-owner (fraud)',
        via: 'listed by name',
        source: expect.stringMatching(/^merge record .*-pr2-/),
      },
    ]);
    expect(json('controls.json').promotions[2].memberships).toEqual([]);
  });

  it('gate record-merge refuses a --body-file it cannot read, before writing anything', async () => {
    const args = ['gate', 'record-merge', '--merge', firstMerge, '--pr', '2', '--merged-by', 'olga'];
    await expect(tollgate(repo.dir, {}, ...args, '--body-file', 'no-such.md')).rejects.toMatchObject({
      message: expect.stringContaining('cannot read --body-file no-such.md'),
      kind: 'usage',
    });
  });

  it('keeps the body the reviewers saw from the merge record, with its digest, and says when none was kept', () => {
    const prs = json('pull-requests.json') as PullRequestEvidence[];
    const two = prs.find((p) => p.number === 2)!;
    expect(two.body).toEqual({
      sha256: sha(BODY),
      source: 'merge record',
      record: expect.stringMatching(/-pr2-/),
      file: controlFile('pr-body', sha(BODY)),
    });
    expect(readFileSync(join(out, two.body!.file), 'utf8')).toBe(BODY);
    expect(prs.find((p) => p.number === 4)!.body).toBeUndefined();
    expect(json('controls.json').promotions[1].body).toBe(sha(BODY));
  });

  it('shows the controls in report.md and report.html', () => {
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Controls in force');
    expect(md).toContain(`sha256 ${sha(POLICY).slice(0, 12)}`);
    expect(md).toContain(`sha256 ${sha(POLICY_2).slice(0, 12)}`);
    expect(md).toContain(
      `policy registry/policy.yaml sha256 ${sha(POLICY_2)}: ${controlFile('policy', sha(POLICY_2))}; governed fraud staging v3 (#4)`,
    );
    expect(md).toContain(`.github/CODEOWNERS sha256 ${sha(CODEOWNERS).slice(0, 12)}`);
    expect(md).toContain('olga as model-owner (fraud), listed by name');
    // The body, fenced with more backticks than it holds.
    expect(md).toContain(`\`\`\`\`text\n${BODY.trimEnd()}\n\`\`\`\``);
    expect(md).toContain('Description the reviewers saw: not recorded');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2 id="controls">Controls in force</h2>');
    expect(html).toContain(`sha256 ${sha(POLICY_2).slice(0, 12)}`);
    expect(html).toContain('<details class="body"><summary>Description the reviewers saw (merge record');
    expect(html).toContain('| auc | 0.90 | 0.92 |');
    expect(html).toContain(`<pre>${BODY}</pre></details>`);
  });

  it('is covered by the manifest and its signature: evidence verify names a changed or missing control file', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = join(repo.dir, '..', `${repo.dir.split('/').pop()}.pem`);
    const pub = `${key}.pub`;
    writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    try {
      const signed = join(repo.dir, 'signed');
      expect(
        (
          await tollgate(
            repo.dir,
            {},
            'evidence',
            'export',
            '--model',
            'fraud',
            '--out',
            signed,
            '--sign-key',
            key,
          )
        ).code,
      ).toBe(0);
      const manifest = JSON.parse(readFileSync(join(signed, 'manifest.json'), 'utf8'));
      const listed = manifest.files.map((f: { path: string }) => f.path);
      const policyFile = controlFile('policy', sha(POLICY));
      const bodyFile = controlFile('pr-body', sha(BODY));
      expect(listed).toEqual(expect.arrayContaining(['controls.json', policyFile, bodyFile]));
      expect((await tollgate(repo.dir, {}, 'evidence', 'verify', signed, '--public-key', pub)).code).toBe(0);

      // A loosened policy put in place of the one that governed: named, exit 1.
      writeFileSync(join(signed, policyFile), POLICY.replace('users: [rita]', 'users: [rita, mallory]'));
      rmSync(join(signed, bodyFile));
      const changed = await tollgate(repo.dir, {}, 'evidence', 'verify', signed, '--public-key', pub);
      expect(changed.code).toBe(1);
      expect(changed.out).toMatch(new RegExp(`changed +${policyFile}`));
      expect(changed.out).toMatch(new RegExp(`missing +${bodyFile}`));

      // The manifest rewritten to match: its signature no longer does.
      const text = readFileSync(join(signed, policyFile));
      for (const f of manifest.files)
        if (f.path === policyFile)
          Object.assign(f, { sha256: createHash('sha256').update(text).digest('hex'), size: text.length });
      writeFileSync(join(signed, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      const forged = await tollgate(repo.dir, {}, 'evidence', 'verify', signed, '--public-key', pub);
      expect(forged.code).toBe(1);
      expect(forged.out).toMatch(/signature/);
    } finally {
      rmSync(key, { force: true });
      rmSync(pub, { force: true });
    }
  });
});

describe('pure parts', () => {
  const record = (details: Record<string, unknown>): AuditEvent => ({
    apiVersion: 'tollgate/v1',
    kind: 'AuditEvent',
    id: '20260101T000000Z-pr2-abcdef12-fraud-staging',
    at: '2026-01-01T00:00:00Z',
    event: 'promotion-merged',
    actor: 'olga',
    details,
  });

  it("pullRequestBody: the record's text, checked against its digest and GitHub's text; else GitHub's; else none", () => {
    expect(pullRequestBody([record({ body: 'a', body_sha256: sha('a') })], 'a')).toEqual({
      body: {
        sha256: sha('a'),
        source: 'merge record',
        record: '20260101T000000Z-pr2-abcdef12-fraud-staging',
        text: 'a',
        file: controlFile('pr-body', sha('a')),
      },
      warnings: [],
    });
    const edited = pullRequestBody([record({ body: 'a', body_sha256: sha('a') })], 'b');
    expect(edited.body?.note).toBe('the description on GitHub differs now: it was edited after the merge');
    const forged = pullRequestBody([record({ body: 'loosened', body_sha256: sha('a') })], undefined);
    expect(forged.body?.note).toMatch(/the record was edited/);
    expect(forged.warnings).toEqual([
      'merge record 20260101T000000Z-pr2-abcdef12-fraud-staging: the pull request body does not match its recorded digest',
    ]);
    expect(pullRequestBody([record({})], 'b').body).toMatchObject({ source: 'github', sha256: sha('b') });
    expect(pullRequestBody([record({})], undefined)).toEqual({ warnings: [] });
  });

  it('rolesIn reads names only, so a malformed file gives no roles rather than an error', () => {
    expect(rolesIn('roles: {risk: {users: [rita, 3], teams: acme/x}}', 'owners: {teams: [acme/ml]}')).toEqual(
      [
        { role: 'risk', users: ['rita'], teams: [] },
        { role: 'model-owner', users: [], teams: ['acme/ml'] },
      ],
    );
    expect(rolesIn(': not yaml', undefined)).toEqual([]);
  });

  it("membershipsOf: a recorded approver held the role by name or through the role's teams; GitHub's answers once each", () => {
    const pr: PullRequestEvidence = {
      number: 1,
      found: true,
      reviewsKnown: true,
      reviews: [
        {
          reviewer: 'carol',
          roles: ['compliance'],
          state: 'COMMENTED',
          commit: 'c',
          at: 't',
          teams: [{ team: 'acme/compliance', state: 'active' }],
        },
        {
          reviewer: 'carol',
          roles: ['compliance'],
          state: 'APPROVED',
          commit: 'c',
          at: 't',
          teams: [{ team: 'acme/compliance', state: 'active' }],
        },
      ],
      recorded: [
        {
          record: 'r1',
          event: 'promotion-merged',
          approvers: [
            { role: 'compliance', login: 'carol' },
            { role: 'risk', login: 'rita' },
          ],
          missingRoles: [],
          gateCheck: 'success',
          model: 'fraud',
          stage: 'production',
        },
      ],
    };
    const roles = [
      { role: 'compliance', users: [], teams: ['acme/compliance'] },
      { role: 'risk', users: ['rita'], teams: [] },
    ];
    expect(membershipsOf(pr, { model: 'fraud', stage: 'production' }, roles)).toEqual([
      { login: 'carol', role: 'compliance', via: 'a team of acme/compliance', source: 'merge record r1' },
      { login: 'rita', role: 'risk', via: 'listed by name', source: 'merge record r1' },
      { login: 'carol', team: 'acme/compliance', state: 'active', source: 'GitHub at export time' },
    ]);
  });
});
