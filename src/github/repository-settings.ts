// Reading a repository's security settings (what `tollgate doctor` checks): rulesets, classic branch protection,
// environments and their branch policies and secrets' names, Actions settings, and files on a ref. Most of these
// need Administration: read (or Secrets/Environments: read); the caller decides what a 403 means.
import type { GitHubClient, RepoRef } from './client.ts';

export interface RulesetSummary {
  id: number;
  name: string;
}

export async function repositoryDefaultBranch(client: GitHubClient, repo: RepoRef): Promise<string> {
  const { data } = await client.octokit.request('GET /repos/{owner}/{repo}', { ...repo });
  return data.default_branch;
}

/** The rulesets that apply to the repository, its organization's included; each read in full (rules, bypass). */
export async function listRulesets(client: GitHubClient, repo: RepoRef): Promise<unknown[]> {
  const { data } = await client.octokit.request('GET /repos/{owner}/{repo}/rulesets', {
    ...repo,
    includes_parents: true,
    per_page: 100,
  });
  const full: unknown[] = [];
  for (const summary of data as RulesetSummary[]) {
    const { data: ruleset } = await client.octokit.request(
      'GET /repos/{owner}/{repo}/rulesets/{ruleset_id}',
      {
        ...repo,
        ruleset_id: summary.id,
      },
    );
    full.push(ruleset);
  }
  return full;
}

export async function branchProtection(
  client: GitHubClient,
  repo: RepoRef,
  branch: string,
): Promise<unknown> {
  const { data } = await client.octokit.request('GET /repos/{owner}/{repo}/branches/{branch}/protection', {
    ...repo,
    branch,
  });
  return data;
}

export interface EnvironmentSummary {
  name: string;
  deployment_branch_policy?: { protected_branches: boolean; custom_branch_policies: boolean } | null;
}

export async function listEnvironments(client: GitHubClient, repo: RepoRef): Promise<EnvironmentSummary[]> {
  const { data } = await client.octokit.request('GET /repos/{owner}/{repo}/environments', {
    ...repo,
    per_page: 100,
  });
  return (data.environments ?? []) as EnvironmentSummary[];
}

export async function deploymentBranchPolicies(
  client: GitHubClient,
  repo: RepoRef,
  environment: string,
): Promise<{ name: string; type: string }[]> {
  const { data } = await client.octokit.request(
    'GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
    { ...repo, environment_name: environment, per_page: 100 },
  );
  return data.branch_policies.map((p) => ({ name: p.name ?? '', type: p.type ?? 'branch' }));
}

/** The names of the secrets at one level (their values are never readable). */
export async function secretNames(
  client: GitHubClient,
  repo: RepoRef,
  level: { environment: string } | 'repository' | 'organization',
): Promise<string[]> {
  const { data } =
    level === 'repository'
      ? await client.octokit.request('GET /repos/{owner}/{repo}/actions/secrets', { ...repo, per_page: 100 })
      : level === 'organization'
        ? await client.octokit.request('GET /repos/{owner}/{repo}/actions/organization-secrets', {
            ...repo,
            per_page: 100,
          })
        : await client.octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', {
            ...repo,
            environment_name: level.environment,
            per_page: 100,
          });
  return data.secrets.map((s) => s.name);
}

export async function workflowPermissions(
  client: GitHubClient,
  repo: RepoRef,
): Promise<{ defaultWorkflowPermissions: string; canApprovePullRequestReviews: boolean }> {
  const { data } = await client.octokit.request('GET /repos/{owner}/{repo}/actions/permissions/workflow', {
    ...repo,
  });
  return {
    defaultWorkflowPermissions: data.default_workflow_permissions,
    canApprovePullRequestReviews: data.can_approve_pull_request_reviews,
  };
}

export async function repositoryVariable(client: GitHubClient, repo: RepoRef, name: string): Promise<string> {
  const { data } = await client.octokit.request('GET /repos/{owner}/{repo}/actions/variables/{name}', {
    ...repo,
    name,
  });
  return data.value;
}

/** A file's text on `ref`; a folder's file paths when `path` is a folder. */
export async function readContents(
  client: GitHubClient,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<{ file: string } | { folder: string[] }> {
  const { data } = await client.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
    ...repo,
    path,
    ref,
  });
  if (Array.isArray(data)) return { folder: data.filter((e) => e.type === 'file').map((e) => e.path) };
  const file = data as { type: string; content?: string; encoding?: string };
  return {
    file: Buffer.from(file.content ?? '', file.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8'),
  };
}
