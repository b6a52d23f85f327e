// The one Octokit client: @actions/github's getOctokit with the retry and throttling plugins, call counting,
// and errors that name the call and say what to do.
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import { TollgateError } from '../errors.ts';
import { useEtagCache, type EtagCache } from './etag-cache.ts';

export type GitHubOctokit = ReturnType<typeof getOctokit>;

export interface GitHubClientOptions {
  token: string;
  /** REST base URL: GITHUB_API_URL on Actions; https://HOST/api/v3 on GitHub Enterprise Server. */
  baseUrl?: string;
  /** Injected fetch (tests); defaults to the global fetch at call time, so msw can intercept it. */
  fetch?: typeof globalThis.fetch;
  userAgent?: string;
  /** How many times a failed or rate-limited call is retried before it fails. */
  retries?: number;
  /** Milliseconds per second of retry-after and back-off. 1000 in production; tests make it tiny. */
  waitUnitMs?: number;
  /** Told about every rate-limit wait (primary or secondary), e.g. to log it. */
  onRateLimit?: (event: RateLimitEvent) => void;
  /** Conditional requests: GETs send the ETags this cache holds, and a 304 is served from it (etag-cache.ts). */
  etags?: EtagCache;
}

export interface RateLimitEvent {
  kind: 'primary' | 'secondary';
  method: string;
  url: string;
  retryAfterSeconds: number;
  retryCount: number;
  willRetry: boolean;
}

export interface CallRecord {
  method: string;
  url: string;
  status: number;
}

export interface GitHubClient {
  octokit: GitHubOctokit;
  /** HTTP requests sent so far, retries included: what counts against the rate limit. */
  calls(): number;
  callLog(): CallRecord[];
}

export const DEFAULT_API_URL = 'https://api.github.com';

/** The REST base URL to use: an explicit one, GITHUB_API_URL (set by Actions, also on GHES), or github.com. */
export function apiBaseUrl(env: NodeJS.ProcessEnv, explicit?: string): string {
  return (explicit || env.GITHUB_API_URL || DEFAULT_API_URL).replace(/\/+$/, '');
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const retries = options.retries ?? 3;
  const unit = options.waitUnitMs ?? 1000;
  const log: CallRecord[] = [];

  const countingFetch: typeof globalThis.fetch = async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = request ? request.url : String(input);
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const record: CallRecord = { method, url, status: 0 };
    log.push(record);
    const response = await (options.fetch ?? globalThis.fetch)(input, init);
    record.status = response.status;
    return response;
  };

  const limited = (kind: RateLimitEvent['kind']) =>
    ((
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ) => {
      const willRetry = retryCount < retries;
      options.onRateLimit?.({
        kind,
        method: request.method,
        url: request.url,
        retryAfterSeconds: retryAfter,
        retryCount,
        willRetry,
      });
      return willRetry;
    }) as never;

  // Bottleneck groups of our own: the plugin's defaults are module-global and space writes a fixed
  // second apart, which would ignore waitUnitMs and couple unrelated clients.
  const group = (minSeconds: number) =>
    new Bottleneck.Group({ maxConcurrent: 1, minTime: Math.round(minSeconds * unit) });

  // getOctokit's own fetch is undici's, which msw cannot see; passing ours (over the global fetch, read at call
  // time) keeps the double in the loop and counts every request. The option replaces getOctokit's request
  // defaults whole (Octokit merges options shallowly).
  const octokit = getOctokit(
    options.token,
    {
      baseUrl: apiBaseUrl({}, options.baseUrl),
      userAgent: options.userAgent ?? 'tollgate',
      request: { fetch: countingFetch },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      // 429 is left to the throttling plugin, which honours retry-after; the retry plugin would back off
      // on its own schedule instead.
      retry: { retries, retryAfterBaseValue: unit, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
      throttle: {
        retryAfterBaseValue: unit,
        write: group(1),
        notifications: group(3),
        search: group(2),
        onRateLimit: limited('primary'),
        onSecondaryRateLimit: limited('secondary'),
      },
    } as Parameters<typeof getOctokit>[1],
    retry,
    throttling,
  );

  // Inside the error wrapper below, which then never sees a 304 the cache answered.
  if (options.etags) useEtagCache(octokit, options.etags);

  // Registered last, so it wraps the plugins: it sees the final outcome after every retry.
  octokit.hook.wrap('request', async (request, endpoint) => {
    try {
      return await request(endpoint);
    } catch (error) {
      throw toGitHubApiError(error, endpoint.method, endpoint.url);
    }
  });

  return { octokit, calls: () => log.length, callLog: () => log.map((record) => ({ ...record })) };
}

/**
 * The client for an action or the CLI: token from `token` (an action input) or GITHUB_TOKEN / GH_TOKEN,
 * base URL from GITHUB_API_URL (set on Actions runners, also on GHES).
 */
export function githubClientFromEnv(
  env: NodeJS.ProcessEnv,
  options: Partial<GitHubClientOptions> = {},
): GitHubClient {
  const token = options.token || env.GITHUB_TOKEN || env.GH_TOKEN;
  if (!token)
    throw new TollgateError('no GitHub token: this command talks to the GitHub API', {
      fix: 'set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }}, or a GitHub App token), or GH_TOKEN locally',
    });
  return createGitHubClient({ ...options, token, baseUrl: apiBaseUrl(env, options.baseUrl) });
}

/** A failed GitHub call: which call, what status, and what to do about it. */
export class GitHubApiError extends TollgateError {
  readonly status: number;
  readonly call: string;

  constructor(call: string, status: number, detail: string, fix: string, cause?: unknown) {
    super(`GitHub API ${call} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`, {
      fix,
      cause,
      kind: 'environment',
    });
    this.name = 'GitHubApiError';
    this.status = status;
    this.call = call;
  }
}

function toGitHubApiError(error: unknown, method: string, route: string): unknown {
  if (error instanceof GitHubApiError) return error;
  const call = `${method} ${route}`;
  const status =
    typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : 0;
  const detail = error instanceof Error ? error.message : String(error);
  const headers = (error as { response?: { headers?: Record<string, string> } }).response?.headers ?? {};
  return new GitHubApiError(call, status, detail, fixFor(status, detail, headers), error);
}

function fixFor(status: number, detail: string, headers: Record<string, string>): string {
  if (/rate limit/i.test(detail) || status === 429 || headers['x-ratelimit-remaining'] === '0')
    return 'the token ran out of API budget; wait for the limit to reset, or run as a GitHub App installation (a higher hourly budget than GITHUB_TOKEN)';
  if (status === 401)
    return 'the token is missing, expired or revoked; pass a valid token (GITHUB_TOKEN or a GitHub App token)';
  if (status === 403)
    return "the token lacks a permission this call needs; grant it in the workflow's `permissions:` block or the GitHub App's settings (see docs/github.md)";
  if (status === 404)
    return 'the repository, ref or resource does not exist, or the token cannot see it (GitHub answers 404 for private resources a token has no access to)';
  if (status === 409)
    return 'the repository is empty or the ref moved; retry after fetching the latest state';
  if (status === 422) return 'GitHub rejected the request as invalid; check the names and refs given';
  if (status >= 500 || status === 0)
    return 'GitHub did not answer after retries; re-run the job, and check https://www.githubstatus.com';
  return 'see docs/github.md for the permissions each Tollgate action needs';
}

/**
 * Footnote for job summaries and CLI output, e.g. "GitHub API: 4 calls", or "GitHub API: 4 calls (3 answered 304
 * Not Modified, which the rate limit does not count)" when conditional requests were answered from the cache.
 */
export function describeCalls(
  client: Pick<GitHubClient, 'calls'> & Partial<Pick<GitHubClient, 'callLog'>>,
): string {
  const n = client.calls();
  const notModified = client.callLog?.().filter((call) => call.status === 304).length ?? 0;
  return `GitHub API: ${n} call${n === 1 ? '' : 's'}${
    notModified > 0 ? ` (${notModified} answered 304 Not Modified, which the rate limit does not count)` : ''
  }`;
}

/** Calls that count against the primary rate limit: every REST call but a 304, and each GraphQL query. */
export function rateLimitedCalls(client: Pick<GitHubClient, 'callLog'>): number {
  return client.callLog().filter((call) => call.status !== 304).length;
}

/** The status of a failure, if it is a GitHub API error (for callers that treat 404 as an answer). */
export function statusOf(error: unknown): number | undefined {
  return error instanceof GitHubApiError ? error.status : undefined;
}

export interface RepoRef {
  owner: string;
  repo: string;
}
