// The sign-off gate's GitHub API cost on one promotion, first run and re-run: calls sent, how many GitHub answered
// 304 Not Modified (conditional requests with the ETags the first run saved, src/github/etag-cache.ts), and what
// counts against the token's rate limits: REST calls but 304s (primary, "core") and GraphQL queries. The GitHub
// double (tests/github-double, msw) stands in for the API, with a real bare repository behind it.
// `npm run bench -- gate` runs this file alone.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setupServer } from 'msw/node';
import { runSignoffGate } from '../src/actions/signoff-gate.ts';
import { git } from '../src/git/run.ts';
import { createGitHubClient, rateLimitedCalls } from '../src/github/client.ts';
import { EtagCache } from '../src/github/etag-cache.ts';
import { GitHubDouble, GRAPHQL_TEMPLATE } from '../tests/github-double/double.ts';
import { ISOLATED_GIT_ENV } from '../tests/github-double/git-store.ts';
import { GitHubState, TOLLGATE_APP } from '../tests/github-double/state.ts';

export interface BenchResult {
  name: string;
  ratio: number;
  detail: string;
}

const FULL = 'acme/models';
const BRANCH = 'tollgate/promote/fraud-detector/production';
const STAGES = 'registry/models/fraud-detector/stages.yaml';
/** Reviews on the pull request besides the approvals (comments from watchers). */
const COMMENTS = Number(process.env.TOLLGATE_BENCH_GATE_COMMENTS ?? 97);

async function readTree(dir: string, root = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, await readTree(full, root));
    else out[`registry/${relative(root, full)}`] = await readFile(full, 'utf8');
  }
  return out;
}

/** The example registry on acme/models and a promotion of fraud-detector v5 whose every role is signed by a team. */
async function promotion(state: GitHubState): Promise<void> {
  await state.createRepo(FULL, { files: await readTree(join(import.meta.dirname, '..', 'registry')) });
  state.addTeam('acme', 'model-risk', { members: ['eve', 'helper'] });
  state.addTeam('acme', 'compliance', { members: ['carol'] });
  state.addTeam('acme', 'fraud-ml', { members: ['bob'] });
  for (const login of ['helper', 'carol', 'bob', 'eve']) state.setCollaborator(FULL, login, 'write');
  const stages = (await readFile(join(import.meta.dirname, '..', STAGES), 'utf8')).replace(
    /production:\n {4}version: \S+/,
    'production:\n    version: v5',
  );
  await state.commit(
    FULL,
    BRANCH,
    { [STAGES]: stages },
    'Promote fraud-detector v5 to production\n\nTollgate-Event: promote\nModel: fraud-detector\nRequested-By: eve\n',
    'tollgate-bot',
  );
  state.openPull(FULL, { head: BRANCH, user: 'tollgate-bot' });
  for (let i = 0; i < COMMENTS; i++)
    await state.addReview(FULL, 1, { user: `watcher${i}`, state: 'COMMENTED' });
  for (const user of ['helper', 'carol', 'bob']) await state.addReview(FULL, 1, { user, state: 'APPROVED' });
}

export async function benchGate(): Promise<BenchResult[]> {
  const work = await mkdtemp(join(tmpdir(), 'tollgate-bench-gate-'));
  const state = new GitHubState(join(work, 'github'));
  const double = new GitHubDouble(state);
  const server = setupServer(...double.handlers());
  server.listen({ onUnhandledRequest: 'error' });
  try {
    await promotion(state);
    const checkout = join(work, 'checkout');
    await git(work, ['clone', '--quiet', state.repo(FULL).gitDir, checkout], { env: ISOLATED_GIT_ENV });
    const head = await state.headSha(FULL, BRANCH);
    const cacheFile = join(work, 'etags.json');

    const gateRun = async () => {
      const etags = await EtagCache.load(cacheFile);
      const client = createGitHubClient({ token: 'bench', baseUrl: double.baseUrl, waitUnitMs: 1, etags });
      const from = double.served.length;
      const start = performance.now();
      const result = await runSignoffGate(
        { checkName: 'tollgate/signoff', registry: 'registry', appId: TOLLGATE_APP.id },
        {
          owner: 'acme',
          repo: 'models',
          serverUrl: 'https://github.com',
          apiUrl: double.baseUrl,
          workspace: checkout,
          eventName: 'pull_request_target',
          event: {
            repository: { default_branch: 'main' },
            number: 1,
            pull_request: { number: 1, head: { sha: head } },
          },
          sha: '',
          ref: '',
          actor: 'someone',
          runId: '7',
          runAttempt: '1',
        },
        { client, now: new Date('2026-11-25T12:00:00Z') },
      );
      const ms = performance.now() - start;
      await etags.save();
      if (result.conclusion !== 'success') throw new Error(`the gate did not pass: ${result.title}`);
      const served = double.served.slice(from);
      const graphql = served.filter((s) => s.template === GRAPHQL_TEMPLATE).length;
      const notModified = served.filter((s) => s.status === 304).length;
      const core = rateLimitedCalls(client) - graphql;
      const writes = served.filter((s) => s.method !== 'GET' && s.template !== GRAPHQL_TEMPLATE).length;
      return { calls: client.calls(), notModified, core, graphql, writes, ms };
    };

    const first = await gateRun();
    const rerun = await gateRun();
    const describe = (r: typeof first) =>
      `${r.calls} calls: ${r.notModified} answered 304, ${r.core} count against the core limit ` +
      `(${r.writes} of them writes), ${r.graphql} GraphQL query; ${r.ms.toFixed(0)} ms`;
    return [
      {
        name: `gate: first run, 3 team sign-offs among ${COMMENTS + 3} reviews`,
        ratio: 1,
        detail: describe(first),
      },
      {
        name: 'gate: re-run, unchanged pull request (ETags)',
        ratio: rerun.core / first.core,
        detail: `${describe(rerun)}; ratio = core-limit cost of the re-run / first run`,
      },
    ];
  } finally {
    server.close();
    await rm(work, { recursive: true, force: true });
  }
}
