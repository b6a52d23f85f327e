// Incidents as GitHub issues, against the GitHub double: the incident action opens one issue labelled with the
// model and severity (classification, metrics, actions); resolving comments on it and closes it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runIncident } from '../../src/actions/incident.ts';
import { main } from '../../src/cli/main.ts';
import { git } from '../../src/git/run.ts';
import type { Incident } from '../../src/registry/types.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { BOT, MODEL, REPO, at, opsFixture, type OpsFixture } from './ops-fixture.ts';

const gh = useGitHubDouble();
let fixture: OpsFixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
  vi.restoreAllMocks();
});

/** The example policy, with state pushed and the P0 row of the matrix announcing on a GitHub issue. */
const withIssues = (text: string) =>
  text
    .replace('state_writes: pull-request', 'state_writes: push')
    .replace(
      /^incident:\n/m,
      'incident:\n  response:\n    P0:\n      respond_within: 300\n      escalate: [on-call]\n      channels: [github-issue]\n',
    );

describe('incidents as GitHub issues', () => {
  it('opens one labelled issue with the classification, metrics and actions, and closes it on resolve', async () => {
    const f = (fixture = await opsFixture(gh, withIssues));
    const result = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
      f.env,
      { client: gh.client(), now: at(151), clock: () => at(151.1), suffix: 'ab12', gitEnv: BOT, env: {} },
    );
    const id = result.incident.id;
    const issues = gh.state.repo(REPO).issues;
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue!.labels).toEqual(['tollgate:incident', 'severity:P0', `model:${MODEL}`]);
    expect(issue!.title).toBe(`[P0] ${id}: ${result.incident.title}`);
    expect(issue!.body).toContain(`<!-- tollgate:incident:${id} -->`);
    expect(issue!.body).toMatch(
      /- Classification: P0 because .*availability = 0.3 \(threshold availability < 0.5\)/,
    );
    expect(issue!.body).toContain('| availability | 0.3 |');
    expect(issue!.body).toMatch(/\| rollback-completed \| fraud-detector production v4 -> v3/);
    expect(issue!.body).toContain(`tollgate incident ack ${id}`);
    expect(result.incident.timeline.at(-1)).toMatchObject({
      event: 'notified',
      detail: `issue #${issue!.number} opened (github-issue opened)`,
    });

    // Resolving from a clone with a token: the issue gets a comment and is closed; the record says so.
    await git(f.checkout, ['pull', '--quiet', 'origin', 'main']);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const env = {
      ...process.env,
      TOLLGATE_NOW: at(152).toISOString(),
      GITHUB_ACTOR: 'oncall',
      GITHUB_TOKEN: 'test-token',
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: 'https://api.github.com',
      TOLLGATE_NOTIFY_WEBHOOK: '',
      TOLLGATE_SLACK_WEBHOOK: '',
      TOLLGATE_PAGERDUTY_ROUTING_KEY: '',
    };
    // Acknowledging from the CLI with a token comments on the same issue, and the record says so.
    expect(await main(['-C', f.checkout, 'incident', 'ack', id], env)).toBe(0);
    const acked = load(await readFile(join(f.checkout, `registry/incidents/${id}.yaml`), 'utf8')) as Incident;
    expect(acked.timeline.at(-1)).toMatchObject({
      event: 'notified',
      detail: `issue #${issue!.number} commented (github-issue acknowledged)`,
    });
    const code = await main(['-C', f.checkout, 'incident', 'resolve', id, '--note', 'stable again'], env);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(issue!.state).toBe('closed');
    expect(issue!.stateReason).toBe('completed');
    const comments = gh.state.repo(REPO).comments.filter((c) => c.issue === issue!.number);
    expect(comments.map((c) => c.body)).toEqual([
      expect.stringMatching(/^Acknowledged by oncall: acknowledged/),
      'Resolved: resolved — stable again',
    ]);
    expect(gh.state.repo(REPO).issues).toHaveLength(1);
  });

  it("opens the issue with the job's own issues token when one is given, the App token doing the rest", async () => {
    fixture = await opsFixture(gh, withIssues);
    const result = await runIncident(
      { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
      fixture.env,
      {
        client: gh.client(),
        issuesClient: gh.client({ token: 'job-issues-token' }),
        now: at(151),
        clock: () => at(151.1),
        suffix: 'ab12',
        gitEnv: BOT,
        env: {},
      },
    );
    expect(result.rolledBack).toBe(true);
    const [issue] = gh.state.repo(REPO).issues;
    expect(issue!.openedWith).toBe('job-issues-token');
  });
});
