// What the actions that commit need from the runner's checkout: where the registry is, and the git
// identity of the commits they make (actions/checkout configures none).

/** The identity GitHub shows for commits made by workflows; actions use it when the checkout configured none. */
export const ACTIONS_BOT = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
};

/** The same identity as git's environment, for author and committer. */
export const BOT_GIT_ENV: NodeJS.ProcessEnv = {
  GIT_AUTHOR_NAME: ACTIONS_BOT.name,
  GIT_AUTHOR_EMAIL: ACTIONS_BOT.email,
  GIT_COMMITTER_NAME: ACTIONS_BOT.name,
  GIT_COMMITTER_EMAIL: ACTIONS_BOT.email,
};

export { registryFolder } from '../registry/paths.ts';
