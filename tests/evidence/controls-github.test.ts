// `evidence export` with a token: reviews, team answers and descriptions come from GitHub (the double, through the
// project's Octokit client) and are merged with the gate's merge records in git — agreeing or not.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { auditPath } from '../../src/registry/paths.ts';
import type { PromotionControl, PullRequestEvidence } from '../../src/evidence/types.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { buildGitHubScenario, FULL, promotionBody, type GitHubScenario } from './github-fixture.ts';
import { runCli } from './repo.ts';

const gh = useGitHubDouble();
let s: GitHubScenario | undefined;
afterEach(() => s?.cleanup());

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const tollgate = (dir: string, env: NodeJS.ProcessEnv, ...args: string[]) =>
  runCli(dir, { env, now: '2026-02-01T00:00:00Z' }, ...args);

describe('evidence export with a token', () => {
  it("merges GitHub's reviews with the merge record, names a disagreement, and notices a body edited after the merge", async () => {
    s = await buildGitHubScenario(gh);
    const body = promotionBody('fraud-detector', 'v5');
    const pull = gh.state.pull(FULL, s.passed.number);
    const id = `20260101T000000Z-pr${s.passed.number}-${s.passed.merge.slice(0, 8)}-fraud-detector-production`;
    // The gate's merge record, as it would have been written: it counts mallory, whom GitHub shows no review from.
    await gh.state.commit(
      FULL,
      'main',
      {
        [`registry/${auditPath(id)}`]: dump({
          apiVersion: 'tollgate/v1',
          kind: 'AuditEvent',
          id,
          at: pull.mergedAt,
          event: 'promotion-merged',
          actor: 'maya',
          model: 'fraud-detector',
          version: 'v5',
          stage: 'production',
          pull_request: s.passed.number,
          commit: s.passed.merge,
          details: {
            title: pull.title,
            head: s.passed.head,
            body_sha256: sha(body),
            body,
            from_version: 'v4',
            requested_by: ['dana'],
            approvers: [
              { role: 'risk', login: 'rita-risk', commit: s.passed.head, at: pull.mergedAt },
              { role: 'compliance', login: 'carol', commit: s.passed.head, at: pull.mergedAt },
              { role: 'model-owner', login: 'mallory', commit: s.passed.head, at: pull.mergedAt },
            ],
            gate_verdict: 'success',
            check_run: { name: 'tollgate/signoff', id: 1, conclusion: 'success' },
          },
        }),
      },
      `Record merge of pull request #${s.passed.number}\n\nTollgate-Event: merge-recorded`,
    );
    // Edited on GitHub after the merge: the record keeps what the reviewers saw.
    pull.body = `${body}\n(edited later)`;
    execFileSync('git', ['-C', s.dir, 'pull', '-q', '--ff-only'], {
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });

    const env = { GITHUB_TOKEN: 't', GITHUB_API_URL: gh.double.baseUrl };
    const out = join(s.dir, 'out');
    const r = await tollgate(
      s.dir,
      env,
      'evidence',
      'export',
      '--model',
      'fraud-detector',
      '--out',
      out,
      '--repo',
      FULL,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('Reviews and gate checks: GitHub (acme/models');
    const prs = JSON.parse(readFileSync(join(out, 'pull-requests.json'), 'utf8')) as PullRequestEvidence[];
    const one = prs.find((p) => p.number === s!.passed.number)!;
    // Both sources in one pull request: GitHub's reviews, and what the record kept.
    expect(one.reviewsKnown).toBe(true);
    expect(one.reviews.map((x) => x.reviewer)).toEqual(['bob', 'rita-risk', 'carol', 'frank']);
    expect(one.recorded?.[0]).toMatchObject({ record: id, bodySha256: sha(body) });
    expect(one.body).toEqual({
      sha256: sha(body),
      source: 'merge record',
      record: id,
      file: `controls/pr-body/${sha(body)}.md`,
      note: 'the description on GitHub differs now: it was edited after the merge',
    });
    expect(readFileSync(join(out, one.body!.file), 'utf8')).toBe(body);
    // Team answers GitHub gave for the reviewers' roles.
    expect(one.reviews.find((x) => x.reviewer === 'carol')!.teams).toEqual([
      { team: 'acme/compliance', state: 'active' },
      { team: 'acme/fraud-ml', state: 'none' },
      { team: 'acme/model-risk', state: 'none' },
    ]);
    const controls = JSON.parse(readFileSync(join(out, 'controls.json'), 'utf8')) as {
      promotions: PromotionControl[];
    };
    const move = controls.promotions.find((p) => p.pullRequest === s!.passed.number)!;
    expect(move.memberships).toEqual(
      expect.arrayContaining([
        { login: 'rita-risk', role: 'risk', via: 'listed by name', source: `merge record ${id}` },
        {
          login: 'carol',
          role: 'compliance',
          via: 'a team of acme/compliance',
          source: `merge record ${id}`,
        },
        { login: 'carol', team: 'acme/compliance', state: 'active', source: 'GitHub at export time' },
        { login: 'frank', team: 'acme/fraud-ml', state: 'active', source: 'GitHub at export time' },
      ]),
    );
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`source: merge record ${id}, checked against GitHub's reviews: they disagree`);
    expect(md).toContain(
      'DISAGREES: mallory (model-owner): the merge record counts an approval GitHub does not show',
    );
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      '<strong>disagrees:</strong> mallory (model-owner): the merge record counts an approval GitHub does not show',
    );

    // No merge record for #3: its description is GitHub's, said to be as read at export time.
    const early = prs.find((p) => p.number === s!.early.number)!;
    expect(early.body).toMatchObject({
      source: 'github',
      sha256: sha(promotionBody('fraud-detector', 'v4')),
      note: expect.stringMatching(/at export time/),
    });
    expect(md).toMatch(/\| #3 \| .*; source: GitHub's reviews \(no merge record\) \|/);
  });
});
