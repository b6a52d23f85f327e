import { describe, expect, it } from 'vitest';
import { useGitHubDouble } from '../github-double/harness.ts';
import {
  apiBaseUrl,
  createGitHubClient,
  describeCalls,
  GitHubApiError,
  githubClientFromEnv,
  type RateLimitEvent,
} from '../../src/github/client.ts';
import { getPullRequest } from '../../src/github/pulls.ts';
import { getRef } from '../../src/github/refs.ts';
import type { TollgateError } from '../../src/errors.ts';
import { describeError } from '../../src/errors.ts';

const gh = useGitHubDouble();
const repo = { owner: 'acme', repo: 'models' };
const PULL = '/repos/{owner}/{repo}/pulls/{pull_number}';

async function withPull() {
  await gh.state.createRepo('acme/models');
  await gh.state.commit('acme/models', 'feature', { 'a.txt': 'a' }, 'a');
  gh.state.openPull('acme/models', { head: 'feature' });
}

describe('retries', () => {
  it('retries 5xx answers and succeeds', async () => {
    await withPull();
    const client = gh.client();
    gh.fault('GET', PULL, { kind: 'server-error', status: 503 }, 2);
    expect((await getPullRequest(client, repo, 1)).number).toBe(1);
    expect(client.calls()).toBe(3);
    expect(client.callLog().map((call) => call.status)).toEqual([503, 503, 200]);
  });

  it('gives up after the configured retries with an error naming the call, status and fix', async () => {
    await withPull();
    const client = gh.client({ retries: 2 });
    gh.fault('GET', PULL, { kind: 'server-error' }, 10);
    const error = (await getPullRequest(client, repo, 1).catch((e: unknown) => e)) as GitHubApiError;
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error.status).toBe(502);
    expect(error.call).toBe(`GET ${PULL}`);
    expect(error.message).toContain(`GitHub API GET ${PULL} failed (HTTP 502)`);
    expect(error.fix).toMatch(/re-run/);
    expect(describeError(error)).toContain('fix:');
    expect(client.calls()).toBe(3);
  });

  it('does not retry answers that will not change (404, 422)', async () => {
    await withPull();
    const client = gh.client();
    gh.fault('GET', PULL, { kind: 'not-found' });
    const error = (await getPullRequest(client, repo, 1).catch((e: unknown) => e)) as GitHubApiError;
    expect(error.status).toBe(404);
    expect(error.fix).toMatch(/does not exist, or the token cannot see it/);
    expect(client.calls()).toBe(1);
  });

  it('survives a slow answer', async () => {
    await withPull();
    const client = gh.client();
    gh.fault('GET', PULL, { kind: 'slow', delayMs: 20 });
    expect((await getPullRequest(client, repo, 1)).number).toBe(1);
    expect(client.calls()).toBe(1);
  });
});

describe('rate limits', () => {
  it('waits out a secondary rate limit for retry-after (scaled) and then succeeds', async () => {
    await withPull();
    const events: RateLimitEvent[] = [];
    const client = gh.client({ onRateLimit: (event) => events.push(event) });
    gh.fault('GET', PULL, { kind: 'secondary-rate-limit', retryAfter: 7 });
    expect((await getPullRequest(client, repo, 1)).number).toBe(1);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'secondary', retryAfterSeconds: 7, retryCount: 0, willRetry: true }),
    ]);
    expect(client.calls()).toBe(2);
  });

  it('handles a 429 secondary limit the same way', async () => {
    await withPull();
    const events: RateLimitEvent[] = [];
    const client = gh.client({ onRateLimit: (event) => events.push(event) });
    gh.fault('GET', PULL, { kind: 'secondary-rate-limit', status: 429, retryAfter: 3 });
    expect((await getPullRequest(client, repo, 1)).number).toBe(1);
    expect(events.map((event) => event.retryAfterSeconds)).toEqual([3]);
  });

  it('waits for the primary limit to reset', async () => {
    await withPull();
    const events: RateLimitEvent[] = [];
    const client = gh.client({ onRateLimit: (event) => events.push(event) });
    gh.fault('GET', PULL, { kind: 'rate-limit', resetInSeconds: 2 });
    expect((await getPullRequest(client, repo, 1)).number).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'primary', willRetry: true });
    expect(events[0]!.retryAfterSeconds).toBeGreaterThanOrEqual(2);
  });

  it('fails closed on a 429 that is neither limit GitHub documents, saying what to do', async () => {
    await withPull();
    const client = gh.client();
    gh.fault('GET', PULL, { kind: 'too-many-requests', retryAfter: 1 });
    const error = (await getPullRequest(client, repo, 1).catch((e: unknown) => e)) as GitHubApiError;
    expect(error.status).toBe(429);
    expect(error.fix).toMatch(/API budget/);
    expect(client.calls()).toBe(1);
  });

  it('fails closed when the limit persists: bounded retries and a fix that names the budget', async () => {
    await withPull();
    const events: RateLimitEvent[] = [];
    const client = gh.client({ retries: 2, onRateLimit: (event) => events.push(event) });
    gh.fault('GET', PULL, { kind: 'secondary-rate-limit', retryAfter: 1 }, 10);
    const error = (await getPullRequest(client, repo, 1).catch((e: unknown) => e)) as GitHubApiError;
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error.status).toBe(403);
    expect(error.fix).toMatch(/GitHub App/);
    expect(events.map((event) => event.willRetry)).toEqual([true, true, false]);
    expect(client.calls()).toBe(3);
  });
});

describe('an exhausted budget', () => {
  it('fails closed once the hourly budget is spent, after waiting for the reset', async () => {
    await withPull();
    gh.state.rateLimit = { limit: 1000, remaining: 1, resetInSeconds: 1 };
    const events: RateLimitEvent[] = [];
    const client = gh.client({ retries: 1, onRateLimit: (event) => events.push(event) });
    expect((await getPullRequest(client, repo, 1)).number).toBe(1);
    const error = (await getPullRequest(client, repo, 1).catch((e: unknown) => e)) as GitHubApiError;
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error.message).toMatch(/HTTP 403/);
    expect(error.fix).toMatch(/API budget/);
    expect(events.map((event) => [event.kind, event.willRetry])).toEqual([
      ['primary', true],
      ['primary', false],
    ]);
  });
});

describe('call counting', () => {
  it('counts every request, retries included, and renders a footnote', async () => {
    await withPull();
    const client = gh.client();
    expect(describeCalls(client)).toBe('GitHub API: 0 calls');
    await getRef(client, repo, 'main');
    expect(describeCalls(client)).toBe('GitHub API: 1 call');
    await getPullRequest(client, repo, 1);
    await getRef(client, repo, 'missing');
    expect(describeCalls(client)).toBe('GitHub API: 3 calls');
    expect(client.callLog()).toEqual([
      { method: 'GET', url: 'https://api.github.com/repos/acme/models/git/ref/heads%2Fmain', status: 200 },
      { method: 'GET', url: 'https://api.github.com/repos/acme/models/pulls/1', status: 200 },
      { method: 'GET', url: 'https://api.github.com/repos/acme/models/git/ref/heads%2Fmissing', status: 404 },
    ]);
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const client = createGitHubClient({
      token: 't',
      fetch: async (input) => {
        seen.push(String(input));
        return new Response(JSON.stringify({ message: 'Not Found' }), {
          status: 404,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    expect(await getRef(client, repo, 'main')).toBeUndefined();
    expect(seen).toEqual(['https://api.github.com/repos/acme/models/git/ref/heads%2Fmain']);
  });
});

describe('client from the environment', () => {
  it('needs a token and says where to get one', () => {
    expect(() => githubClientFromEnv({})).toThrow(/no GitHub token/);
    try {
      githubClientFromEnv({});
    } catch (error) {
      expect((error as TollgateError).fix).toMatch(/GITHUB_TOKEN/);
    }
  });

  it('talks to GITHUB_API_URL', async () => {
    const seen: string[] = [];
    const client = githubClientFromEnv(
      { GITHUB_TOKEN: 't', GITHUB_API_URL: 'https://ghe.example.com/api/v3' },
      {
        fetch: async (input) => {
          seen.push(String(input));
          return new Response('{"message":"Not Found"}', {
            status: 404,
            headers: { 'content-type': 'application/json' },
          });
        },
      },
    );
    await getRef(client, repo, 'main');
    expect(seen).toEqual(['https://ghe.example.com/api/v3/repos/acme/models/git/ref/heads%2Fmain']);
  });
});

describe('base URL', () => {
  it('takes an explicit URL, then GITHUB_API_URL, then github.com', () => {
    expect(apiBaseUrl({}, 'https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com/api/v3');
    expect(apiBaseUrl({ GITHUB_API_URL: 'https://ghe.example.com/api/v3' })).toBe(
      'https://ghe.example.com/api/v3',
    );
    expect(apiBaseUrl({})).toBe('https://api.github.com');
  });
});
