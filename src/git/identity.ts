// Who commits on a runner, when the workflow says nothing: Tollgate's bot.

/** The commit identity on a runner: the GIT_AUTHOR_ and GIT_COMMITTER_ name and email when set, else Tollgate's bot. */
export function botGitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const bot = { name: 'tollgate[bot]', email: 'tollgate[bot]@users.noreply.github.com' };
  return {
    GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME ?? bot.name,
    GIT_AUTHOR_EMAIL: env.GIT_AUTHOR_EMAIL ?? bot.email,
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME ?? bot.name,
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL ?? bot.email,
  };
}
