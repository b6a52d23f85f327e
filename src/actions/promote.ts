// The promote action: the CLI's promotion, plus GitHub. Checks the move, commits the new stage pointer to
// tollgate/promote/<model>/<stage>, pushes it, opens (or updates) the one pull request for that model and
// stage, labels it and asks everyone who can fill a required role for review. The workflow_dispatch actor is
// the requester: recorded as Requested-By, never asked to review, and never counted by the gate.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { runGit } from '../git/run.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import type { PromotionProposal } from '../promotion/plan.ts';
import { preparePromotion } from '../promotion/prepare.ts';
import { proposeChange } from '../publish/propose.ts';
import { booleanInput, readActionEnvironment, runAction, type ActionEnvironment } from './runtime.ts';
import { ACTIONS_BOT } from './checkout.ts';

export interface PromoteInputs {
  model: string;
  version: string;
  stage: string;
  dryRun: boolean;
  /** The registry folder relative to the repository root. */
  registry: string;
}

export interface PromoteDeps {
  /** Needed unless dry-run. */
  client?: GitHubClient;
  now: Date;
  /** The git remote that is the GitHub repository. Default `origin`. */
  remote?: string;
  /** Extra environment for git (tests: isolated config, fixed dates). */
  gitEnv?: NodeJS.ProcessEnv;
}

export type PromoteOutcome =
  | { status: 'refused'; reason: string; fix: string }
  | { status: 'dry-run'; plan: PromotionProposal }
  | {
      status: 'proposed';
      plan: PromotionProposal;
      commit: string;
      branch: string;
      pullRequest: { number: number; url: string; created: boolean };
    };

/** The outcome, and the job summary that tells it. */
export type PromoteResult = PromoteOutcome & { summary: string };

async function configuredIdentity(repoRoot: string, env: NodeJS.ProcessEnv | undefined): Promise<boolean> {
  const email = await runGit(repoRoot, ['config', 'user.email'], { env, okCodes: [1] });
  return email.code === 0 && email.stdout.trim() !== '';
}

function summaryOf(result: PromoteOutcome, notes: string[], now: Date): string {
  const lines = ['## Tollgate promote', ''];
  if (result.status === 'refused') {
    lines.push(`**Refused:** ${result.reason}`, '', `Fix: ${result.fix}`, '');
  } else {
    const { plan } = result;
    const reviewers = [
      ...plan.pullRequest.reviewers.users.map((u) => `@${u}`),
      ...plan.pullRequest.reviewers.teams.map((t) => `@${t}`),
    ];
    if (result.status === 'proposed') {
      const pr = result.pullRequest;
      lines.push(
        `${pr.created ? 'Opened' : 'Updated'} [#${pr.number}](${pr.url}) from \`${result.branch}\` (commit \`${result.commit.slice(0, 12)}\`).`,
      );
    } else {
      lines.push(`Dry run: nothing was written. The pull request it would open from \`${plan.branch}\`:`);
    }
    lines.push(
      '',
      `- **${plan.subject}**, requested by @${plan.requestedBy}`,
      `- labels: ${plan.pullRequest.labels.map((l) => `\`${l}\``).join(', ')}`,
      `- reviewers ${result.status === 'proposed' ? 'requested' : 'to request'}: ${reviewers.join(', ') || '(none)'}`,
      ...notes.map((note) => `- note: ${note}`),
      '',
      '---',
      '',
      plan.pullRequest.body,
    );
  }
  lines.push(`<sub>Checked at ${now.toISOString()}</sub>`, '');
  return lines.join('\n');
}

export async function runPromote(
  inputs: PromoteInputs,
  env: ActionEnvironment,
  deps: PromoteDeps,
): Promise<PromoteResult> {
  if (!env.actor)
    throw new TollgateError('no GITHUB_ACTOR: the requester of a promotion must be known', {
      fix: 'run the action from a workflow (workflow_dispatch records who asked)',
    });
  const repoUrl = env.owner && env.repo ? `${env.serverUrl}/${env.owner}/${env.repo}` : undefined;
  const prepared = await preparePromotion(env.workspace, {
    model: inputs.model,
    version: inputs.version,
    stage: inputs.stage,
    requestedBy: env.actor,
    registryDir: inputs.registry,
    preferRemote: true,
    ...(deps.remote ? { remote: deps.remote } : {}),
    ...(env.runUrl ? { runUrl: env.runUrl } : {}),
    ...(repoUrl ? { repoUrl } : {}),
  });
  const { plan, notes } = prepared;
  const done = (result: PromoteOutcome): PromoteResult => ({
    ...result,
    summary: summaryOf(result, notes, deps.now),
  });
  if (!plan.ok) return done({ status: 'refused', reason: plan.reason, fix: plan.fix });
  if (inputs.dryRun) return done({ status: 'dry-run', plan });

  if (!deps.client)
    throw new TollgateError('promote needs a GitHub client to open the pull request', {
      fix: 'pass the token input, or set dry-run: true',
    });
  const identity = (await configuredIdentity(env.workspace, deps.gitEnv))
    ? {}
    : {
        author: ACTIONS_BOT,
        env: { ...deps.gitEnv, GIT_COMMITTER_NAME: ACTIONS_BOT.name, GIT_COMMITTER_EMAIL: ACTIONS_BOT.email },
      };
  const result = await proposeChange(
    env.workspace,
    {
      branch: plan.branch,
      baseRef: prepared.baseSha,
      baseBranch: plan.baseBranch,
      files: [{ path: plan.path, content: plan.content }],
      message: plan.subject,
      trailers: plan.trailers,
      ...(deps.gitEnv ? { env: deps.gitEnv } : {}),
      ...identity,
      pullRequest: plan.pullRequest,
    },
    {
      client: deps.client,
      repo: { owner: env.owner, repo: env.repo },
      ...(deps.remote ? { remote: deps.remote } : {}),
    },
  );
  return done({
    status: 'proposed',
    plan,
    commit: result.commit,
    branch: result.branch,
    pullRequest: result.pullRequest!,
  });
}

export async function run(): Promise<void> {
  await runAction('Tollgate promote', async (run) => {
    const env = readActionEnvironment(process.env);
    const inputs: PromoteInputs = {
      model: core.getInput('model', { required: true }),
      version: core.getInput('version', { required: true }),
      stage: core.getInput('stage') || 'production',
      dryRun: booleanInput('dry-run', false),
      registry: core.getInput('registry') || 'registry',
    };
    const client = inputs.dryRun
      ? undefined
      : githubClientFromEnv(process.env, { token: core.getInput('token') });
    try {
      const result = await runPromote(inputs, env, {
        ...(client ? { client } : {}),
        now: new Date(),
      });
      core.summary.addRaw(result.summary);
      if (result.status === 'refused')
        throw new TollgateError(`promotion refused: ${result.reason}`, { fix: result.fix });
      core.setOutput('branch', result.status === 'proposed' ? result.branch : result.plan.branch);
      if (result.status === 'proposed') {
        core.setOutput('pull-request', result.pullRequest.number);
        core.info(`${result.pullRequest.created ? 'Opened' : 'Updated'} ${result.pullRequest.url}`);
      }
    } finally {
      if (client) run.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
