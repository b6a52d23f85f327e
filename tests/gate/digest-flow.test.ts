// The daily sign-off digest as the scheduled workflow's digest job posts it, against the GitHub double: only when a
// promotion waited longer than signoff.digest_after, to each of signoff.digest_channels in its own format, with a
// channel that fails or has no secret reported, never thrown.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as runSchedulerAction } from '../../src/actions/scheduler.ts';
import { signoffDigestFlow } from '../../src/gate/digest-flow.ts';
import { contextFromEnv } from '../actions/action-context.ts';
import { webhookExample } from '../github-double/webhook-examples.ts';
import { FULL, useGateFixture } from '../actions/gate-fixture.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const fx = useGateFixture(gh);
const SLACK = 'https://hooks.slack.com/services/T000/B000/SECRET';
const HOOK = 'https://hooks.example.com/tollgate/SECRET';

/** A fetch that records each POST and answers `status` for the webhook. */
function recorder(status = 200) {
  const posts: { url: string; body: Record<string, unknown> }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    posts.push({ url, body: JSON.parse(String(init.body)) as Record<string, unknown> });
    return new Response('ok', { status: url === HOOK ? status : 200 });
  }) as unknown as typeof globalThis.fetch;
  return { posts, fetch };
}

async function policyWith(lines: string): Promise<void> {
  const policy = join(fx.checkout, 'registry', 'policy.yaml');
  await writeFile(policy, (await readFile(policy, 'utf8')).replace(/^signoff:\n/m, `signoff:\n${lines}`));
}

const ports = (fetch: typeof globalThis.fetch, env: NodeJS.ProcessEnv = {}) => ({
  client: gh.client(),
  repo: { owner: 'acme', repo: 'models' },
  repoRoot: fx.checkout,
  registry: 'registry',
  now: new Date('2026-01-03T12:00:00Z'),
  env,
  fetch,
});

describe('signoffDigestFlow', () => {
  it('posts what waited too long to each digest channel, Slack as text and a webhook as data', async () => {
    await fx.openPromotion();
    gh.state.pull(FULL, 1).createdAt = '2026-01-01T06:00:00Z';
    await policyWith('  digest_channels: [slack, webhook, pagerduty, nowhere]\n');
    const { posts, fetch } = recorder(503);
    const result = await signoffDigestFlow(
      ports(fetch, { TOLLGATE_SLACK_WEBHOOK: SLACK, TOLLGATE_NOTIFY_WEBHOOK: HOOK }),
      { post: true },
    );
    expect(result.digest.due).toBe(true);
    expect(result.threshold).toBe(86_400);
    expect(posts.map((p) => p.url)).toEqual([SLACK, HOOK]);
    expect(posts[0]!.body).toEqual({ text: result.digest.text });
    expect(posts[0]!.body.text).toMatch(
      /^1 promotion pull request in acme\/models has waited longer than 1d/,
    );
    expect(posts[1]!.body).toMatchObject({
      event: 'signoff-digest',
      repository: FULL,
      threshold: 86_400,
      overdue: [
        expect.objectContaining({
          number: 1,
          model: 'fraud-detector',
          stage: 'production',
          age_seconds: 194_400,
        }),
      ],
    });
    // Only origins in the report: webhook URLs carry their secret.
    expect(result.posts).toEqual([
      { channel: 'slack', outcome: 'posted', detail: 'posted to https://hooks.slack.com' },
      { channel: 'webhook', outcome: 'failed', detail: 'https://hooks.example.com answered 503' },
      {
        channel: 'pagerduty',
        outcome: 'skipped',
        detail: 'a pagerduty channel does not take the digest (slack or webhook only)',
      },
      {
        channel: 'nowhere',
        outcome: 'failed',
        detail: `no channel "nowhere" in the policy's incident.channels`,
      },
    ]);
    expect(JSON.stringify(result.posts)).not.toContain('SECRET');
  });

  it('posts nothing when nothing waited longer than signoff.digest_after, or without a secret', async () => {
    await fx.openPromotion();
    gh.state.pull(FULL, 1).createdAt = '2026-01-02T09:00:00Z';
    await policyWith('  digest_after: 172800\n');
    const quiet = recorder();
    const early = await signoffDigestFlow(ports(quiet.fetch, { TOLLGATE_SLACK_WEBHOOK: SLACK }), {
      post: true,
    });
    expect(early.digest.due).toBe(false);
    expect(early.posts).toEqual([]);
    expect(quiet.posts).toEqual([]);

    const late = await signoffDigestFlow(ports(quiet.fetch, {}), { post: true, olderThanSeconds: 3600 });
    expect(late.digest.due).toBe(true);
    expect(late.posts).toEqual([
      { channel: 'slack', outcome: 'skipped', detail: 'TOLLGATE_SLACK_WEBHOOK is not set' },
    ]);
    const dry = await signoffDigestFlow(ports(quiet.fetch, { TOLLGATE_SLACK_WEBHOOK: SLACK }), {
      post: false,
      olderThanSeconds: 3600,
    });
    expect(dry.posts).toEqual([]);
    expect(quiet.posts).toEqual([]);
  });
});

describe('scheduler action, mode digest', () => {
  let saved: NodeJS.ProcessEnv | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    if (saved) process.env = saved;
    process.exitCode = 0;
  });

  it('names the late pull requests in its outputs and summary, and says which channel it skipped', async () => {
    await fx.openPromotion();
    gh.state.pull(FULL, 1).createdAt = '2020-01-01T00:00:00Z';
    const output = join(fx.work, 'output');
    const summary = join(fx.work, 'summary.md');
    const event = join(fx.work, 'event.json');
    await writeFile(output, '');
    await writeFile(summary, '');
    const payload = webhookExample('workflow_dispatch');
    payload.repository.default_branch = 'main';
    await writeFile(event, JSON.stringify(payload));
    saved = { ...process.env };
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    Object.assign(process.env, {
      GITHUB_REPOSITORY: FULL,
      GITHUB_API_URL: gh.double.baseUrl,
      GITHUB_WORKSPACE: fx.checkout,
      GITHUB_EVENT_NAME: 'schedule',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_RUN_ID: '93',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      TOLLGATE_SLACK_WEBHOOK: '',
      INPUT_MODE: 'digest',
      INPUT_TOKEN: 'app-read-token',
      INPUT_REGISTRY: 'registry',
      'INPUT_DRY-RUN': 'false',
    });
    await runSchedulerAction(contextFromEnv());
    expect(process.exitCode).not.toBe(1);
    expect(await readFile(output, 'utf8')).toMatch(/^overdue<<\S+\n\[1\]\n/m);
    const text = await readFile(summary, 'utf8');
    expect(text).toContain('## Sign-off digest');
    expect(text).toMatch(/1 promotion pull request in acme\/models has waited longer than 1d/);
    expect(text).toContain('- slack: skipped, TOLLGATE_SLACK_WEBHOOK is not set');
    // It only read: no pull request, comment or issue was written.
    expect(gh.state.repo(FULL).issues).toHaveLength(0);
    expect(gh.state.repo(FULL).comments).toHaveLength(0);
  });
});
