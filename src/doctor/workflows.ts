// The static security analysis of a GitHub Actions workflow file: what `tollgate doctor` checks in the workflows on
// a live repository's default branch, and what tests/templates/security.test.ts checks in the templates init
// installs, so the two cannot disagree. Pure: a file's text in, findings out.
import { load } from 'js-yaml';
import { ENVIRONMENTS } from '../init/rulesets.ts';
import { TOLLGATE_ACTIONS } from '../init/release.ts';
import type { Finding } from './findings.ts';

/** The secrets that mint the Tollgate App's token or push past the rulesets. */
export const APP_KEY_SECRET = 'TOLLGATE_APP_KEY';
export const EMERGENCY_KEY_SECRET = 'TOLLGATE_EMERGENCY_PUSH_KEY';

export interface WorkflowCheckOptions {
  /**
   * Every rule (Tollgate's own `tollgate-*.yml`), or only the one that matters for any workflow in the repository:
   * no job reads the App key or the emergency push key outside their environments.
   */
  full: boolean;
  /**
   * The repository's default GITHUB_TOKEN permissions are read-only, so a job with no `permissions:` anywhere holds
   * no write token. Unknown (undefined) counts as read and write, GitHub's default for older repositories.
   */
  defaultReadOnly?: boolean;
}

type Permissions = string | Record<string, string> | undefined;

interface Step {
  uses?: unknown;
  run?: unknown;
  with?: Record<string, unknown>;
}

interface Job {
  environment?: string | { name?: string };
  permissions?: Permissions;
  steps?: Step[];
  uses?: unknown;
}

/** `owner/repo/path@ref` pinned to a full commit, or a local or digest-pinned reference. */
const PINNED = /@[0-9a-f]{40}$/;
const TOLLGATE_OWN = new RegExp(`^[\\w.-]+/tollgate/actions/(${TOLLGATE_ACTIONS.join('|')})@`);
const SECRET = /secrets\.([A-Za-z_][A-Za-z0-9_]*)/g;

export function environmentName(job: Job): string | undefined {
  return typeof job.environment === 'string' ? job.environment : job.environment?.name;
}

/** The secrets a job's definition names (`secrets.X`), GITHUB_TOKEN aside. */
function secretsRead(job: Job): string[] {
  const text = JSON.stringify(job);
  return [...new Set([...text.matchAll(SECRET)].map((m) => m[1]!))].filter((s) => s !== 'GITHUB_TOKEN');
}

function mintsAppToken(step: Step): boolean {
  return typeof step.uses === 'string' && step.uses.startsWith('actions/create-github-app-token@');
}

/** Why the job's GITHUB_TOKEN can write, or undefined when it cannot. */
function writeToken(job: Job, workflow: Permissions, options: WorkflowCheckOptions): string | undefined {
  const permissions = job.permissions ?? workflow;
  if (permissions === undefined)
    return options.defaultReadOnly === true
      ? undefined
      : "no `permissions:`, so GITHUB_TOKEN gets the repository's default (read and write unless it is set to read)";
  if (permissions === 'write-all') return 'GITHUB_TOKEN has `write-all`';
  if (typeof permissions !== 'object' || permissions === null) return undefined;
  const writes = Object.entries(permissions).filter(([, level]) => level === 'write');
  return writes.length > 0
    ? `GITHUB_TOKEN can write ${writes.map(([scope]) => scope).join(', ')}`
    : undefined;
}

/** The write credentials a job holds: a writing GITHUB_TOKEN, an App token, any secret. */
function credentials(job: Job, workflow: Permissions, options: WorkflowCheckOptions): string[] {
  const token = writeToken(job, workflow, options);
  return [
    ...(token ? [token] : []),
    ...((job.steps ?? []).some(mintsAppToken) ? ['it mints an App token'] : []),
    ...secretsRead(job).map((s) => `it reads the secret ${s}`),
  ];
}

/**
 * What in the job runs code from the repository: a shell step, a local action, the training command, or a metrics
 * command. Tollgate's retrain and monitor actions count unless `mode: record` is written out: those modes run no
 * repository code, and an older release of either ran it in every mode.
 */
function userCode(job: Job): string | undefined {
  for (const step of job.steps ?? []) {
    if (step.run !== undefined) return 'a `run:` step';
    if (typeof step.uses !== 'string') continue;
    if (step.uses.startsWith('./')) return `the local action ${step.uses}`;
    if (/\/tollgate\/actions\/retrain@/.test(step.uses) && String(step.with?.mode ?? 'all') !== 'record')
      return "Tollgate's retrain action outside mode `record` (it runs the model's training command)";
    if (/\/tollgate\/actions\/monitor@/.test(step.uses) && String(step.with?.mode ?? '') !== 'record')
      return "Tollgate's monitor action outside mode `record` (it runs the models' metrics commands)";
  }
  return undefined;
}

function usesOf(job: Job): string[] {
  return [
    ...(typeof job.uses === 'string' ? [job.uses] : []),
    ...(job.steps ?? []).flatMap((s) => (typeof s.uses === 'string' ? [s.uses] : [])),
  ];
}

/** The findings for one workflow file (its path in the repository, its text). */
export function analyzeWorkflow(path: string, text: string, options: WorkflowCheckOptions): Finding[] {
  let workflow: { permissions?: Permissions; jobs?: Record<string, Job> };
  try {
    workflow = (load(text) ?? {}) as typeof workflow;
  } catch (error) {
    return [
      {
        id: 'workflow-unparseable',
        severity: options.full ? 'weakness' : 'note',
        where: path,
        problem: `the workflow is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
        attack: 'doctor cannot tell what this workflow holds or runs',
        fix: 'correct the file (actionlint names the problem), or reinstall it with `tollgate init --upgrade`',
      },
    ];
  }
  const findings: Finding[] = [];
  const jobs = Object.entries(workflow.jobs ?? {});
  const top = workflow.permissions;

  if (options.full && !(typeof top === 'object' && top !== null && Object.keys(top).length === 0))
    findings.push({
      id: 'workflow-permissions-not-empty',
      severity: 'weakness',
      where: path,
      problem:
        top === undefined
          ? 'no workflow-level `permissions:`, so every job without its own gets the default GITHUB_TOKEN'
          : `workflow-level \`permissions: ${JSON.stringify(top)}\` instead of \`{}\``,
      attack:
        'a job that needs nothing holds a token that can write, for any compromised step or action to use',
      fix: 'set `permissions: {}` at the top of the workflow and grant each job the least it uses',
    });

  for (const [id, job] of jobs) {
    const where = `${path} job ${id}`;
    const environment = environmentName(job);
    const secrets = secretsRead(job);
    if (secrets.includes(APP_KEY_SECRET) && !Object.values<string>(ENVIRONMENTS).includes(environment ?? ''))
      findings.push({
        id: 'app-key-without-environment',
        severity: 'weakness',
        where,
        problem: `the job reads secrets.${APP_KEY_SECRET} ${environment === undefined ? 'without an `environment:`' : `in the environment "${environment}"`}`,
        attack:
          'a writer pushes a branch whose copy of this workflow mints the App token and uses it: the token can post a ' +
          "passing tollgate/signoff and merge what the App may bypass; the key must be reachable only from jobs the default branch's code runs",
        fix: `add \`environment: ${ENVIRONMENTS.app}\` to the job (the environment init restricts to the default branch), and keep the key only in that environment`,
      });
    if (secrets.includes(EMERGENCY_KEY_SECRET) && environment !== ENVIRONMENTS.emergency)
      findings.push({
        id: 'emergency-key-without-environment',
        severity: 'weakness',
        where,
        problem: `the job reads secrets.${EMERGENCY_KEY_SECRET} ${environment === undefined ? 'without an `environment:`' : `in "${environment}", not "${ENVIRONMENTS.emergency}"`}`,
        attack:
          'the emergency push key may push to the default branch past every ruleset: a workflow on any branch that reads it pushes anything there',
        fix: `add \`environment: ${ENVIRONMENTS.emergency}\` to the job; only the rollback and incident jobs should name it`,
      });
    if (!options.full) continue;

    const code = userCode(job);
    const held = credentials(job, top, options);
    if (code !== undefined && held.length > 0)
      findings.push({
        id: 'user-code-with-write-token',
        severity: 'weakness',
        where,
        problem: `the job runs repository code (${code}) and holds a write credential (${held.join('; ')})`,
        attack:
          'the code it runs (training code, a script, a dependency) comes from whoever changed it last, and can read ' +
          'the credential from the job and push or post checks with it',
        fix:
          'split the job: run the code in a job with read-only permissions, no secrets and `persist-credentials: false`, ' +
          'and do the write in another job that runs no repository code and verifies what the first one produced ' +
          '(templates/workflows/tollgate-retrain.yml: `train` and `record`)',
      });

    for (const step of job.steps ?? []) {
      if (typeof step.uses !== 'string' || !step.uses.startsWith('actions/download-artifact@')) continue;
      const elsewhere = ['run-id', 'repository', 'github-token'].filter((i) => step.with?.[i] !== undefined);
      if (held.length === 0 || elsewhere.length === 0) continue;
      findings.push({
        id: 'artifact-from-another-run',
        severity: 'weakness',
        where,
        problem: `the job holds a write credential (${held.join('; ')}) and downloads an artifact from another run (${elsewhere.map((i) => `\`${i}\``).join(', ')})`,
        attack:
          "another run's artifact can come from a workflow a writer ran on their own branch or pull request; the job " +
          'then records or judges what they wrote (observations, a trained artifact) with its credential',
        fix: 'download only from this run (no `run-id`, `repository` or `github-token`), as the monitor and retrain templates do',
      });
    }

    for (const step of job.steps ?? []) {
      if (typeof step.run !== 'string' || !step.run.includes('${{')) continue;
      findings.push({
        id: 'expression-in-run',
        severity: 'weakness',
        where,
        problem: `a \`run:\` step expands \`\${{ }}\` into its shell script: ${step.run
          .split('\n')
          .find((l) => l.includes('${{'))!
          .trim()}`,
        attack:
          'the expression is pasted into the script before the shell reads it, so a value a writer or a dispatch sender ' +
          'controls (an input, a payload field, a branch name, a title) runs as shell code in this job',
        fix: 'pass the value through `env:` (`env: { VALUE: ${{ … }} }`) and use "$VALUE" in the script',
      });
    }

    for (const uses of usesOf(job)) {
      if (uses.startsWith('./') || uses.startsWith('docker://') || PINNED.test(uses)) continue;
      const own = TOLLGATE_OWN.test(uses);
      findings.push({
        id: own ? 'tollgate-action-not-pinned' : 'action-not-pinned',
        severity: own ? 'note' : 'weakness',
        where,
        problem: `\`uses: ${uses}\` names a tag or branch, not a commit`,
        attack: own
          ? "whoever can move Tollgate's tags changes the code the gate runs; a released package pins the commit"
          : "whoever controls that action's repository (or steals its maintainer's token) moves the tag, and this job runs their code with its credentials",
        fix: own
          ? 'install Tollgate from a released package and run `tollgate init --upgrade`: it pins `@<sha> # vX.Y.Z`'
          : 'pin the full 40-character commit the tag points at, with the version in a comment: `uses: owner/action@<sha> # vX.Y.Z`',
      });
    }
  }
  return findings;
}
