import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyGateIntegrity } from '../../src/evidence/integrity.ts';
import type { PullRequestRecord, ReviewSource } from '../../src/evidence/reviews.ts';
import {
  buildScenario,
  commit,
  incidentYaml,
  P0,
  makeRepo,
  POLICY,
  removeRepo,
  run,
  stagesYaml,
  type Scenario,
} from './repo.ts';

let s: Scenario;
beforeAll(async () => {
  s = await buildScenario();
});
afterAll(() => removeRepo(s.repo));

const approved = (login: string, at = '2026-01-01T01:30:00Z') => ({
  login,
  state: 'APPROVED',
  commitId: 'x',
  submittedAt: at,
});

function source(prs: Partial<Record<number, PullRequestRecord>>): ReviewSource {
  return { pullRequest: (n) => Promise.resolve(prs[n]) };
}

describe('verifyGateIntegrity from git alone', () => {
  it('flags direct pushes, allows the policy-permitted emergency rollback, and passes merged pull requests', async () => {
    const report = await verifyGateIntegrity(s.repo.dir, { since: s.baseline });
    expect(report.ref).toBe('refs/heads/main');
    expect(report.guardedCommits).toBe(6);
    expect(report.findings.map((f) => [f.sha, f.kind])).toEqual([
      [s.directPush, 'direct-push'],
      [s.badEmergency, 'direct-push'],
      [s.squashNoTrailers, 'direct-push'],
    ]);
    expect(report.findings[0]!.changes).toEqual(['fraud production: v2 -> v3']);
    expect(report.findings[1]!.missing).toContain('P2');
    expect(report.allowed).toEqual([
      expect.objectContaining({
        sha: s.emergency,
        kind: 'emergency-push',
        missing: expect.stringContaining('allowed by policy'),
      }),
    ]);
  });

  it('ignores a stage file rewritten without changing any pointer (parsed YAML, not text)', async () => {
    const repo = await makeRepo();
    try {
      const base = await commit(
        repo,
        {
          'registry/policy.yaml': POLICY,
          'registry/models/m/stages.yaml': stagesYaml('m', { production: 'v1' }),
        },
        'init',
      );
      await commit(
        repo,
        {
          'registry/models/m/stages.yaml': `# reformatted\n${stagesYaml('m', { production: 'v1' }).replace('version: v1', "version: 'v1'")}`,
        },
        'Reformat stages',
      );
      await commit(repo, { 'registry/policy.yaml': `${POLICY}# a comment only\n` }, 'Comment the policy');
      await commit(
        repo,
        { 'registry/policy.yaml': POLICY.replace('[P0, P1]', '[P0, P1, P2]') },
        'Loosen emergency pushes',
      );
      const report = await verifyGateIntegrity(repo.dir, { since: base });
      expect(report.findings.map((f) => [f.subject, f.changes])).toEqual([
        ['Loosen emergency pushes', ['policy.yaml changed']],
      ]);
    } finally {
      removeRepo(repo);
    }
  });

  it('does not let an emergency rollback move a model its incident does not name', async () => {
    const repo = await makeRepo();
    try {
      const base = await commit(
        repo,
        {
          'registry/policy.yaml': POLICY,
          'registry/models/a/stages.yaml': stagesYaml('a', { production: 'v2' }),
          'registry/models/b/stages.yaml': stagesYaml('b', { production: 'v2' }),
          [`registry/incidents/${P0}.yaml`]: incidentYaml(P0, 'P0', 'a'),
        },
        'init',
      );
      const push = await commit(
        repo,
        {
          'registry/models/a/stages.yaml': stagesYaml('a', { production: 'v1' }),
          'registry/models/b/stages.yaml': stagesYaml('b', { production: 'v1' }),
        },
        `Roll back\n\nTollgate-Event: rollback\nIncident: ${P0}`,
      );
      const report = await verifyGateIntegrity(repo.dir, { since: base });
      expect(report.allowed).toEqual([]);
      expect(report.findings).toEqual([
        expect.objectContaining({
          sha: push,
          kind: 'direct-push',
          missing: expect.stringContaining('does not concern b'),
        }),
      ]);
    } finally {
      removeRepo(repo);
    }
  });

  it('allows an emergency push only back to a version that held the stage before, never forward', async () => {
    const repo = await makeRepo();
    try {
      const base = await commit(
        repo,
        {
          'registry/policy.yaml': POLICY,
          'registry/models/a/stages.yaml': stagesYaml('a', { production: 'v1' }),
          [`registry/incidents/${P0}.yaml`]: incidentYaml(P0, 'P0', 'a'),
        },
        'init',
      );
      await commit(
        repo,
        { 'registry/models/a/stages.yaml': stagesYaml('a', { production: 'v2' }) },
        'Promote v2',
      );
      const message = `Roll back\n\nTollgate-Event: rollback\nIncident: ${P0}`;
      const back = await commit(
        repo,
        { 'registry/models/a/stages.yaml': stagesYaml('a', { production: 'v1' }) },
        message,
      );
      // Dressed as a rollback for the same P0, but v9 never served production: a promotion without the gate.
      const forward = await commit(
        repo,
        { 'registry/models/a/stages.yaml': stagesYaml('a', { production: 'v9' }) },
        message,
      );
      const report = await verifyGateIntegrity(repo.dir, { since: base });
      expect(report.allowed.map((f) => f.sha)).toEqual([back]);
      expect(report.findings.map((f) => [f.sha, f.kind, f.missing])).toEqual([
        [expect.any(String), 'direct-push', expect.stringContaining('a merged pull request')],
        [
          forward,
          'direct-push',
          'a pull request: a production -> v9 is no rollback (v9 never held production before), and an emergency push may only go back to a version that did',
        ],
      ]);
    } finally {
      removeRepo(repo);
    }
  });

  it('reads a revision that looks like an option as a (missing) revision, never as an option', async () => {
    const out = join(s.repo.dir, 'written-by-git');
    const report = await verifyGateIntegrity(s.repo.dir, { since: `--output=${out}` });
    expect(report.findings[0]).toMatchObject({ kind: 'baseline-missing' });
    expect(existsSync(out)).toBe(false);
    await expect(verifyGateIntegrity(s.repo.dir, { ref: '-p' })).rejects.toThrow(/-p is not a commit/);
  });

  it('reports a force-pushed branch whose baseline is no longer an ancestor', async () => {
    const repo = await makeRepo();
    try {
      await commit(repo, { 'registry/models/m/stages.yaml': stagesYaml('m', { production: 'v1' }) }, 'init');
      const trusted = await commit(
        repo,
        { 'registry/models/m/stages.yaml': stagesYaml('m', { production: 'v2' }) },
        'Merged earlier',
      );
      await run(repo, ['reset', '-q', '--hard', 'HEAD~1']);
      const rewritten = await commit(
        repo,
        { 'registry/models/m/stages.yaml': stagesYaml('m', { production: 'v9' }) },
        'Rewritten history',
      );
      const report = await verifyGateIntegrity(repo.dir, { since: trusted });
      expect(report.findings.map((f) => [f.sha, f.kind])).toEqual([
        [trusted, 'history-rewritten'],
        [rewritten, 'direct-push'],
      ]);
      const missing = await verifyGateIntegrity(repo.dir, { since: 'f'.repeat(40) });
      expect(missing.findings[0]!.kind).toBe('baseline-missing');
    } finally {
      removeRepo(repo);
    }
  });
});

describe('verifyGateIntegrity with a ReviewSource', () => {
  const good = (n: number, mergedAt: string, headSha: string): PullRequestRecord => ({
    number: n,
    title: `PR ${n}`,
    author: 'alice',
    mergedAt,
    mergedBy: 'alice',
    reviews: [approved('rita')],
    gateCheck: { conclusion: 'success', completedAt: '2026-01-01T01:00:00Z', headSha },
  });

  it('passes pull requests whose check passed on the merged head before the merge, with approvals', async () => {
    const reviews = source({
      2: good(2, '2026-01-01T04:00:00Z', s.pr2.head),
      3: good(3, '2026-01-01T05:00:00Z', 'squash-head'),
    });
    const report = await verifyGateIntegrity(s.repo.dir, { since: s.baseline, reviews });
    expect(report.findings.filter((f) => f.pullRequest !== undefined)).toEqual([]);
    const named = source({
      2: { ...good(2, '2026-01-01T04:00:00Z', s.pr2.head), mergeCommitSha: s.pr2.merge },
      3: { ...good(3, '2026-01-01T05:00:00Z', 'squash-head'), mergeCommitSha: s.squash3 },
    });
    const same = await verifyGateIntegrity(s.repo.dir, { since: s.baseline, reviews: named });
    expect(same.findings.filter((f) => f.pullRequest !== undefined)).toEqual([]);
  });

  it('flags each way a pull request can miss the gate', async () => {
    const base = good(2, '2026-01-01T04:00:00Z', s.pr2.head);
    const cases: [PullRequestRecord | undefined, string][] = [
      [undefined, 'pr-not-found'],
      [{ ...base, mergedAt: undefined }, 'pr-not-merged'],
      [{ ...base, gateCheck: undefined }, 'gate-check-missing'],
      [{ ...base, gateCheck: { ...base.gateCheck!, conclusion: 'failure' } }, 'gate-check-failed'],
      [
        { ...base, gateCheck: { ...base.gateCheck!, completedAt: '2026-01-01T04:05:00Z' } },
        'merged-before-check',
      ],
      [{ ...base, gateCheck: { ...base.gateCheck!, headSha: 'f'.repeat(40) } }, 'gate-check-other-commit'],
      [{ ...base, reviews: [approved('alice')] }, 'approvals-missing'],
      // An approval given after the merge did not let the change in.
      [{ ...base, reviews: [approved('rita', '2026-01-01T04:30:00Z')] }, 'approvals-missing'],
      // GitHub merged #2 as another commit: this one only copies its subject (or history was rewritten).
      [{ ...base, mergeCommitSha: 'e'.repeat(40) }, 'merge-commit-differs'],
      [
        {
          ...base,
          reviews: [approved('rita'), { ...approved('rita', '2026-01-01T02:00:00Z'), state: 'DISMISSED' }],
        },
        'approvals-missing',
      ],
    ];
    for (const [pr, kind] of cases) {
      const reviews = source({ ...(pr ? { 2: pr } : {}), 3: good(3, '2026-01-01T05:00:00Z', 'x') });
      const report = await verifyGateIntegrity(s.repo.dir, { since: s.baseline, reviews });
      const found = report.findings.filter((f) => f.pullRequest === 2);
      expect(
        found.map((f) => f.kind),
        kind,
      ).toEqual([kind]);
      expect(found[0]!.sha).toBe(s.pr2.merge);
    }
  });

  it('judges the check run that stood at the merge, not a re-run after it', async () => {
    const base = good(2, '2026-01-01T04:00:00Z', s.pr2.head);
    const run = (conclusion: string, completedAt: string) => ({
      conclusion,
      completedAt,
      headSha: s.pr2.head,
    });
    const cases: [PullRequestRecord['gateChecks'], string[]][] = [
      // Passed before the merge; a review afterwards re-ran the gate, which then failed: the merge was fine.
      [[run('failure', '2026-01-01T06:00:00Z'), run('success', '2026-01-01T03:00:00Z')], []],
      // Failed at the merge (an admin merged over it); passing afterwards does not excuse it.
      [
        [run('success', '2026-01-01T06:00:00Z'), run('failure', '2026-01-01T03:00:00Z')],
        ['gate-check-failed'],
      ],
      // Failed, then passed before the merge.
      [[run('success', '2026-01-01T03:30:00Z'), run('failure', '2026-01-01T03:00:00Z')], []],
      // Still running at the merge.
      [[{ conclusion: null, headSha: s.pr2.head }], ['merged-before-check']],
    ];
    for (const [gateChecks, kinds] of cases) {
      const pr = { ...base, gateCheck: gateChecks![0], gateChecks };
      const reviews = source({ 2: pr, 3: good(3, '2026-01-01T05:00:00Z', 'x') });
      const report = await verifyGateIntegrity(s.repo.dir, { since: s.baseline, reviews });
      expect(
        report.findings.filter((f) => f.pullRequest === 2).map((f) => f.kind),
        JSON.stringify(gateChecks),
      ).toEqual(kinds);
    }
  });

  it('names the check that finished after the merge', async () => {
    const pr = good(2, '2026-01-01T04:00:00Z', s.pr2.head);
    pr.gateCheck!.completedAt = '2026-01-01T04:05:00Z';
    const report = await verifyGateIntegrity(s.repo.dir, {
      since: s.baseline,
      reviews: source({ 2: pr, 3: good(3, '2026-01-01T05:00:00Z', 'x') }),
    });
    expect(report.findings.find((f) => f.pullRequest === 2)!.missing).toContain(
      'merged before the check finished',
    );
  });
});
