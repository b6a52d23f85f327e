// useGitHubDouble(): one msw server per test file, a fresh GitHub state (and temp git repos) per test,
// and, after the file, every request body sent and response served checked against GitHub's OpenAPI schemas.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from '../../src/github/client.ts';
import { GitHubDouble, type Fault, type RecordedResponse } from './double.ts';
import { requestProblems, responseProblems } from './openapi.ts';
import { GitHubState } from './state.ts';

export interface GitHubDoubleHandle {
  readonly double: GitHubDouble;
  readonly state: GitHubState;
  fault(method: string, template: string, fault: Fault, times?: number): void;
  /** A Tollgate client pointed at the double, with waits scaled down to milliseconds. */
  client(options?: Partial<GitHubClientOptions>): GitHubClient;
}

/** Schema problems in recorded responses (empty when all conform). */
export function driftProblems(records: RecordedResponse[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const record of records) {
    const found = [
      ...responseProblems(record.method, record.template, record.status, record.body),
      ...(record.requestBody === undefined
        ? []
        : requestProblems(record.method, record.template, record.requestBody)),
    ];
    for (const problem of found) {
      if (!seen.has(problem)) problems.push(problem);
      seen.add(problem);
    }
  }
  return problems;
}

export function useGitHubDouble(options: { baseUrl?: string } = {}): GitHubDoubleHandle {
  const server = setupServer();
  const records: RecordedResponse[] = [];
  let current: GitHubDouble | undefined;
  let root: string | undefined;

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tollgate-github-double-'));
    current = new GitHubDouble(new GitHubState(root), options.baseUrl);
    server.use(...current.handlers());
  });
  afterEach(async () => {
    server.resetHandlers();
    if (current) records.push(...current.records);
    current = undefined;
    if (root) await rm(root, { recursive: true, force: true });
  });
  afterAll(() => {
    server.close();
    const problems = driftProblems(records);
    if (problems.length > 0)
      throw new Error(
        `requests or answers that GitHub's OpenAPI description rejects:\n${problems.join('\n')}`,
      );
  });

  const double = () => {
    if (!current) throw new Error('the GitHub double exists only inside a test');
    return current;
  };
  return {
    get double() {
      return double();
    },
    get state() {
      return double().state;
    },
    fault: (method, template, fault, times) => double().fault(method, template, fault, times),
    client: (overrides = {}) =>
      createGitHubClient({ token: 'test-token', baseUrl: double().baseUrl, waitUnitMs: 1, ...overrides }),
  };
}
