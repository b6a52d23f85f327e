// The repository settings `tollgate init` asks for: two rulesets and two deployment environments, printed for a
// person to apply, or applied through the API with `--apply`. docs/gate.md "How to set up" shows the same.
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { allowAutoMerge, createRepositoryRuleset, restrictEnvironmentToBranch } from '../github/rulesets.ts';
import { TollgateError } from '../errors.ts';
import { readPolicy } from '../policy/read.ts';
import { fileSystemReader } from '../registry/load.ts';
import type { Severity } from '../registry/types.ts';
import { ENVIRONMENTS, type InitAnswers } from './plan.ts';
import { APP_ID_HELP, assertChecksPinned, tollgateRulesets, type Ruleset } from './rulesets.ts';

export interface SettingsPlan {
  defaultBranch: string;
  rulesets: Ruleset[];
  /** Environments to restrict to the default branch. */
  environments: string[];
}

/**
 * The settings for this repository. Without the App id there is nothing safe to print or apply: the refusal says
 * how to find it. `emergencyPush` adds the deploy-key bypass only when the policy lets some incident push.
 */
export function planSettings(options: {
  defaultBranch: string;
  appId?: number;
  emergencyPush: boolean;
}): SettingsPlan {
  const rulesets = tollgateRulesets(options);
  assertChecksPinned(rulesets);
  return {
    defaultBranch: options.defaultBranch,
    rulesets,
    environments: [ENVIRONMENTS.app, ENVIRONMENTS.emergency],
  };
}

export interface AppliedSettings {
  rulesets: { name: string; id: number }[];
  environments: string[];
}

/** Applies the plan (needs Administration: write): environments first, so no workflow runs unprotected. */
export async function applySettings(
  client: GitHubClient,
  repo: RepoRef,
  plan: SettingsPlan,
): Promise<AppliedSettings> {
  for (const environment of plan.environments)
    await restrictEnvironmentToBranch(client, repo, environment, plan.defaultBranch);
  const rulesets: AppliedSettings['rulesets'] = [];
  for (const ruleset of plan.rulesets)
    rulesets.push({ name: ruleset.name, id: await createRepositoryRuleset(client, repo, ruleset) });
  await allowAutoMerge(client, repo);
  return { rulesets, environments: plan.environments };
}

/** What a person does by hand, in the order that never leaves a secret usable from another branch. */
export function describeSettings(plan: SettingsPlan): string[] {
  return [
    `1. Environments ${plan.environments.map((e) => `"${e}"`).join(' and ')}, each with deployment branches`,
    `   limited to "${plan.defaultBranch}" (Settings → Environments → Deployment branches and tags → Selected).`,
    `   Put the App's private key in both as the secret TOLLGATE_APP_KEY, the emergency push key (a deploy key`,
    `   with write access) in "${ENVIRONMENTS.emergency}" only as TOLLGATE_EMERGENCY_PUSH_KEY, and the App id in`,
    '   the repository variable TOLLGATE_APP_ID.',
    `2. The rulesets on ${plan.defaultBranch} (Settings → Rules → Rulesets → New → Import a ruleset, one file each):`,
    ...plan.rulesets.map((r) => JSON.stringify(r, null, 2)),
  ];
}

/** The line init prints after `--apply`. */
export function describeApplied(repository: string, plan: SettingsPlan, applied: AppliedSettings): string {
  return [
    `Applied ${applied.rulesets.map((r) => `ruleset "${r.name}" (id ${r.id})`).join(' and ')} to ${repository},`,
    `restricted the environments ${applied.environments.join(' and ')} to ${plan.defaultBranch}, and turned on`,
    'auto-merge. Still to do by hand: the secrets and the TOLLGATE_APP_ID variable (docs/github.md).',
  ].join('\n');
}

const SEVERITIES: Severity[] = ['P0', 'P1', 'P2', 'P3', 'P4'];

/**
 * The severities allowed to push: an adopted repository's own policy (re-running `--apply` must not add a bypass
 * its policy does not use), else the flag.
 */
export async function emergencyPushFor(
  adoptedRegistry: string | undefined,
  flag: string | undefined,
): Promise<Severity[]> {
  if (adoptedRegistry === undefined) return parseEmergencyPush(flag);
  return (await readPolicy(fileSystemReader(adoptedRegistry))).incident.emergencyPush;
}

/** `--emergency-push P0,P1`, or `none` for no emergency push (and no bypass in the rulesets). */
export function parseEmergencyPush(value: string | undefined): Severity[] {
  const given = (value ?? 'P0').split(/[\s,]+/).filter((v) => v !== '');
  if (given.length === 1 && given[0]!.toLowerCase() === 'none') return [];
  const wrong = given.find((s) => !SEVERITIES.includes(s as Severity));
  if (wrong !== undefined)
    throw new TollgateError(`--emergency-push: "${wrong}" is not a severity`, {
      field: 'emergency-push',
      fix: 'pass severities like P0,P1, or none to send every rollback through a pull request',
    });
  return given as Severity[];
}

/** The settings to print or apply; undefined (and a refusal with --apply) when no App id pins the checks. */
export function settingsFor(
  answers: InitAnswers,
  appId: string | undefined,
  apply: boolean,
): SettingsPlan | undefined {
  const id = appId === undefined ? undefined : Number(appId);
  if (id !== undefined && !(Number.isSafeInteger(id) && id > 0))
    throw new TollgateError(`--app-id must be the App's numeric id, not "${appId}"`, { field: 'app-id' });
  const options = {
    defaultBranch: answers.defaultBranch,
    emergencyPush: (answers.emergencyPush ?? []).length > 0,
    ...(id === undefined ? {} : { appId: id }),
  };
  // Refuses unpinned checks; without --apply the files are still written and the refusal printed instead.
  if (id === undefined && !apply) return undefined;
  return planSettings(options);
}

export const MISSING_APP_ID = `no ruleset without the App id: ${APP_ID_HELP}`;

/** What init prints about the settings: the refusal without an App id, what --apply did, or how to do it by hand. */
export function settingsReport(
  defaultBranch: string,
  plan: SettingsPlan | undefined,
  applied?: string,
): string[] {
  const intro = [
    `Make the gate hold: rulesets on ${defaultBranch} requiring a pull request, a code owner's review and`,
    'the checks "tollgate/signoff" and "validate" pinned to their apps; environments for the App key.',
  ];
  if (plan === undefined) return [...intro, MISSING_APP_ID];
  if (applied !== undefined) return [...intro, ...applied.split('\n')];
  return [
    ...intro,
    'Apply them with `tollgate init --apply --app-id ID` (needs GITHUB_TOKEN with administration: write;',
    'it also turns on "Allow auto-merge", which Tollgate\'s state pull requests use), or by hand:',
    ...describeSettings(plan),
  ];
}
