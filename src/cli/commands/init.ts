// `tollgate init`: adopts Tollgate in an existing repository. Writes the policy, a first model, the workflows and
// CODEOWNERS entries; prints (or with --apply, creates) the rulesets and environments that make the gate hold.
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { originUrl } from '../../git/client.ts';
import { githubClientFromEnv } from '../../github/client.ts';
import { initFlow } from '../../init/flow.ts';
import { nextSteps } from '../../init/next-steps.ts';
import type { InitAnswers } from '../../init/plan.ts';
import { describePin } from '../../init/release.ts';
import { emergencyPushFor, settingsReport } from '../../init/settings.ts';
import { POLICY_PATH } from '../../registry/paths.ts';
import { parseDuration } from '../../scheduler/schedule.ts';
import { checkedOutBranch } from '../../git/history.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { ask } from '../prompt.ts';
import { upgradeWorkflows } from './init-upgrade.ts';
import { originRepo, parseRepoOption } from './review-source.ts';

const list = (value: string): string[] =>
  value
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** owner/name from `--repo` or the origin remote's URL (https or ssh form). */
async function repositoryName(
  context: CliContext,
  flag: string | undefined,
): Promise<{ owner: string; repo: string }> {
  const source = flag ?? (await originUrl(context.repoRoot)) ?? '';
  const match = /([^/:]+)\/([^/]+?)(?:\.git)?$/.exec(source);
  if (!match)
    throw new TollgateError('cannot tell which GitHub repository to apply the ruleset to', {
      fix: 'pass --repo OWNER/NAME',
    });
  return { owner: match[1]!, repo: match[2]! };
}

const INIT = commandSpec({
  name: 'init',
  summary: 'adopt Tollgate in this repository: policy, first model, workflows, CODEOWNERS, ruleset',
  positionals: [0, 0],
  writes: true,
  needsRegistry: false,
  options: {
    model: { type: 'string', value: 'NAME', description: 'the first model to register' },
    owner: { type: 'string', value: '@TEAM', multiple: true, description: 'owners of the model' },
    risk: { type: 'string', value: '@TEAM', multiple: true, description: 'the risk sign-off role' },
    compliance: {
      type: 'string',
      value: '@TEAM',
      multiple: true,
      description: 'the compliance sign-off role',
    },
    'policy-owner': { type: 'string', value: '@TEAM', multiple: true, description: 'who owns policy.yaml' },
    'default-branch': {
      type: 'string',
      value: 'NAME',
      description: 'the default branch (default: detected)',
    },
    interval: { type: 'string', value: 'DURATION', description: 'the retrain interval of the first model' },
    force: { type: 'boolean', default: false, description: 'overwrite files that exist' },
    'with-site': { type: 'boolean', default: false, description: 'also add the site workflow' },
    apply: { type: 'boolean', default: false, description: 'apply the ruleset and settings on GitHub' },
    repo: { type: 'string', value: 'OWNER/NAME', description: 'the GitHub repository (default: origin)' },
    'app-id': { type: 'string', value: 'ID', description: 'the gate App id the ruleset requires' },
    'emergency-push': {
      type: 'string',
      value: 'SEVERITY',
      default: 'P0',
      description: 'the incident severity that allows an emergency push',
    },
    'dispatch-sender': {
      type: 'string',
      value: 'LOGIN',
      multiple: true,
      description: 'who may trigger retrains by repository dispatch',
    },
    ...FORMAT_OPTION,
    upgrade: { type: 'boolean', default: false, description: 'update the workflows to this release' },
    yes: { type: 'boolean', default: false, description: 'do not ask before --upgrade' },
  },
  examples: [
    [
      'tollgate init --model fraud-detector --owner @acme/ml --risk @acme/risk',
      'adopt Tollgate with one model',
    ],
    ['tollgate init --dry-run', 'show the files it would write'],
    ['tollgate init --apply --repo acme/models', 'then, after merging, apply the ruleset on GitHub'],
  ],
});

export const initCommand: Command = {
  ...INIT,
  async run(args, context) {
    const { values } = parseCommandArgs(INIT, args);
    if (values.upgrade)
      return upgradeWorkflows(context, { dryRun: values['dry-run'], yes: values.yes, format: values.format });
    // `--apply` in a repository that has adopted Tollgate applies the settings alone: the adoption has to be merged
    // before the ruleset can require the gate's check, so this is the usual second run.
    const settingsOnly =
      values.apply && !values.force && existsSync(resolve(context.registryDir, POLICY_PATH));
    const interactive = process.stdin.isTTY === true && values.format !== 'json' && !settingsOnly;
    const answer = async (given: string[] | string | undefined, question: string, fallback: string) =>
      given !== undefined && given.length > 0
        ? [given].flat().flatMap(list)
        : list(interactive ? await ask(question, fallback) : fallback);
    const currentBranch = (await checkedOutBranch(context.repoRoot)) || 'main';
    const answers: InitAnswers = {
      model: (await answer(values.model, 'First model name', 'my-model'))[0]!,
      owners: await answer(values.owner, 'Model owners (org/team or login)', 'my-org/ml-team'),
      risk: await answer(values.risk, 'Risk reviewers', 'my-org/model-risk'),
      compliance: await answer(values.compliance, 'Compliance reviewers', 'my-org/compliance'),
      policyOwners: await answer(values['policy-owner'], 'Policy owners', 'my-org/ml-platform'),
      defaultBranch: values['default-branch'] ?? currentBranch,
      registry: relative(context.repoRoot, context.registryDir) || 'registry',
      interval: parseDuration(values.interval ?? '1d'),
      now: context.now(),
      emergencyPush: await emergencyPushFor(
        settingsOnly ? context.registryDir : undefined,
        values['emergency-push'],
      ),
      dispatchSenders: (values['dispatch-sender'] ?? []).flatMap(list),
      withSite: values['with-site'],
    };
    const { files, written, settings, applied, release } = await initFlow(
      {
        answers,
        force: values.force,
        dryRun: values['dry-run'],
        apply: values.apply,
        settingsOnly,
        ...(values['app-id'] !== undefined ? { appId: values['app-id'] } : {}),
      },
      {
        repoRoot: context.repoRoot,
        github: async () => ({
          repo: await repositoryName(context, values.repo),
          client: githubClientFromEnv(context.env),
        }),
      },
    );

    // Links to the settings pages only for a repository named by --repo or a GitHub-style origin URL.
    const origin =
      values.repo !== undefined ? parseRepoOption(values.repo) : await originRepo(context.repoRoot);
    const steps = nextSteps({
      ...answers,
      repository: origin && `${origin.owner}/${origin.repo}`,
      serverUrl: context.env.GITHUB_SERVER_URL,
      rulesetApplied: applied !== undefined,
    });
    const summary = {
      files: files.map((f) => f.path),
      written,
      rulesets: settings?.rulesets,
      applied,
      release,
      next_steps: steps,
    };
    if (values.format === 'json') return (context.out(JSON.stringify(summary, null, 2)), 0);
    context.out(
      [
        ...(settingsOnly
          ? ['init --apply: this repository has adopted Tollgate already; its files are left as they are.']
          : [
              values['dry-run'] ? 'init (dry run) would write:' : 'init wrote:',
              ...files.map((f) => `  ${f.path}${f.append ? ' (appended)' : ''}`),
            ]),
        `The workflows use Tollgate's actions from ${describePin(release)}; \`tollgate init --upgrade\` moves them.`,
        '',
        ...settingsReport(answers.defaultBranch, settings, applied),
        '',
        'Next steps:',
        ...steps,
      ].join('\n'),
    );
    return 0;
  },
};
