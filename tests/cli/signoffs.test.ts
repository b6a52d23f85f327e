// `tollgate signoffs pending` end to end: the CLI against the GitHub double, on promotion pull requests opened as
// `tollgate promote` opens them, judged by the sign-off gate's own judging (one test per option).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { BRANCH, FULL, STAGES, stages, useGateFixture } from '../actions/gate-fixture.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const fx = useGateFixture(gh);
afterEach(() => vi.restoreAllMocks());

const NOW = '2026-01-03T12:00:00Z';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const code = await main(['-C', fx.checkout, 'signoffs', 'pending', ...args], {
    ...process.env,
    TOLLGATE_NOW: NOW,
    GITHUB_TOKEN: 'test-token',
    GH_TOKEN: '',
    GITHUB_API_URL: gh.double.baseUrl,
    GITHUB_REPOSITORY: FULL,
    ...env,
  });
  vi.restoreAllMocks();
  return { code, out, err };
}

interface Json {
  repository: string;
  me?: string;
  open: number;
  pending: {
    number: number;
    age: string;
    ageSeconds: number;
    model?: string;
    stage?: string;
    owed: { role: string; candidates: string[] }[];
  }[];
}

/** #1: fraud-detector to production, opened 2026-01-02T09:00, risk signed by rita-risk. */
async function oneSigned() {
  await fx.openPromotion();
  gh.state.pull(FULL, 1).createdAt = '2026-01-02T09:00:00Z';
  await fx.approve('rita-risk');
}

/** #2: the same promotion on a second branch, opened earlier (2026-01-01T06:00) and signed by nobody. */
async function olderUnsigned() {
  const branch = `${BRANCH}-again`;
  await gh.state.commit(
    FULL,
    branch,
    { [STAGES]: stages('v5') },
    'Promote again\n\nRequested-By: eve\n',
    'tollgate-bot',
  );
  gh.state.openPull(FULL, { head: branch, user: 'tollgate-bot' }).createdAt = '2026-01-01T06:00:00Z';
}

describe('tollgate signoffs pending', () => {
  it('lists each promotion with the roles it still owes and who can sign, oldest first', async () => {
    await oneSigned();
    await olderUnsigned();
    // Not a promotion: left out.
    await gh.state.commit(FULL, 'feature/docs', { 'README.md': 'docs\n' }, 'Docs', 'alice');
    gh.state.openPull(FULL, { head: 'feature/docs', user: 'alice' });
    const r = await cli([]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PR\s+AGE\s+MODEL\s+STAGE\s+OWES\s+WHO CAN SIGN$/);
    expect(lines[1]).toMatch(
      /^#2\s+2d 6h\s+fraud-detector\s+production-again\s+risk\s+@rita-risk @acme\/model-risk$/,
    );
    expect(lines[2]).toMatch(/^\s+compliance\s+@acme\/compliance$/);
    expect(lines[3]).toMatch(/^\s+model-owner \(fraud-detector\)\s+@alice @acme\/fraud-ml$/);
    expect(lines[4]).toMatch(/^#1\s+1d 3h\s+fraud-detector\s+production\s+compliance\s+@acme\/compliance$/);
    expect(lines[5]).toMatch(/^\s+model-owner \(fraud-detector\)\s+@alice @acme\/fraud-ml$/);
    expect(lines.at(-1)).toBe('2 of 2 open promotion pull request(s) wait for a sign-off');
    // One listing, then per pull request one GraphQL query and the membership lookups its verdict needs.
    const calls = Number(/GitHub API: (\d+) calls/.exec(r.err)?.[1]);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(1 + 2 * 3);
  });

  it('--format json: the same rows as data', async () => {
    await oneSigned();
    await olderUnsigned();
    const r = await cli(['--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as Json;
    expect(json.repository).toBe(FULL);
    expect(json.open).toBe(2);
    expect(json.pending.map((p) => [p.number, p.ageSeconds, p.owed.map((o) => o.role)])).toEqual([
      [2, (2 * 24 + 6) * 3600, ['risk', 'compliance', 'model-owner (fraud-detector)']],
      [1, 27 * 3600, ['compliance', 'model-owner (fraud-detector)']],
    ]);
    expect(json.pending[1]).toMatchObject({ model: 'fraud-detector', stage: 'production', age: '1d 3h' });
  });

  it('--role keeps only that role; model-owner names every model’s owners', async () => {
    await oneSigned();
    await olderUnsigned();
    const risk = JSON.parse((await cli(['--role', 'risk', '--format', 'json'])).out) as Json;
    expect(risk.pending.map((p) => [p.number, p.owed.map((o) => o.role)])).toEqual([[2, ['risk']]]);
    const owner = JSON.parse((await cli(['--role', 'model-owner', '--format', 'json'])).out) as Json;
    expect(owner.pending.map((p) => p.number)).toEqual([2, 1]);
    const none = await cli(['--role', 'policy-owner']);
    expect(none.code).toBe(0);
    expect(none.out).toContain('nothing waits for a sign-off (2 open promotion pull request(s))');
  });

  it('--me keeps what the token’s user can sign, by team membership, and nothing for the requester', async () => {
    await oneSigned();
    gh.state.tokenUsers.set('carol-token', 'carol');
    gh.state.tokenUsers.set('eve-token', 'eve');
    const carol = await cli(['--me', '--format', 'json'], { GITHUB_TOKEN: 'carol-token' });
    expect(carol.code).toBe(0);
    const json = JSON.parse(carol.out) as Json;
    expect(json.me).toBe('carol');
    expect(json.pending.map((p) => [p.number, p.owed.map((o) => o.role)])).toEqual([[1, ['compliance']]]);
    // eve is in acme/model-risk but requested the promotion: she may sign nothing on it.
    const eve = await cli(['--me'], { GITHUB_TOKEN: 'eve-token' });
    expect(eve.code).toBe(0);
    expect(eve.out).toContain('nothing waits for a sign-off for eve');
  });

  it('--me with a token that has no user (an App token) is an environment error', async () => {
    await oneSigned();
    const r = await cli(['--me']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('GET /user');
  });

  it('--older-than keeps only what has waited that long', async () => {
    await oneSigned();
    await olderUnsigned();
    const day = JSON.parse((await cli(['--older-than', '2d', '--format', 'json'])).out) as Json;
    expect(day.pending.map((p) => p.number)).toEqual([2]);
    const bad = await cli(['--older-than', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--older-than soon is not a duration');
  });

  it('--repo names the repository; a malformed one is a usage error', async () => {
    await oneSigned();
    const r = await cli(['--repo', FULL, '--format', 'json'], { GITHUB_REPOSITORY: '' });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Json).pending.map((p) => p.number)).toEqual([1]);
    const bad = await cli(['--repo', 'acme'], { GITHUB_REPOSITORY: '' });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--repo acme is not OWNER/NAME');
  });

  it('--digest prints what waited longer than signoff.digest_after, and nothing when nothing did', async () => {
    await oneSigned();
    await olderUnsigned();
    // The example policy names no digest_after: a day. #2 waited 2d 6h, #1 1d 3h.
    const day = await cli(['--digest']);
    expect(day.code).toBe(0);
    expect(day.out.trimEnd().split('\n')).toEqual([
      `2 promotion pull requests in ${FULL} have waited longer than 1d for a sign-off:`,
      expect.stringMatching(
        /^- <\S+\/pull\/2\|#2> fraud-detector → production-again, waiting 2d 6h: risk \(@rita-risk, @acme\/model-risk\); compliance/,
      ),
      expect.stringMatching(
        /^- <\S+\/pull\/1\|#1> fraud-detector → production, waiting 1d 3h: compliance \(@acme\/compliance\); model-owner/,
      ),
    ]);
    const json = JSON.parse((await cli(['--digest', '--older-than', '2d', '--format', 'json'])).out) as {
      due: boolean;
      threshold: number;
      overdue: { number: number }[];
    };
    expect(json).toMatchObject({ due: true, threshold: 2 * 86_400 });
    expect(json.overdue.map((r) => r.number)).toEqual([2]);
    const none = await cli(['--digest', '--older-than', '3d']);
    expect(none.code).toBe(0);
    expect(none.out).toBe('');
    expect(none.err).toContain('nothing has waited longer than 3d for a sign-off');
  });

  it('--digest --post posts to the digest channels and says how each went; --post alone is a usage error', async () => {
    await oneSigned();
    await olderUnsigned();
    const posted = await cli(['--digest', '--post'], { TOLLGATE_SLACK_WEBHOOK: '' });
    expect(posted.code).toBe(0);
    expect(posted.out).toContain('2 promotion pull requests in acme/models have waited longer than 1d');
    expect(posted.err).toContain('digest slack: skipped, TOLLGATE_SLACK_WEBHOOK is not set');
    const alone = await cli(['--post']);
    expect(alone.code).toBe(2);
    expect(alone.err).toContain('--post posts the digest: it needs --digest');
  });

  it('--digest follows signoff.digest_after in the policy', async () => {
    await oneSigned();
    await olderUnsigned();
    // 30 h: #2 (2d 6h) is late, #1 (1d 3h) is not.
    const policy = join(fx.checkout, 'registry', 'policy.yaml');
    await writeFile(
      policy,
      (await readFile(policy, 'utf8')).replace(/^signoff:\n/m, 'signoff:\n  digest_after: 108000\n'),
    );
    const json = JSON.parse((await cli(['--digest', '--format', 'json'])).out) as {
      threshold: number;
      overdue: { number: number }[];
      text: string;
    };
    expect(json.threshold).toBe(108_000);
    expect(json.overdue.map((r) => r.number)).toEqual([2]);
    expect(json.text).toMatch(
      /^1 promotion pull request in acme\/models has waited longer than 1d 6h for a sign-off:/,
    );
  });

  it('without a GitHub token: an environment error (exit 3) saying what to set', async () => {
    const r = await cli([], { GITHUB_TOKEN: '', GH_TOKEN: '' });
    expect(r.code).toBe(3);
    expect(r.err).toContain('no GitHub token');
    expect(r.err).toContain('GITHUB_TOKEN');
  });

  it('says so when nothing waits', async () => {
    await fx.openPromotion();
    await fx.approve('rita-risk', 'carol', 'alice');
    const r = await cli([]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('nothing waits for a sign-off (1 open promotion pull request(s))');
  });
});
