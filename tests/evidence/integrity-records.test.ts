// `tollgate audit verify` from git alone: each merge is judged against the gate's merge record where one exists.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { mergeRecordFinding, verifyGateIntegrity } from '../../src/evidence/integrity.ts';
import { recordMergedPullRequest, type GateCheckRunFact } from '../../src/gate/merged.ts';
import type { Requirement } from '../../src/gate/types.ts';
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
let baseline: string;
const merges: Record<number, string> = {};
const work = mkdtempSync(join(tmpdir(), 'tollgate-integrity-records-'));
const M = 'registry/models/fraud';

const signed = (role: string, login: string): Requirement => ({
  rule: 'production promotion',
  role,
  satisfiedBy: { login, at: '2026-01-01T00:30:00Z', commit: 'c'.repeat(40) },
  candidates: [`@${login}`],
});
const unsigned = (role: string): Requirement => ({ rule: 'production promotion', role, candidates: [] });

/** Merges pull request `number` moving production `from` -> `to`, then commits the gate's merge record for it. */
async function promote(
  number: number,
  from: string,
  to: string,
  record?: { requirements: Requirement[]; checkRun?: GateCheckRunFact },
): Promise<void> {
  const pr = await mergePullRequest(
    repo,
    number,
    `promote-${to}`,
    `Promote fraud ${to} to production`,
    { [`${M}/stages.yaml`]: stagesYaml('fraud', { production: to }) },
    `Promote fraud ${to} to production\n\nTollgate-Event: promote\nModel: fraud\nVersion: ${to}\nStage: production`,
  );
  merges[number] = pr.merge;
  if (!record) return;
  const merged = recordMergedPullRequest({
    pull: {
      number,
      title: `Promote fraud ${to} to production`,
      mergeSha: pr.merge,
      mergedAt: `2026-01-01T${String(repo.hour - 1).padStart(2, '0')}:00:00Z`,
      mergedBy: 'admin',
      headSha: pr.head,
    },
    changes: [
      {
        kind: 'stage-changed',
        path: 'models/fraud/stages.yaml',
        model: 'fraud',
        stage: 'production',
        from,
        to,
      },
    ],
    verdict: {
      conclusion: record.requirements.every((r) => r.satisfiedBy) ? 'success' : 'failure',
      title: '',
      requirements: record.requirements,
      blocking: [],
      stateOnly: false,
      changes: [],
    },
    checkName: 'tollgate/signoff',
    ...(record.checkRun ? { checkRun: record.checkRun } : {}),
    commits: [],
    incidents: [],
  });
  await commit(
    repo,
    Object.fromEntries(merged.writes.map((w) => [`registry/${w.path}`, dump(w.document)])),
    `${merged.message}\n\nTollgate-Event: merge-recorded\nModel: fraud\nMerged-Pull-Request: ${number}`,
  );
}

const run = (conclusion: string | null, status = 'completed', completedAt?: string): GateCheckRunFact => ({
  name: 'tollgate/signoff',
  id: 1,
  status,
  conclusion,
  ...(completedAt ? { completedAt } : {}),
});

beforeAll(async () => {
  repo = await makeRepo();
  baseline = await commit(
    repo,
    {
      'registry/policy.yaml': POLICY,
      [`${M}/stages.yaml`]: stagesYaml('fraud', { production: 'v1' }),
      ...Object.fromEntries(
        ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'].map((v) => [
          `${M}/versions/${v}.yaml`,
          versionYaml('fraud', v),
        ]),
      ),
    },
    'Bootstrap the registry',
  );
  // Signed off, check passed before the merge: nothing to say.
  await promote(7, 'v1', 'v2', {
    requirements: [signed('risk', 'rita'), signed('compliance', 'carl')],
    checkRun: run('success', 'completed', '2026-01-01T01:00:00Z'),
  });
  // An administrator merged past a failing check, compliance never signed.
  await promote(8, 'v2', 'v3', {
    requirements: [signed('risk', 'rita'), unsigned('compliance')],
    checkRun: run('failure', 'completed', '2026-01-01T03:00:00Z'),
  });
  // Merged while the check was still running.
  await promote(9, 'v3', 'v4', {
    requirements: [signed('risk', 'rita'), signed('compliance', 'carl')],
    checkRun: run(null, 'in_progress'),
  });
  // No check run at all on the merged head.
  await promote(10, 'v4', 'v5', { requirements: [signed('risk', 'rita'), signed('compliance', 'carl')] });
  // A check that passed, but only after the merge.
  await promote(11, 'v5', 'v6', {
    requirements: [signed('risk', 'rita'), signed('compliance', 'carl')],
    checkRun: run('success', 'completed', '2026-01-02T00:00:00Z'),
  });
  // No record (the gate's post-merge job did not run): git alone cannot say more than "merged".
  await promote(12, 'v6', 'v7');
});
afterAll(() => {
  removeRepo(repo);
  rmSync(work, { recursive: true, force: true });
});

describe('audit verify from git alone, with the gate merge records', () => {
  it('flags the admin merge past a failing check, the merges before the check finished and the one without a check', async () => {
    const report = await verifyGateIntegrity(repo.dir, { since: baseline });
    expect(report.guardedCommits).toBe(6);
    expect(report.findings.map((f) => [f.pullRequest, f.kind, f.sha])).toEqual([
      [8, 'gate-check-failed', merges[8]],
      [9, 'merged-before-check', merges[9]],
      [10, 'gate-check-missing', merges[10]],
      [11, 'merged-before-check', merges[11]],
    ]);
    expect(report.findings[0]!.missing).toMatch(
      /concluded failure\) \(the gate's merge record 20260101T\d{6}Z-pr8-/,
    );
  });

  it('exits 1 on the command line and names each commit and what is missing', async () => {
    let out = '';
    const context: CliContext = {
      cwd: work,
      repoRoot: repo.dir,
      registryDir: join(repo.dir, 'registry'),
      env: {},
      now: () => new Date('2026-02-01T00:00:00Z'),
      out: (t) => (out += `${t}\n`),
      err: () => {},
    };
    const code = await commands
      .find((c) => c.name === 'audit')!
      .run(['verify', '--since', baseline], context);
    expect(code).toBe(1);
    expect(out).toContain('4 finding(s)');
    expect(out).toContain(`gate-check-failed  ${merges[8]!.slice(0, 12)}  Merge pull request #8`);
    expect(out).toContain("each merge against the gate's merge record");
  });
});

describe('mergeRecordFinding', () => {
  const record = (details: Record<string, unknown>) => ({
    apiVersion: 'tollgate/v1' as const,
    kind: 'AuditEvent' as const,
    id: 'r1',
    at: '2026-01-01T02:00:00Z',
    event: 'promotion-merged',
    actor: 'admin',
    details,
  });
  it('passes a completed, successful check with every role signed, and names missing roles otherwise', () => {
    const ok = { status: 'completed', conclusion: 'success', completed_at: '2026-01-01T01:00:00Z' };
    expect(mergeRecordFinding(record({ check_run: ok, gate_verdict: 'success' }))).toBeUndefined();
    expect(
      mergeRecordFinding(record({ check_run: ok, gate_verdict: 'failure', missing_roles: ['risk'] })),
    ).toEqual({
      kind: 'signoffs-missing',
      missing: "sign-offs for risk on the merged head (the gate's merge record r1)",
    });
  });

  it("flags a check run of the gate's name that another App posted, whatever the gate's own run said", () => {
    const ok = { status: 'completed', conclusion: 'success', completed_at: '2026-01-01T01:00:00Z' };
    const forged = [
      { id: 7, app_id: 15368, app_slug: 'github-actions', status: 'completed', conclusion: 'success' },
    ];
    expect(
      mergeRecordFinding(record({ check_run: ok, gate_verdict: 'success', forged_check_runs: forged })),
    ).toEqual({
      kind: 'gate-check-forged',
      missing:
        "only the gate's own check runs on the merged head: run 7 by github-actions (App id 15368): success (the gate's merge record r1)",
    });
  });
});
