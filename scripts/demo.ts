// `npm run demo`: the whole Tollgate lifecycle on one machine, with the real `tollgate` CLI against a temporary
// repository and a local bare remote. Pull request merges are played by `git merge --no-ff` with GitHub's merge
// message, which is what the gate-integrity audit recognises. Dates are fixed so every run tells the same story.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from 'js-yaml';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin', 'tollgate.js');
const work = mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
const remote = join(work, 'origin.git');
const repo = join(work, 'models');
const keep = process.argv.includes('--keep');
const started = performance.now();

// Simulated time: each step happens at its own moment, so "stable for 24 h" and cooldowns mean something.
let now = '2026-11-01T09:00:00Z';
const gitEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_DATE: now,
  GIT_COMMITTER_DATE: now,
  TOLLGATE_NOW: now,
  // The demo is offline: no token, so every command works on the local checkout only.
  GITHUB_TOKEN: '',
  GH_TOKEN: '',
});

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: gitEnv(), encoding: 'utf8' }).trim();
}

interface Run {
  code: number;
  out: string;
}

function tollgate(...args: string[]): Run {
  try {
    const out = execFileSync(process.execPath, [cli, '-C', repo, ...args], {
      env: gitEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, out };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

/** Runs a command that must succeed (or exit with `expect`), and returns its output. */
function must(expect: number, ...args: string[]): string {
  const { code, out } = tollgate(...args);
  if (code !== expect) {
    process.stderr.write(`\n\`tollgate ${args.join(' ')}\` exited ${code}, expected ${expect}:\n${out}\n`);
    throw new Error('demo step failed');
  }
  return out;
}

function json<T>(...args: string[]): T {
  return JSON.parse(must(0, ...args)) as T;
}

let stepNumber = 0;
function step(title: string, lines: string[]): void {
  stepNumber++;
  process.stdout.write(
    `\n${String(stepNumber).padStart(2)}. ${title}\n${lines.map((l) => `    ${l}`).join('\n')}\n`,
  );
}

/** A pull request merge as GitHub writes it: a merge commit naming the pull request. */
function mergePullRequest(number: number, branch: string): string {
  git('merge', '--no-ff', '--quiet', '-m', `Merge pull request #${number} from acme/${branch}`, branch);
  git('push', '--quiet', 'origin', 'main');
  return git('rev-parse', '--short', 'HEAD');
}

/**
 * What the gate action writes after a merge, from the same function (recordMergedPullRequest): the approvers it
 * counted on the merged head, the requester and the verdict, committed to main as the gate's state commit is.
 * The check run GitHub would list is passed in (offline there is none to read).
 */
function recordMerge(number: number, mergedBy: string, approvers: string[], extra: string[] = []): string[] {
  const out = must(
    0,
    'gate',
    'record-merge',
    '--merge',
    'HEAD',
    '--pr',
    String(number),
    '--merged-by',
    mergedBy,
    ...approvers.flatMap((login) => ['--approve', login]),
    // The gate's passing check run, as GitHub would list it on the merged head a minute before the merge.
    '--check-run',
    `${1000 + number}=success@${new Date(Date.parse(now) - 60_000).toISOString()}`,
    ...extra,
  );
  git('push', '--quiet', 'origin', 'main');
  return out.trimEnd().split('\n');
}

/**
 * Proposes a promotion and keeps the pull request body it would open in a file, so the merge record holds the
 * description the reviewers saw (the gate records it from the `closed` event). Returns the lines to show.
 */
function promote(number: number, ...args: string[]): { lines: string[]; bodyFile: string } {
  const proposal = json<{
    branch: string;
    commit: string;
    pullRequest: { title: string; body: string; base: string };
  }>('promote', ...args, '--format', 'json');
  const bodyFile = join(work, `pull-request-${number}.md`);
  writeFileSync(bodyFile, proposal.pullRequest.body);
  const lines = [
    `committed to ${proposal.branch} (${proposal.commit.slice(0, 12)}); the pull request to open:`,
    `  title: ${proposal.pullRequest.title}`,
    ...proposal.pullRequest.body.trimEnd().split('\n'),
  ];
  return { lines, bodyFile };
}

const indent = (text: string, max = 6): string[] => {
  const lines = text.trimEnd().split('\n');
  return lines.length > max ? [...lines.slice(0, max), `… (${lines.length - max} more lines)`] : lines;
};

try {
  // 1. A repository that adopts Tollgate: the example registry, the example trainer, a bare remote.
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', remote], { env: gitEnv() });
  execFileSync('git', ['clone', '--quiet', remote, repo], { env: gitEnv(), stdio: 'ignore' });
  git('config', 'user.name', 'Tollgate Demo');
  git('config', 'user.email', 'demo@example.com');
  for (const dir of ['registry', 'schemas', 'examples'])
    cpSync(join(root, dir), join(repo, dir), { recursive: true });
  git('add', '-A');
  git('commit', '--quiet', '-m', 'Adopt Tollgate');
  git('push', '--quiet', 'origin', 'main');
  const baseline = git('rev-parse', 'HEAD');
  step('A repository adopts Tollgate', [
    `${repo} (remote ${remote})`,
    `registry with ${git('ls-files', 'registry').split('\n').length} files, committed as ${baseline.slice(0, 7)}`,
  ]);

  // 2. Validation: schemas and cross-file rules.
  step('tollgate validate', indent(must(0, 'validate'), 3));

  // A bad change: a pointer to a version that does not exist, and a field no schema knows.
  const stagesFile = join(repo, 'registry/models/fraud-detector/stages.yaml');
  const goodStages = readFileSync(stagesFile, 'utf8');
  writeFileSync(stagesFile, goodStages.replace('version: v4', 'version: v9'));
  const v5File = join(repo, 'registry/models/fraud-detector/versions/v5.yaml');
  writeFileSync(
    v5File,
    readFileSync(v5File, 'utf8').replace('kind: ModelVersion', 'kind: ModelVersion\napproved_by: bob'),
  );
  const bad = tollgate('validate');
  step('A bad change, and what tollgate validate says about it', [`exit ${bad.code}`, ...indent(bad.out, 7)]);
  if (bad.code !== 1) throw new Error('validate did not reject a bad change');
  git('checkout', '--', 'registry');

  // 3. The scheduler's view three weeks later: fraud-detector is due.
  now = '2026-11-20T08:00:00Z';
  const status = json<{ models: { model: string; due: boolean; reason: string }[] }>(
    'schedule',
    'status',
    '--format',
    'json',
  ).models;
  step(
    'tollgate schedule status',
    status.map((s) => `${s.model}: ${s.due ? 'due' : 'not due'} (${s.reason})`),
  );

  // 4. Scheduled retrains, as the scheduler's dispatch would start them: the example trainer really trains.
  interface RetrainOutcome {
    status: string;
    branch: string;
    body: string;
    request: { id: string };
    version: {
      id: string;
      artifact: { sha256: string; size: number };
      metrics: Record<string, number>;
      validation: { passed: boolean };
    };
  }
  const scheduledRetrain = (model: string): RetrainOutcome =>
    json<RetrainOutcome>(
      'retrain',
      model,
      '--reason',
      'scheduled retrain',
      '--trigger',
      'schedule',
      '--by',
      'erin',
      '--format',
      'json',
    );

  // penguin-sex trains on real data (Palmer Penguins, CC0): what the retrain action would publish is the
  // version record and the body of its pull request. Its branch is left unmerged; the story goes on with fraud.
  const penguin = scheduledRetrain('penguin-sex');
  const penguinRecord = `registry/models/penguin-sex/versions/${penguin.version.id}.yaml`;
  step(`tollgate retrain penguin-sex (scheduled): version record ${penguinRecord} on ${penguin.branch}`, [
    ...git('show', `${penguin.branch}:${penguinRecord}`).split('\n'),
  ]);
  step('the retrain pull request body it would open', penguin.body.trimEnd().split('\n'));

  // fraud-detector trains on the synthetic transactions; its version goes on to staging and production.
  const retrain = scheduledRetrain('fraud-detector');
  const version = retrain.version.id;
  const versionFile = retrain.version;
  // The retrain branch is pushed, as the retrain action does, so the promotion can build on the merged result.
  git('push', '--quiet', 'origin', retrain.branch);
  step(
    `tollgate retrain fraud-detector (scheduled), then tollgate diff main ${retrain.branch}`,
    indent(must(0, 'diff', 'main', retrain.branch), 7),
  );
  now = '2026-11-20T09:00:00Z';
  const retrainMerge = mergePullRequest(1, retrain.branch);
  step(`tollgate retrain fraud-detector → ${version}`, [
    `request ${retrain.request.id}: ${retrain.status}; branch ${retrain.branch}`,
    `auc ${versionFile.metrics.auc}, false_positive_rate ${versionFile.metrics.false_positive_rate}, artifact sha256 ${versionFile.artifact.sha256.slice(0, 16)}… (${versionFile.artifact.size} bytes)`,
    `gates ${versionFile.validation.passed ? 'passed' : 'FAILED'}; pull request #1 merged as ${retrainMerge}`,
  ]);

  // 5. Promotion to staging, then to production; the gate is simulated with missing and complete sign-offs.
  now = '2026-11-20T10:00:00Z';
  const staging = promote(2, 'fraud-detector', version, '--to', 'staging', '--requested-by', 'erin');
  const stagingMerge = mergePullRequest(2, 'tollgate/promote/fraud-detector/staging');
  const stagingRecord = recordMerge(2, 'alice', ['alice'], ['--body-file', staging.bodyFile]);
  step(`tollgate promote fraud-detector ${version} --to staging`, [
    `branch tollgate/promote/fraud-detector/staging; model owner alice approved; merged as ${stagingMerge}`,
    'tollgate gate record-merge (what the gate action records after the merge):',
    ...stagingRecord.map((l) => `  ${l}`),
  ]);

  now = '2026-11-21T10:00:00Z';
  const promoted = promote(3, 'fraud-detector', version, '--to', 'production', '--requested-by', 'erin');
  step(`tollgate promote fraud-detector ${version} --to production`, indent(promoted.lines.join('\n'), 4));

  const head = 'tollgate/promote/fraud-detector/production';
  const members = [
    '--member',
    'acme/model-risk=rita',
    '--member',
    'acme/compliance=carl',
    '--member',
    'acme/fraud-ml=fred',
  ];
  // The promotion was requested by erin; the team memberships stand in for what GitHub would report.
  const simulate = (...approvers: string[]): Run =>
    tollgate(
      'gate',
      'simulate',
      '--base',
      'main',
      '--head',
      head,
      '--requested-by',
      'erin',
      ...members,
      ...approvers.flatMap((login) => ['--approve', login]),
    );
  const missing = simulate('rita', 'erin');
  step('tollgate gate simulate (risk approved; the requester erin approved too)', [
    `exit ${missing.code}: ${missing.code === 0 ? 'PASSED (unexpected)' : 'blocked'}`,
    ...indent(missing.out, 12),
  ]);
  const complete = simulate('rita', 'carl', 'alice');
  step('tollgate gate simulate (risk, compliance and the model owner approved)', [
    `exit ${complete.code}: ${complete.code === 0 ? 'passed' : 'BLOCKED (unexpected)'}`,
    ...indent(complete.out, 6),
  ]);
  if (missing.code === 0 || complete.code !== 0) throw new Error('the gate did not decide as expected');
  const productionMerge = mergePullRequest(3, head);
  const productionRecord = recordMerge(
    3,
    'alice',
    ['rita', 'carl', 'alice'],
    [...members, '--body-file', promoted.bodyFile],
  );
  step('The promotion pull request is merged, and the merge recorded as the gate action records it', [
    `production → ${version} at ${productionMerge}`,
    ...productionRecord,
  ]);

  // 6. An incident: error rate spikes; it is classified and the promotion is reverted automatically.
  now = '2026-11-21T14:30:00Z';
  const incident = must(
    0,
    'incident',
    'open',
    '--model',
    'fraud-detector',
    '--metric',
    'error_rate=0.34',
    '--metric',
    'availability=0.41',
    '--alert',
    'FraudErrorRateHigh',
    '--auto-rollback',
    '--by',
    'pagerduty',
  );
  const incidentId = /INC-\d{8}-\d{6}-[a-z0-9]+/.exec(incident)?.[0];
  if (!incidentId) throw new Error(`no incident id in:\n${incident}`);
  git('push', '--quiet', 'origin', 'main');
  const production = (
    load(readFileSync(join(repo, 'registry/models/fraud-detector/stages.yaml'), 'utf8')) as {
      stages: Record<string, { version: string }>;
    }
  ).stages.production?.version;
  step(`tollgate incident open → ${incidentId}`, [
    ...indent(incident, 6),
    `production now serves ${production}`,
  ]);

  // 7. Resolved: the record and its postmortem draft (a timeline from git history) come as one pull request.
  now = '2026-11-21T16:00:00Z';
  const resolved = must(
    0,
    'incident',
    'resolve',
    incidentId,
    '--note',
    'rolled back; retrain with fresh data scheduled',
  );
  const postmortemBranch = `tollgate/postmortem/${incidentId}`;
  if (!resolved.includes(`committed to ${postmortemBranch}`))
    throw new Error(`resolve did not commit to ${postmortemBranch}:\n${resolved}`);
  const postmortemMerge = mergePullRequest(4, postmortemBranch);
  const postmortem = readFileSync(join(repo, `registry/incidents/${incidentId}.postmortem.md`), 'utf8');
  step(`tollgate incident resolve → pull request on ${postmortemBranch}, merged at ${postmortemMerge}`, [
    ...indent(resolved, 2),
    ...indent(postmortem, 6),
  ]);

  // 8. The auditor: stage history, the gate-integrity audit, and an evidence bundle that verifies.
  step(
    'tollgate history fraud-detector --stage production',
    indent(must(0, 'history', 'fraud-detector', '--stage', 'production'), 6),
  );
  const trail = must(0, 'audit', 'log', '--model', 'fraud-detector')
    .split('\n')
    .filter((l) => l.includes('stage-changed') || l.includes('promotion-merged'));
  step(
    'tollgate audit log --model fraud-detector (stage moves: from → to, requester, approvers)',
    indent(trail.join('\n'), 8),
  );
  const verify = tollgate('audit', 'verify', '--since', baseline);
  step('tollgate audit verify --since <adoption commit>', [`exit ${verify.code}`, ...indent(verify.out, 6)]);
  const out = join(work, 'evidence');
  const exported = must(0, 'evidence', 'export', '--model', 'fraud-detector', '--out', out);
  const verified = must(0, 'evidence', 'verify', out);
  step('tollgate evidence export --model fraud-detector, then evidence verify', [
    ...indent(exported, 3),
    ...indent(verified, 2),
  ]);

  // 9. What an attacker's direct push looks like to the audit.
  writeFileSync(
    join(repo, 'registry/models/fraud-detector/stages.yaml'),
    readFileSync(join(repo, 'registry/models/fraud-detector/stages.yaml'), 'utf8').replace(
      /production:\n(\s+)version: \S+/,
      `production:\n$1version: ${version}`,
    ),
  );
  git('commit', '--quiet', '-am', 'hotfix: put the new model back');
  const tampered = tollgate('audit', 'verify', '--since', baseline);
  step('A direct push that moves production, seen by tollgate audit verify', [
    `exit ${tampered.code} (non-zero: flagged)`,
    ...indent(tampered.out, 9),
  ]);
  if (tampered.code === 0) throw new Error('the audit did not flag a direct push');
  const strict = tollgate(
    'evidence',
    'export',
    '--model',
    'fraud-detector',
    '--out',
    join(work, 'evidence-after'),
    '--strict',
  );
  step('tollgate evidence export --strict after the direct push: the bundle opens with its findings', [
    `exit ${strict.code} (1: there are findings)`,
    ...indent(strict.out, 8),
  ]);
  if (strict.code !== 1) throw new Error('evidence export --strict did not report the direct push');

  // 11. The operating loop from the runbooks, on local metrics (a JSON file per model): drift fires, an urgent
  // retrain, a 10 % canary, the analysis promotes it (and aborts another model's), a bad production version is
  // rolled back and the rollback verified.
  git('reset', '--quiet', '--hard', 'origin/main');
  now = '2026-11-22T09:00:00Z';
  const at = (minutesAgo: number) => new Date(Date.parse(now) - minutesAgo * 60_000).toISOString();
  const writeMetrics = (model: string, doc: object) =>
    writeFileSync(join(repo, `ops/metrics/${model}.json`), `${JSON.stringify(doc, null, 2)}\n`);
  const healthy = { error_rate: 0.01, latency_p95: 110, availability: 0.998 };
  cpSync(join(repo, 'registry/policy.yaml'), join(work, 'policy.yaml'));
  writeFileSync(
    join(repo, 'registry/policy.yaml'),
    readFileSync(join(repo, 'registry/policy.yaml'), 'utf8').replace(
      /^monitoring:\n {2}source:\n(?: {4}.*\n| {6}.*\n| {8}.*\n)*/m,
      'monitoring:\n  source:\n    kind: file\n    path: ops/metrics/${model}.json\n',
    ),
  );
  execFileSync('mkdir', ['-p', join(repo, 'ops/metrics')]);
  writeMetrics('penguin-sex', {
    stages: {
      production: {
        metrics: healthy,
        samples: { drift_score: [20, 15, 10, 5, 0].map((m) => [at(m), m === 20 ? 0.42 : 0.86 + m / 100]) },
      },
    },
  });
  git('add', '-A');
  git('commit', '--quiet', '-m', 'Watch models through local metrics files (ops/metrics)');
  git('push', '--quiet', 'origin', 'main');
  const monitored = must(0, 'monitor', 'penguin-sex', '--by', 'tollgate-monitor');
  const urgent = /on branch (tollgate\/retrain\/penguin-sex\/\S+)/.exec(monitored)?.[1];
  const fresh = /completed as (v\d+)/.exec(monitored)?.[1];
  if (!urgent || !fresh) throw new Error(`monitor did not start an urgent retrain:\n${monitored}`);
  git('push', '--quiet', 'origin', 'main');
  step('tollgate monitor penguin-sex: drift > 0.8 for 15 minutes → urgent retrain', indent(monitored, 8));

  now = '2026-11-22T10:00:00Z';
  git('push', '--quiet', 'origin', urgent);
  mergePullRequest(10, urgent);
  must(0, 'promote', 'penguin-sex', fresh, '--to', 'staging', '--requested-by', 'erin');
  mergePullRequest(11, 'tollgate/promote/penguin-sex/staging');
  now = '2026-11-22T11:00:00Z';
  const canary = must(
    0,
    'promote',
    'penguin-sex',
    fresh,
    '--to',
    'canary',
    '--weight',
    '10%',
    '--requested-by',
    'erin',
  );
  mergePullRequest(12, 'tollgate/promote/penguin-sex/canary');
  step(`tollgate promote penguin-sex ${fresh} --to canary --weight 10%`, indent(canary, 2));

  now = '2026-11-22T12:00:00Z';
  const series = (values: Record<string, number>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [60, 30, 0].map((m) => [at(m), v])]));
  writeMetrics('penguin-sex', {
    stages: {
      production: { samples: series(healthy) },
      canary: { samples: series({ error_rate: 0.012, latency_p95: 118, availability: 0.997 }) },
    },
  });
  const analysis = must(0, 'canary', 'analyze', 'penguin-sex', '--act', '--requested-by', 'erin');
  step(
    'tollgate canary analyze penguin-sex --act → promote (the analysis goes into the pull request)',
    indent(analysis, 12),
  );

  // A second model's canary is worse than its production: the analysis aborts it through the rollback path.
  const churnStages = join(repo, 'registry/models/churn-predictor/stages.yaml');
  for (const v of ['v2', 'v3']) {
    writeFileSync(
      churnStages,
      readFileSync(churnStages, 'utf8')
        .replace(/\n {2}canary:\n.*\n.*\n|$/, `\n  canary:\n    version: ${v}\n    weight: 0.1\n`)
        .replace(/\n\n+$/, '\n'),
    );
    git('commit', '--quiet', '-am', `churn-predictor canary ${v} at 10% (deployed earlier)`);
  }
  writeMetrics('churn-predictor', {
    stages: {
      production: { samples: series(healthy) },
      canary: { samples: series({ error_rate: 0.031, latency_p95: 190, availability: 0.99 }) },
    },
  });
  const aborted = must(1, 'canary', 'analyze', 'churn-predictor', '--act', '--requested-by', 'erin');
  step(
    'tollgate canary analyze churn-predictor --act → abort (exit 1), the canary rolled back',
    indent(aborted, 12),
  );

  // The canary's version reaches production and turns out bad: rolled back, then the rollback is verified.
  now = '2026-11-23T12:00:00Z';
  mergePullRequest(13, 'tollgate/promote/penguin-sex/production');
  now = '2026-11-23T15:00:00Z';
  const rolledBack = must(
    0,
    'rollback',
    'penguin-sex',
    '--reason',
    'error rate up after the promotion',
    '--by',
    'oncall',
  );
  writeMetrics('penguin-sex', { stages: { production: { metrics: healthy } } });
  const verifiedRollback = must(0, 'verify-rollback', 'penguin-sex', '--settle', '0', '--by', 'oncall');
  step('tollgate rollback penguin-sex, then tollgate verify-rollback penguin-sex', [
    ...indent(rolledBack, 2),
    ...indent(verifiedRollback, 2),
  ]);

  // 12. Last, the registry as a website, with everything above on it: outside the temporary folder, so it is still
  // there to open after the demo.
  const site = join(root, '.artifacts', 'demo-site');
  rmSync(site, { recursive: true, force: true });
  const built = must(0, 'site', '--out', site, '--since', baseline);
  step('tollgate site: the registry as a static website (overview, models, incidents, audit log)', [
    ...indent(built.replace(/^(open|built in) .*\n?/gm, ''), 4),
    `Open ${pathToFileURL(join(site, 'index.html')).href}`,
  ]);

  process.stdout.write(
    `\nDemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s.${keep ? ` Kept ${work}` : ''}\n`,
  );
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
