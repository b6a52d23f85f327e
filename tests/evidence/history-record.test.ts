// `tollgate history` from git alone: who signed off comes from the gate's merge record (src/gate/merged.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { recordedSignoff, type StageTenure } from '../../src/evidence/history-at.ts';
import { recordMergedPullRequest } from '../../src/gate/merged.ts';
import type { AuditEvent } from '../../src/registry/types.ts';
import {
  commit,
  makeRepo,
  mergePullRequest,
  POLICY,
  removeRepo,
  stagesYaml,
  versionYaml,
  type TestRepo,
} from './repo.ts';

let repo: TestRepo;
let pr7: { head: string; merge: string };
let direct: string;
let record: AuditEvent;
const work = mkdtempSync(join(tmpdir(), 'tollgate-history-record-'));

const M = 'registry/models/fraud';

beforeAll(async () => {
  repo = await makeRepo();
  await commit(
    repo,
    {
      'registry/policy.yaml': POLICY,
      [`${M}/stages.yaml`]: stagesYaml('fraud', { production: 'v1' }),
      [`${M}/versions/v1.yaml`]: versionYaml('fraud', 'v1'),
      [`${M}/versions/v2.yaml`]: versionYaml('fraud', 'v2'),
      [`${M}/versions/v3.yaml`]: versionYaml('fraud', 'v3'),
    },
    'Bootstrap the registry',
  );
  pr7 = await mergePullRequest(
    repo,
    7,
    'promote-fraud-v2',
    'Promote fraud v2 to production',
    { [`${M}/stages.yaml`]: stagesYaml('fraud', { production: 'v2' }) },
    'Promote fraud v2 to production\n\nTollgate-Event: promote\nModel: fraud\nVersion: v2\nStage: production\nRequested-By: alice',
  );
  // What the gate action writes after the merge, built by the gate's own function.
  const merged = recordMergedPullRequest({
    pull: {
      number: 7,
      title: 'Promote fraud v2 to production',
      mergeSha: pr7.merge,
      mergedAt: '2026-01-01T02:00:00Z',
      mergedBy: 'alice',
      headSha: pr7.head,
    },
    changes: [
      {
        kind: 'stage-changed',
        path: 'models/fraud/stages.yaml',
        model: 'fraud',
        stage: 'production',
        from: 'v1',
        to: 'v2',
      },
    ],
    verdict: {
      conclusion: 'success',
      title: 'signed off',
      requirements: [
        {
          rule: 'production promotion',
          role: 'risk',
          satisfiedBy: { login: 'rita', at: '2026-01-01T01:30:00Z', commit: pr7.head },
          candidates: ['@rita'],
        },
        {
          rule: 'production promotion',
          role: 'compliance',
          satisfiedBy: { login: 'carl', at: '2026-01-01T01:40:00Z', commit: pr7.head },
          candidates: ['@carl'],
        },
      ],
      blocking: [],
      stateOnly: false,
      changes: ['model fraud: production v1 -> v2'],
    },
    checkName: 'tollgate/signoff',
    checkRun: { name: 'tollgate/signoff', id: 41, status: 'completed', conclusion: 'success' },
    commits: [],
    incidents: [],
  });
  record = merged.audit[0]!;
  await commit(
    repo,
    Object.fromEntries(merged.writes.map((w) => [`registry/${w.path}`, dump(w.document)])),
    `${merged.message}\n\nTollgate-Event: merge-recorded\nModel: fraud\nMerged-Pull-Request: 7`,
  );
  direct = await commit(
    repo,
    { [`${M}/stages.yaml`]: stagesYaml('fraud', { production: 'v3' }) },
    'Hotfix fraud v3',
  );
});
afterAll(() => {
  removeRepo(repo);
  rmSync(work, { recursive: true, force: true });
});

async function tollgate(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const context: CliContext = {
    cwd: work,
    repoRoot: repo.dir,
    registryDir: join(repo.dir, 'registry'),
    env: {},
    now: () => new Date('2026-02-01T00:00:00Z'),
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
  };
  const [name, ...rest] = args;
  const code = await commands.find((c) => c.name === name)!.run(rest, context);
  return { code, out, err };
}

describe('history from git alone', () => {
  it('names the approvers, their roles and the gate check from the merge record, and nobody for a direct push', async () => {
    const r = await tollgate('history', 'fraud', '--stage', 'production');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[1]).toContain(`${pr7.merge.slice(0, 12)} (pull request #7, approved by`);
    expect(lines[1]).toContain(
      `approved by rita (risk), carl (compliance), gate check success (merge record ${record.id})`,
    );
    expect(lines[2]).toContain(direct.slice(0, 12));
    expect(lines[2]).toContain('(no pull request)');
    expect(lines[2]).not.toContain('approved by');

    const at = JSON.parse(
      (
        await tollgate(
          'history',
          'fraud',
          '--stage',
          'production',
          '--at',
          '2026-01-01T03:30:00Z',
          '--format',
          'json',
        )
      ).out,
    );
    expect(at).toEqual([
      {
        stage: 'production',
        at: '2026-01-01T03:30:00Z',
        holder: expect.objectContaining({
          version: 'v2',
          pullRequest: 7,
          recorded: expect.objectContaining({
            record: record.id,
            event: 'promotion-merged',
            approvers: [
              { role: 'risk', login: 'rita', commit: expect.any(String), at: '2026-01-01T01:30:00Z' },
              { role: 'compliance', login: 'carl', commit: expect.any(String), at: '2026-01-01T01:40:00Z' },
            ],
            missingRoles: [],
            gateCheck: 'success',
          }),
        }),
      },
    ]);
  });
});

describe('evidence export from git alone', () => {
  it('carries the merge record into pull-requests.json and both reports, reviews still marked unknown', async () => {
    const r = await tollgate('evidence', 'export', '--pr', '7', '--out', 'pr7');
    expect(r.code).toBe(0);
    const prs = JSON.parse(readFileSync(join(work, 'pr7', 'pull-requests.json'), 'utf8'));
    expect(prs).toEqual([
      expect.objectContaining({
        number: 7,
        reviewsKnown: false,
        mergeCommit: pr7.merge,
        recorded: [
          expect.objectContaining({
            record: record.id,
            event: 'promotion-merged',
            approvers: [
              { role: 'risk', login: 'rita', commit: expect.any(String), at: '2026-01-01T01:30:00Z' },
              { role: 'compliance', login: 'carl', commit: expect.any(String), at: '2026-01-01T01:40:00Z' },
            ],
            missingRoles: [],
            gateCheck: 'success',
          }),
        ],
      }),
    ]);
    const line = `Recorded at the merge (promotion-merged ${record.id}): approved by rita (risk), carl (compliance); gate check success.`;
    expect(readFileSync(join(work, 'pr7', 'report.html'), 'utf8')).toContain(`<p>${line}</p>`);
    expect(readFileSync(join(work, 'pr7', 'report.md'), 'utf8')).toContain(line);
  });
});

describe('recordedSignoff', () => {
  const tenure: StageTenure = {
    model: 'fraud',
    stage: 'production',
    version: 'v2',
    since: '2026-01-01T02:00:00Z',
    sha: 'a'.repeat(40),
    subject: 'Merge pull request #7',
    pullRequest: 7,
  };
  const event = (over: Partial<AuditEvent>): AuditEvent => ({
    apiVersion: 'tollgate/v1',
    kind: 'AuditEvent',
    id: '20260101T020000Z-pr7-aaaaaaaa-fraud-production',
    at: '2026-01-01T02:00:00Z',
    event: 'promotion-merged',
    actor: 'alice',
    model: 'fraud',
    stage: 'production',
    version: 'v2',
    pull_request: 7,
    commit: 'a'.repeat(40),
    details: {
      approvers: [{ role: 'risk', login: 'rita' }, { login: 42 }],
      missing_roles: ['compliance'],
      check_run: { name: 'tollgate/signoff', conclusion: 'failure' },
    },
    ...over,
  });

  it('matches the merge commit, model, stage and version, and keeps only well-formed approvers', () => {
    expect(recordedSignoff(tenure, [event({})])).toEqual({
      record: '20260101T020000Z-pr7-aaaaaaaa-fraud-production',
      event: 'promotion-merged',
      approvers: [{ role: 'risk', login: 'rita' }],
      missingRoles: ['compliance'],
      gateCheck: 'failure',
      model: 'fraud',
      stage: 'production',
      version: 'v2',
      at: '2026-01-01T02:00:00Z',
      mergedBy: 'alice',
    });
  });

  it('ignores records of another commit, stage, version or kind, and says none when no check run was found', () => {
    for (const other of [
      { commit: 'b'.repeat(40) },
      { stage: 'staging' },
      { version: 'v3' },
      { event: 'schedule-paused' },
    ])
      expect(recordedSignoff(tenure, [event(other)]), JSON.stringify(other)).toBeUndefined();
    expect(
      recordedSignoff(tenure, [event({ details: { approvers: [], check_run: { found: false } } })])
        ?.gateCheck,
    ).toBeNull();
  });
});
