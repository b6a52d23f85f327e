// What is left to do by hand after `tollgate init`, with the exact names the written workflows expect. Pure: the
// command passes in what it knows (the repository, when the origin remote names one).

/** The names the workflow templates read; GitHub settings must use exactly these. */
export const APP_ID_VARIABLE = 'TOLLGATE_APP_ID';
export const APP_KEY_SECRET = 'TOLLGATE_APP_KEY';
export const APP_ENVIRONMENT = 'tollgate';

export interface NextStepsInput {
  model: string;
  defaultBranch: string;
  /** `owner/name`, when known: the steps then link straight to the settings pages. */
  repository?: string;
  /** GITHUB_SERVER_URL: a GitHub Enterprise Server's URL; github.com when unset. */
  serverUrl?: string;
  /** Whether `--apply` already created the ruleset. */
  rulesetApplied: boolean;
}

export function nextSteps(input: NextStepsInput): string[] {
  const server = (input.serverUrl ?? 'https://github.com').replace(/\/+$/, '');
  const settings = (page: string, path: string) =>
    input.repository === undefined ? `Settings → ${page}` : `${server}/${input.repository}/settings/${path}`;
  const env = `repos/{owner}/{repo}/environments/${APP_ENVIRONMENT}`;
  return [
    `1. Commit these files and merge them into ${input.defaultBranch}: the gate runs from the default branch, so it`,
    '   must be there before the ruleset requires its check.',
    '2. Create the GitHub App Tollgate runs as, and install it on this repository:',
    '     npx tollgate app manifest --org YOUR_ORG --format html > tollgate-app.html',
    '   Open tollgate-app.html in a browser and press the button; on the new App\'s page, "Install App". Then',
    '   "Generate a private key" there (a .pem file downloads) and note its App ID.',
    `3. The App ID as the Actions variable ${APP_ID_VARIABLE} (${settings('Secrets and variables → Actions → Variables', 'variables/actions')}):`,
    `     gh variable set ${APP_ID_VARIABLE} --body APP_ID`,
    `4. The environment "${APP_ENVIRONMENT}", limited to ${input.defaultBranch}, holding the key as the secret ` +
      `${APP_KEY_SECRET} (${settings('Environments', 'environments')}):`,
    `     gh api -X PUT '${env}' -F "deployment_branch_policy[protected_branches]=false" \\`,
    '       -F "deployment_branch_policy[custom_branch_policies]=true"',
    `     gh api -X POST '${env}/deployment-branch-policies' -f name=${input.defaultBranch}`,
    `     gh secret set ${APP_KEY_SECRET} --env ${APP_ENVIRONMENT} < PATH/TO/the-app.private-key.pem`,
    input.rulesetApplied
      ? '5. The ruleset is applied (above).'
      : `5. Apply the ruleset above (${settings('Rules → Rulesets', 'rules')}), pinned to the App, with a token ` +
        'that has Administration: write:\n     GITHUB_TOKEN=$(gh auth token) npx tollgate init --apply --app-id APP_ID',
    '6. Check the whole set-up against the live repository:',
    '     GITHUB_TOKEN=$(gh auth token) npx tollgate doctor --app-id APP_ID',
    `7. Set ${input.model}'s training command in its model.yaml, then start its first retrain:`,
    `     gh workflow run tollgate-retrain.yml -f model=${input.model}`,
  ];
}
