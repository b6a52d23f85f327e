// Real temporary git repositories with isolated config and fixed dates, and the scenario most evidence tests read.
import type { ReviewSource } from '../../src/evidence/reviews.ts';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { commands } from '../../src/cli/commands/index.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { git } from '../../src/git/run.ts';

export interface TestRepo {
  dir: string;
  /** Hours since 2026-01-01T00:00:00Z of the next commit. */
  hour: number;
}

const ISOLATED = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

export function dateAt(hour: number): string {
  return new Date(Date.UTC(2026, 0, 1) + hour * 3_600_000).toISOString().replace('.000Z', 'Z');
}

export async function run(repo: TestRepo, args: string[], date?: string): Promise<string> {
  const when = date ?? dateAt(repo.hour);
  return git(repo.dir, args, { env: { ...ISOLATED, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when } });
}

export async function makeRepo(): Promise<TestRepo> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-evidence-'));
  const repo = { dir, hour: 0 };
  await run(repo, ['init', '-q', '-b', 'main']);
  await run(repo, ['config', 'user.name', 'Dana Dev']);
  await run(repo, ['config', 'user.email', 'dana@example.com']);
  await run(repo, ['config', 'commit.gpgsign', 'false']);
  return repo;
}

export function removeRepo(repo: TestRepo): void {
  rmSync(repo.dir, { recursive: true, force: true });
}

/** Writes (or, for null, deletes) files and commits them at the repo's next hour. Returns the commit sha. */
export async function commit(
  repo: TestRepo,
  files: Record<string, string | null>,
  message: string,
): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    const full = join(repo.dir, path);
    if (text === null) rmSync(full, { force: true });
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }
  await run(repo, ['add', '-A']);
  await run(repo, ['commit', '-q', '--allow-empty', '-m', message]);
  repo.hour++;
  return run(repo, ['rev-parse', 'HEAD']);
}

/** A GitHub-style pull request merge: the branch's commits, then a --no-ff merge into main. */
export async function mergePullRequest(
  repo: TestRepo,
  number: number,
  branch: string,
  title: string,
  files: Record<string, string | null>,
  message: string,
): Promise<{ head: string; merge: string }> {
  await run(repo, ['checkout', '-q', '-b', branch]);
  const head = await commit(repo, files, message);
  await run(repo, ['checkout', '-q', 'main']);
  await run(repo, [
    'merge',
    '-q',
    '--no-ff',
    branch,
    '-m',
    `Merge pull request #${number} from org/${branch}\n\n${title}`,
  ]);
  repo.hour++;
  return { head, merge: await run(repo, ['rev-parse', 'HEAD']) };
}

export const POLICY = `apiVersion: tollgate/v1
kind: Policy
roles:
  risk:
    users: [rita]
  compliance:
    users: [carl]
incident:
  emergency_push: [P0, P1]
`;

export function stagesYaml(model: string, stages: Record<string, string>): string {
  return [
    'apiVersion: tollgate/v1',
    'kind: Stages',
    `model: ${model}`,
    'stages:',
    ...Object.entries(stages).map(([s, v]) => `  ${s}:\n    version: ${v}`),
    '',
  ].join('\n');
}

export function versionYaml(model: string, id: string, extra = ''): string {
  return `apiVersion: tollgate/v1
kind: ModelVersion
id: ${id}
model: ${model}
created_at: '2026-01-01T00:00:00Z'
source:
  commit: 0123456789abcdef0123456789abcdef01234567
  run_url: https://github.com/org/repo/actions/runs/${id.replace(/\D/g, '') || '1'}00
  workflow: retrain
  actor: alice
artifact:
  uri: s3://models/${model}/${id}.bin
  sha256: ${'a'.repeat(64)}
  size: 1024
metrics:
  auc: 0.9
validation:
  passed: true
  gates:
    - metric: auc
      op: '>='
      threshold: 0.8
      value: 0.9
      pass: true
${extra}`;
}

export function incidentYaml(id: string, severity: string, model: string): string {
  return `apiVersion: tollgate/v1
kind: Incident
id: ${id}
title: fraud scores drifted
severity: ${severity}
status: open
models: [${model}]
metrics:
  error_rate: 0.6
detected_at: '2026-01-01T10:00:00Z'
timeline:
  - at: '2026-01-01T10:00:00Z'
    event: detected
`;
}

export const P0 = 'INC-20260101-100000-abc';
export const P2 = 'INC-20260101-140000-def';

export interface Scenario {
  repo: TestRepo;
  baseline: string;
  pr1: { head: string; merge: string };
  pr2: { head: string; merge: string };
  squash3: string;
  directPush: string;
  incidentP0: string;
  emergency: string;
  badEmergency: string;
  squashNoTrailers: string;
  audit: string;
}

/**
 * main's story for model fraud: bootstrap (the trusted baseline), PR #1 records v2, PR #2 moves staging to v2,
 * squash #3 promotes v2 to production, a direct push moves production to v3, a P0 incident and its emergency
 * rollback to v2 (allowed), a P2 rollback pushed directly (not allowed), a squash "(#9)" without trailers, and an
 * audit-event file.
 */
export async function buildScenario(): Promise<Scenario> {
  const repo = await makeRepo();
  const baseline = await commit(
    repo,
    {
      'registry/policy.yaml': POLICY,
      'registry/models/fraud/model.yaml':
        'apiVersion: tollgate/v1\nkind: Model\nname: fraud\nowners:\n  users: [olga]\n',
      'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v1', production: 'v1' }),
      'registry/models/fraud/versions/v1.yaml': versionYaml('fraud', 'v1'),
      'registry/models/other/stages.yaml': stagesYaml('other', { production: 'v1' }),
    },
    'Bootstrap the registry\n\nTollgate-Event: init',
  );
  const pr1 = await mergePullRequest(
    repo,
    1,
    'retrain-fraud-v2',
    'Record fraud v2',
    {
      'registry/models/fraud/versions/v2.yaml': versionYaml(
        'fraud',
        'v2',
        'drift:\n  psi: 0.05\nfairness:\n  demographic_parity: 0.97\n',
      ),
    },
    'Record fraud v2\n\nTollgate-Event: version-recorded\nModel: fraud\nVersion: v2\nRequest: fraud-r1',
  );
  const pr2 = await mergePullRequest(
    repo,
    2,
    'promote-fraud-v2-staging',
    'Promote fraud v2 to staging',
    { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v2', production: 'v1' }) },
    'Promote fraud v2 to staging\n\nTollgate-Event: promote\nModel: fraud\nVersion: v2\nStage: staging\nRequested-By: alice',
  );
  const squash3 = await commit(
    repo,
    { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v2', production: 'v2' }) },
    'Promote fraud v2 to production (#3)\n\nTollgate-Event: promote\nModel: fraud\nVersion: v2\nStage: production\nRequested-By: alice',
  );
  const directPush = await commit(
    repo,
    {
      'registry/models/fraud/versions/v3.yaml': versionYaml('fraud', 'v3'),
      'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v2', production: 'v3' }),
    },
    'Hotfix <script>alert(1)</script> fraud v3',
  );
  const incidentP0 = await commit(
    repo,
    { [`registry/incidents/${P0}.yaml`]: incidentYaml(P0, 'P0', 'fraud') },
    `Open incident ${P0}\n\nTollgate-Event: incident-opened\nIncident: ${P0}\nModel: fraud`,
  );
  const emergency = await commit(
    repo,
    { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v2', production: 'v2' }) },
    `Roll back fraud production to v2\n\nTollgate-Event: rollback\nIncident: ${P0}\nModel: fraud\nVersion: v2\nStage: production`,
  );
  await commit(
    repo,
    { [`registry/incidents/${P2}.yaml`]: incidentYaml(P2, 'P2', 'fraud') },
    `Open incident ${P2}`,
  );
  const badEmergency = await commit(
    repo,
    { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v1', production: 'v2' }) },
    `Roll back fraud staging to v1\n\nTollgate-Event: rollback\nIncident: ${P2}\nModel: fraud\nStage: staging`,
  );
  const squashNoTrailers = await commit(
    repo,
    { 'registry/models/other/stages.yaml': stagesYaml('other', { production: 'v2' }) },
    'Move other to v2 (#9)',
  );
  const audit = await commit(
    repo,
    {
      'registry/audit/2026/01/20260101T150000Z-note.yaml':
        'apiVersion: tollgate/v1\nkind: AuditEvent\nid: 20260101T150000Z-note\nat: 2026-01-01T15:00:00Z\nevent: schedule-paused\nactor: olga\nmodel: fraud\n',
    },
    'Record audit event\n\nTollgate-Event: audit',
  );
  return {
    repo,
    baseline,
    pr1,
    pr2,
    squash3,
    directPush,
    incidentP0,
    emergency,
    badEmergency,
    squashNoTrailers,
    audit,
  };
}

/** Pull request #3 of the scenario as GitHub would give it: two approvals and a passing gate check. */
export const pullRequestThreeReviews: ReviewSource = {
  pullRequest: (n) =>
    Promise.resolve(
      n === 3
        ? {
            number: 3,
            title: 'Promote fraud v2 to production',
            author: 'alice',
            mergedAt: '2026-01-01T05:00:00Z',
            mergedBy: 'alice',
            reviews: [
              {
                login: 'rita',
                state: 'APPROVED',
                commitId: 'c'.repeat(40),
                submittedAt: '2026-01-01T04:30:00Z',
              },
              {
                login: 'olga',
                state: 'APPROVED',
                commitId: 'c'.repeat(40),
                submittedAt: '2026-01-01T04:35:00Z',
              },
            ],
            gateCheck: {
              conclusion: 'success',
              completedAt: '2026-01-01T04:40:00Z',
              headSha: 'c'.repeat(40),
            },
          }
        : undefined,
    ),
};

/** Runs a `tollgate` command in-process against the repository at `repoRoot`, as from `cwd`, at the clock `now`. */
export async function runCli(
  repoRoot: string,
  options: { env?: NodeJS.ProcessEnv; now: string; cwd?: string },
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const context: CliContext = {
    cwd: options.cwd ?? repoRoot,
    repoRoot,
    registryDir: join(repoRoot, 'registry'),
    env: options.env ?? {},
    now: () => new Date(options.now),
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
  };
  const [name, ...rest] = args;
  const code = await commands.find((c) => c.name === name)!.run(rest, context);
  return { code, out, err };
}
