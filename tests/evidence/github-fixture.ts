// A registry repository on the GitHub double with a history of merged pull requests, reviews and gate check runs,
// and a real clone of it to read evidence from.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { GitHubDoubleHandle } from '../github-double/harness.ts';

export const FULL = 'acme/models';
export const REPO = { owner: 'acme', repo: 'models' };
export const CHECK = 'tollgate/signoff';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'registry');

/** The example registry as `registry/...` -> text. */
export function exampleRegistry(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[`registry/${relative(EXAMPLE, full).split('\\').join('/')}`] = readFileSync(full, 'utf8');
    }
  };
  walk(EXAMPLE);
  return files;
}

export interface GitHubScenario {
  /** The clone to read from (full history). */
  dir: string;
  initial: string;
  /** #1: reviewed, gate passed before the merge. */
  passed: { number: number; head: string; merge: string };
  /** #2: merged with the gate check failing (an admin merge). */
  failed: { number: number; head: string; merge: string };
  /** #3: merged before the gate check completed. */
  early: { number: number; head: string; merge: string };
  cleanup(): void;
}

function stages(model: string, staging: string, production: string): string {
  return `apiVersion: tollgate/v1\nkind: Stages\nmodel: ${model}\nstages:\n  staging:\n    version: ${staging}\n  production:\n    version: ${production}\n`;
}

/** The description the fixture's promotion pull requests carry: what their reviewers saw. */
export function promotionBody(model: string, version: string): string {
  return `## Promote ${model} ${version} to production\n\n| metric | production | candidate |\n| --- | --- | --- |\n| auc | 0.91 | 0.93 |\n`;
}

const ISOLATED = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

export async function buildGitHubScenario(gh: GitHubDoubleHandle): Promise<GitHubScenario> {
  const state = gh.state;
  const repo = await state.createRepo(FULL, { files: exampleRegistry() });
  const initial = (await state.headSha(FULL, 'main'))!;
  state.addTeam('acme', 'compliance', { members: ['carol'] });
  state.addTeam('acme', 'model-risk', { members: ['rick'] });
  state.addTeam('acme', 'fraud-ml', { members: ['frank'] });
  state.addTeam('acme', 'growth-ml', { members: ['gina'] });
  // Reviewers with write access: a sign-off needs it (the audit's re-evaluation checks it as the gate does).
  for (const login of ['rita-risk', 'carol', 'frank', 'alice', 'gina', 'rick'])
    state.setCollaborator(FULL, login, 'write');

  const check = (headSha: string, conclusion: string) => {
    const at = state.now();
    repo.checkRuns.push({
      id: state.nextId(),
      name: CHECK,
      headSha,
      status: 'completed',
      conclusion,
      title: conclusion,
      summary: conclusion,
      text: null,
      annotations: [],
      detailsUrl: null,
      externalId: null,
      startedAt: at,
      completedAt: at,
    });
  };
  const promote = async (branch: string, model: string, staging: string, production: string) => {
    const head = await state.commit(
      FULL,
      branch,
      { [`registry/models/${model}/stages.yaml`]: stages(model, staging, production) },
      `Promote ${model} ${production} to production\n\nTollgate-Event: promote\nModel: ${model}\nVersion: ${production}\nStage: production\nRequested-By: dana`,
      'tollgate-bot',
    );
    const pull = state.openPull(FULL, {
      head: branch,
      title: `Promote ${model} ${production} to production`,
      body: promotionBody(model, production),
      user: 'tollgate-bot',
    });
    return { number: pull.number, head };
  };

  const one = await promote('tollgate/promote-fraud-v5', 'fraud-detector', 'v5', 'v5');
  await state.addReview(FULL, one.number, { user: 'bob', state: 'COMMENTED' });
  await state.addReview(FULL, one.number, { user: 'rita-risk', state: 'APPROVED' });
  await state.addReview(FULL, one.number, { user: 'carol', state: 'APPROVED' });
  await state.addReview(FULL, one.number, { user: 'frank', state: 'APPROVED' });
  check(one.head, 'failure');
  check(one.head, 'success');
  const passed = { ...one, merge: await state.mergePull(FULL, one.number, 'maya') };

  const two = await promote('tollgate/promote-churn-v3', 'churn-predictor', 'v3', 'v3');
  await state.addReview(FULL, two.number, { user: 'rita-risk', state: 'APPROVED' });
  check(two.head, 'failure');
  const failed = { ...two, merge: await state.mergePull(FULL, two.number, 'acme') };

  const three = await promote('tollgate/promote-fraud-v4', 'fraud-detector', 'v5', 'v4');
  await state.addReview(FULL, three.number, { user: 'alice', state: 'APPROVED' });
  const early = { ...three, merge: await state.mergePull(FULL, three.number, 'maya') };
  check(three.head, 'success');

  const dir = mkdtempSync(join(tmpdir(), 'tollgate-evidence-gh-'));
  execFileSync('git', ['clone', '-q', `file://${repo.gitDir}`, dir], { env: ISOLATED, stdio: 'ignore' });
  return {
    dir,
    initial,
    passed,
    failed,
    early,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
