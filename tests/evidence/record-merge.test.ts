// A pull request merged with `git merge --no-ff` (as the demo does), recorded by `tollgate gate record-merge` with
// the gate action's own recordMergedPullRequest, then read back by `audit log`: stage, from → to, requester and
// approvers, from git alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.ts';
import type { CliContext } from '../../src/cli/context.ts';
import {
  commit,
  makeRepo,
  mergePullRequest,
  POLICY,
  removeRepo,
  run,
  stagesYaml,
  versionYaml,
  type TestRepo,
} from './repo.ts';

let repo: TestRepo;
let merge: string;
beforeAll(async () => {
  repo = await makeRepo();
  await commit(
    repo,
    {
      'registry/policy.yaml': POLICY,
      'registry/models/fraud/model.yaml':
        'apiVersion: tollgate/v1\nkind: Model\nname: fraud\nowners:\n  users: [olga]\n',
      'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v1' }),
      'registry/models/fraud/versions/v1.yaml': versionYaml('fraud', 'v1'),
      'registry/models/fraud/versions/v2.yaml': versionYaml('fraud', 'v2'),
    },
    'Bootstrap the registry\n\nTollgate-Event: init',
  );
  ({ merge } = await mergePullRequest(
    repo,
    2,
    'tollgate/promote/fraud/staging',
    'Promote fraud v2 to staging',
    { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v2' }) },
    'Promote fraud v2 to staging (replacing v1)\n\nTollgate-Event: promote\nModel: fraud\nVersion: v2\nStage: staging\nFrom: v1\nRequested-By: erin',
  ));
});
afterAll(() => removeRepo(repo));

async function tollgate(...args: string[]) {
  let out = '';
  let err = '';
  const context: CliContext = {
    cwd: repo.dir,
    repoRoot: repo.dir,
    registryDir: join(repo.dir, 'registry'),
    env: {},
    now: () => new Date('2026-01-01T06:00:00Z'),
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
  };
  const [name, ...rest] = args;
  const code = await commands.find((c) => c.name === name)!.run(rest, context);
  return { code, out, err };
}

describe('tollgate gate record-merge', () => {
  it('writes the merge record the gate action writes: approvers with role, commit and time, requester, verdict', async () => {
    const before = await run(repo, ['rev-parse', 'HEAD']);
    const recorded = await tollgate(
      'gate',
      'record-merge',
      '--merge',
      merge,
      '--pr',
      '2',
      '--merged-by',
      'olga',
      '--approve',
      'olga=2026-01-01T01:30:00Z',
    );
    expect(recorded.code).toBe(0);
    expect(recorded.out).toContain(
      'promotion-merged fraud staging v1 → v2: approvers olga (model-owner (fraud)); gate success',
    );
    // One commit on top of the merge, with the gate's trailers.
    expect(await run(repo, ['rev-parse', 'HEAD~1'])).toBe(before);
    const message = await run(repo, ['log', '-1', '--format=%B']);
    expect(message).toContain('Tollgate-Event: merge-recorded');
    expect(message).toContain('Merged-Pull-Request: 2');
    const files = (await run(repo, ['ls-files', 'registry/audit'])).split('\n');
    expect(files).toHaveLength(1);
    const event = load(readFileSync(join(repo.dir, files[0]!), 'utf8')) as {
      event: string;
      stage: string;
      version: string;
      pull_request: number;
      details: Record<string, unknown>;
    };
    expect(event).toMatchObject({
      event: 'promotion-merged',
      stage: 'staging',
      version: 'v2',
      pull_request: 2,
    });
    expect(event.details).toMatchObject({
      from_version: 'v1',
      requested_by: ['erin'],
      approvers: [{ role: 'model-owner (fraud)', login: 'olga', at: '2026-01-01T01:30:00Z' }],
      gate_verdict: 'success',
      check_run: { found: false },
    });
  });

  it('records once: a second run keeps the first record', async () => {
    const again = await tollgate(
      'gate',
      'record-merge',
      '--merge',
      merge,
      '--pr',
      '2',
      '--merged-by',
      'olga',
      '--approve',
      'rita',
    );
    expect(again.out).toContain('already recorded: nothing to commit');
  });

  it('refuses a commit that is not a merge', async () => {
    await expect(
      tollgate('gate', 'record-merge', '--merge', `${merge}^1`, '--pr', '2', '--merged-by', 'olga'),
    ).rejects.toThrow(/not a merge commit/);
  });
});

describe('tollgate audit log on a merged promotion', () => {
  it('shows stage, from → to, requester and approvers instead of a bare stage-changed', async () => {
    const log = await tollgate('audit', 'log');
    const mergeLine = log.out.split('\n').find((l) => l.includes(merge.slice(0, 12)))!;
    expect(mergeLine).toContain('fraud staging v1 → v2');
    expect(mergeLine).toContain('requested by erin');
    expect(mergeLine).toContain('approved by olga (model-owner (fraud))');
    const json = JSON.parse((await tollgate('audit', 'log', '--format', 'json')).out) as Record<
      string,
      unknown
    >[];
    expect(json.find((e) => e.sha === merge)).toMatchObject({
      event: 'stage-changed',
      stage: 'staging',
      from: 'v1',
      version: 'v2',
      requestedBy: 'erin',
      approvers: ['olga (model-owner (fraud))'],
    });
  });
});

describe('tollgate gate record-merge --check-run', () => {
  it('records the check run given, which the git-only audit then accepts', async () => {
    const { merge: m3 } = await mergePullRequest(
      repo,
      3,
      'tollgate/promote/fraud/staging-2',
      'Promote fraud v1 to staging',
      { 'registry/models/fraud/stages.yaml': stagesYaml('fraud', { staging: 'v1' }) },
      'Promote fraud v1 to staging\n\nTollgate-Event: promote\nModel: fraud\nVersion: v1\nStage: staging\nRequested-By: erin',
    );
    const out = await tollgate(
      'gate',
      'record-merge',
      '--merge',
      m3,
      '--pr',
      '3',
      '--merged-by',
      'olga',
      '--approve',
      'olga',
      '--check-run',
      '77=success@2026-01-01T03:00:00Z',
    );
    expect(out.code).toBe(0);
    const verify = await tollgate('audit', 'verify', '--format', 'json');
    const findings = (JSON.parse(verify.out) as { findings: { sha: string; kind: string }[] }).findings;
    // #2 was recorded without a check run: the audit says so; #3 with a passing one: nothing to say.
    expect(findings.filter((f) => f.kind === 'gate-check-missing').map((f) => f.sha)).toEqual([merge]);
    expect(findings.filter((f) => f.sha === m3)).toEqual([]);
    await expect(
      tollgate(
        'gate',
        'record-merge',
        '--merge',
        m3,
        '--pr',
        '3',
        '--merged-by',
        'olga',
        '--check-run',
        'abc',
      ),
    ).rejects.toThrow(/ID=CONCLUSION/);
  });
});
