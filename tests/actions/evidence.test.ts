// The evidence action against the GitHub double, on a real clone of a registry repository whose history has merged
// pull requests with reviews and gate check runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/actions/evidence.ts';
import { runEvidence, subjectFromInputs, type EvidenceInputs } from './evidence-face.ts';
import { contextFromEnv } from './action-context.ts';
import type { ActionEnvironment } from '../../src/actions/runtime.ts';
import { verifyEvidenceBundle } from '../../src/evidence/verify.ts';
import { buildGitHubScenario, type GitHubScenario } from '../evidence/github-fixture.ts';
import { useGitHubDouble } from '../github-double/harness.ts';

const gh = useGitHubDouble();
const NOW = new Date('2026-11-25T10:00:00Z');
let s: GitHubScenario | undefined;
afterEach(() => s?.cleanup());

const inputs = (overrides: Partial<EvidenceInputs> = {}): EvidenceInputs => ({
  model: '',
  version: '',
  pr: '',
  incident: '',
  since: '',
  until: '',
  out: 'evidence-out',
  registry: 'registry',
  checkName: 'tollgate/signoff',
  ...overrides,
});

function environment(workspace: string): ActionEnvironment {
  return {
    owner: 'acme',
    repo: 'models',
    serverUrl: 'https://github.com',
    apiUrl: gh.double.baseUrl,
    workspace,
    eventName: 'workflow_dispatch',
    event: {},
    sha: '',
    ref: 'refs/heads/main',
    actor: 'auditor',
    runId: '7',
    runAttempt: '1',
  };
}

describe('subjectFromInputs', () => {
  it('takes exactly one subject and says which inputs to set otherwise', () => {
    expect(subjectFromInputs(inputs({ model: 'fraud-detector', version: 'v5' }))).toEqual({
      model: 'fraud-detector',
      version: 'v5',
    });
    expect(subjectFromInputs(inputs({ pr: '#12' }))).toEqual({ pr: 12 });
    expect(subjectFromInputs(inputs({ since: '2026-01-01', until: '2026-02-01' }))).toEqual({
      since: '2026-01-01',
      until: '2026-02-01',
    });
    expect(() => subjectFromInputs(inputs())).toThrow(/exactly one subject/);
    expect(() => subjectFromInputs(inputs({ model: 'm', pr: '1' }))).toThrow(/not model and pr/);
    expect(() => subjectFromInputs(inputs({ version: 'v1' }))).toThrow(/exactly one subject/);
    expect(() => subjectFromInputs(inputs({ since: '2026-01-01' }))).toThrow(/both since and until/);
    expect(() => subjectFromInputs(inputs({ pr: 'twelve' }))).toThrow(/not a number/);
  });
});

describe('runEvidence', () => {
  it('writes a bundle naming reviewers, review states and commits, and the gate conclusion', async () => {
    s = await buildGitHubScenario(gh);
    const client = gh.client();
    const result = await runEvidence(inputs({ model: 'fraud-detector' }), environment(s.dir), {
      client,
      now: NOW,
    });
    expect(result.path).toBe(join(s.dir, 'evidence-out'));
    expect(result.bundle).toBe(join(s.dir, 'evidence-out', 'bundle.tar.gz'));
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyEvidenceBundle(result.path, { expectedSha256: result.sha256 }).problems).toEqual([]);

    const prs = JSON.parse(readFileSync(join(result.path, 'pull-requests.json'), 'utf8')) as {
      number: number;
      mergedBy: string;
      gate?: { conclusion: string; headSha: string };
      reviews: { reviewer: string; roles: string[]; state: string; commit: string }[];
    }[];
    expect(prs.map((p) => [p.number, p.mergedBy, p.gate?.conclusion])).toEqual([
      [s.passed.number, 'maya', 'success'],
      [s.early.number, 'maya', 'success'],
    ]);
    expect(prs[0]!.reviews).toEqual([
      expect.objectContaining({ reviewer: 'bob', roles: [], state: 'COMMENTED', commit: s.passed.head }),
      expect.objectContaining({
        reviewer: 'rita-risk',
        roles: ['risk'],
        state: 'APPROVED',
        commit: s.passed.head,
      }),
      expect.objectContaining({ reviewer: 'carol', roles: ['compliance'], state: 'APPROVED' }),
      expect.objectContaining({ reviewer: 'frank', roles: ['model-owner'], state: 'APPROVED' }),
    ]);
    const report = readFileSync(join(result.path, 'report.md'), 'utf8');
    expect(report).toContain('| rita-risk | risk | APPROVED |');
    expect(report).toContain(`Gate check: success on \`${s.passed.head.slice(0, 12)}\``);

    expect(result.calls).toBe(client.calls());
    expect(result.calls).toBeGreaterThan(0);
    expect(result.summary).toContain(result.headline);
    expect(result.summary).toContain(
      'Reviews and gate checks: GitHub (acme/models, check run tollgate/signoff).',
    );
    expect(result.summary).toContain(`${result.calls} GitHub API calls`);
    expect(result.summary).toContain(result.sha256);
    expect(result.headline).toMatch(
      /^Evidence for model fraud-detector: .*2 pull requests \(2 with reviews from GitHub, 2 with a passing gate check\)/,
    );
  });

  it('reads git only without a client, and says so', async () => {
    s = await buildGitHubScenario(gh);
    const result = await runEvidence(inputs({ pr: String(s.failed.number) }), environment(s.dir), {
      now: NOW,
    });
    expect(result.calls).toBe(0);
    expect(result.summary).toContain('git only');
    expect(result.warnings.join()).toMatch(/not in git/);
  });

  it('refuses a shallow clone and says to fetch with fetch-depth: 0', async () => {
    s = await buildGitHubScenario(gh);
    const shallow = mkdtempSync(join(tmpdir(), 'tollgate-evidence-shallow-'));
    try {
      execFileSync('git', ['clone', '-q', '--depth', '1', `file://${s.dir}`, shallow], {
        env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
        stdio: 'ignore',
      });
      await expect(
        runEvidence(inputs({ model: 'fraud-detector' }), environment(shallow), {
          client: gh.client(),
          now: NOW,
        }),
      ).rejects.toMatchObject({
        message: expect.stringContaining('shallow clone'),
        fix: expect.stringContaining('fetch-depth: 0'),
      });
      expect(gh.double.records).toHaveLength(0);
    } finally {
      rmSync(shallow, { recursive: true, force: true });
    }
  });
});

describe('run', () => {
  it('reads the inputs, sets the outputs and writes the job summary with the call count', async () => {
    s = await buildGitHubScenario(gh);
    const files = mkdtempSync(join(tmpdir(), 'tollgate-evidence-run-'));
    const saved = { ...process.env };
    try {
      const output = join(files, 'output');
      const summary = join(files, 'summary');
      writeFileSync(output, '');
      writeFileSync(summary, '');
      Object.assign(process.env, {
        INPUT_PR: String(s.passed.number),
        INPUT_OUT: 'out',
        INPUT_TOKEN: 'test-token',
        GITHUB_WORKSPACE: s.dir,
        GITHUB_REPOSITORY: 'acme/models',
        GITHUB_API_URL: gh.double.baseUrl,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
      });
      await run(contextFromEnv());
      expect(process.exitCode ?? 0).toBe(0);
      const outputs = readFileSync(output, 'utf8');
      expect(outputs).toContain(join(s.dir, 'out', 'bundle.tar.gz'));
      expect(outputs).toMatch(/sha256<<.*\n[0-9a-f]{64}\n/);
      const written = readFileSync(summary, 'utf8');
      expect(written).toContain('## Tollgate evidence');
      expect(written).toContain('Evidence for pull request #1');
      expect(written).toMatch(/GitHub API: \d+ calls/);
    } finally {
      process.env = saved;
      process.exitCode = undefined;
      rmSync(files, { recursive: true, force: true });
    }
  });
});
