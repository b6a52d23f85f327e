// `tollgate doctor`: reads a live repository's settings through the API and judges them (analyze.ts). A setting
// the token may not read (403, or GitHub's 404 that hides it) becomes a finding; any other API failure (network,
// 5xx after retries, an exhausted rate limit, a bad token) is thrown, for the CLI's exit 3.
import { statusOf, type GitHubClient, type RepoRef } from '../github/client.ts';
import {
  branchProtection,
  deploymentBranchPolicies,
  listEnvironments,
  listRulesets,
  readContents,
  repositoryDefaultBranch,
  repositoryVariable,
  secretNames,
  workflowPermissions,
} from '../github/repository-settings.ts';
import { readPolicy } from '../policy/read.ts';
import { schemaFileName } from '../registry/schemas.ts';
import type { RegistryReader } from '../registry/types.ts';
import { analyzeRepository, type EnvironmentFact, type Readable, type RepositoryFacts } from './analyze.ts';
import { CODEOWNERS_PATHS } from './codeowners.ts';
import { doctorExitCode, type Finding } from './findings.ts';

export interface DoctorOptions {
  /** The registry folder relative to the repository root (default `registry`). */
  registry?: string;
  /** The Tollgate App's id; without it, the repository variable TOLLGATE_APP_ID is read. */
  appId?: number;
}

export interface DoctorReport {
  repository: string;
  defaultBranch: string;
  appId?: number;
  findings: Finding[];
  exitCode: 0 | 1;
}

const WORKFLOWS_DIR = '.github/workflows';

function rateLimited(error: unknown): boolean {
  return /rate limit/i.test(error instanceof Error ? error.message : '');
}

/** The call's value, or why the token could not make it. `absent` answers a 404 that means "there is none". */
async function readable<T>(
  call: string,
  read: () => Promise<T>,
  absent?: { value: T },
): Promise<Readable<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 && absent) return { ok: true, value: absent.value };
    if ((status === 403 && !rateLimited(error)) || status === 404) return { ok: false, status, call };
    throw error;
  }
}

/** A file's text on `ref`, undefined when it does not exist. */
async function fileText(client: GitHubClient, repo: RepoRef, path: string, ref: string) {
  const got = await readable(`GET contents/${path}`, () => readContents(client, repo, path, ref), {
    value: undefined,
  });
  if (!got.ok) return got;
  return { ok: true as const, value: got.value && 'file' in got.value ? got.value.file : undefined };
}

async function environmentFacts(client: GitHubClient, repo: RepoRef): Promise<Readable<EnvironmentFact[]>> {
  const listed = await readable('GET /repos/{owner}/{repo}/environments', () =>
    listEnvironments(client, repo),
  );
  if (!listed.ok) return listed;
  const facts: EnvironmentFact[] = [];
  for (const environment of listed.value) {
    const policy = environment.deployment_branch_policy;
    const branches: EnvironmentFact['branches'] =
      policy === null || policy === undefined
        ? { ok: true, value: null }
        : policy.protected_branches
          ? { ok: true, value: 'protected' }
          : await readable(
              'GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
              () => deploymentBranchPolicies(client, repo, environment.name),
            );
    const secrets = await readable('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', () =>
      secretNames(client, repo, { environment: environment.name }),
    );
    facts.push({ name: environment.name, branches, secrets });
  }
  return { ok: true, value: facts };
}

async function workflowFiles(
  client: GitHubClient,
  repo: RepoRef,
  ref: string,
): Promise<RepositoryFacts['workflows']> {
  const listing = await readable(
    `GET contents/${WORKFLOWS_DIR}`,
    () => readContents(client, repo, WORKFLOWS_DIR, ref),
    { value: { folder: [] } },
  );
  if (!listing.ok) return listing;
  const paths = 'folder' in listing.value ? listing.value.folder.filter((p) => /\.ya?ml$/.test(p)) : [];
  const files: { path: string; text: string }[] = [];
  for (const path of paths.sort()) {
    const text = await fileText(client, repo, path, ref);
    if (!text.ok) return text;
    if (text.value !== undefined) files.push({ path, text: text.value });
  }
  return { ok: true, value: files };
}

async function codeownersFile(
  client: GitHubClient,
  repo: RepoRef,
  ref: string,
): Promise<RepositoryFacts['codeowners']> {
  for (const path of CODEOWNERS_PATHS) {
    const text = await fileText(client, repo, path, ref);
    if (!text.ok) return text;
    if (text.value !== undefined) return { ok: true, value: { path, text: text.value } };
  }
  return { ok: true, value: null };
}

/** The policy on the default branch, read like any registry's (defaults filled in); undefined if unreadable. */
async function policyFacts(
  client: GitHubClient,
  repo: RepoRef,
  registry: string,
  ref: string,
): Promise<RepositoryFacts['policy']> {
  const text = await fileText(client, repo, `${registry}/policy.yaml`, ref);
  if (!text.ok || text.value === undefined) return undefined;
  const content = text.value;
  const reader: RegistryReader = {
    label: `${repo.owner}/${repo.repo}@${ref}`,
    list: async () => ['policy.yaml'],
    read: async (path) => (path === 'policy.yaml' ? Buffer.from(content) : undefined),
  };
  const policy = await readPolicy(reader).catch(() => undefined);
  if (!policy) return undefined;
  const handles = policy.signoff.policyOwners.flatMap((role) => [
    ...(policy.roles[role]?.teams ?? []).map((t) => `@${t}`),
    ...(policy.roles[role]?.users ?? []).map((u) => `@${u}`),
  ]);
  return { emergencyPush: policy.incident.emergencyPush.length > 0, policyOwners: handles };
}

/** The App id: given, or the repository variable TOLLGATE_APP_ID when the token may read it. */
async function appIdOf(client: GitHubClient, repo: RepoRef, given?: number): Promise<number | undefined> {
  if (given !== undefined) return given;
  const value = await readable('GET variables/TOLLGATE_APP_ID', () =>
    repositoryVariable(client, repo, 'TOLLGATE_APP_ID'),
  );
  const id = value.ok ? Number(value.value.trim()) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** Reads everything doctor judges. */
export async function readRepositoryFacts(
  client: GitHubClient,
  repo: RepoRef,
  options: DoctorOptions = {},
): Promise<RepositoryFacts> {
  const registry = (options.registry ?? 'registry').replace(/^\.?\/+|\/+$/g, '') || 'registry';
  const schemasDir = registry.includes('/')
    ? `${registry.slice(0, registry.lastIndexOf('/'))}/schemas`
    : 'schemas';
  const defaultBranch = await repositoryDefaultBranch(client, repo);
  const appId = await appIdOf(client, repo, options.appId);
  const policy = await policyFacts(client, repo, registry, defaultBranch);
  return {
    repository: `${repo.owner}/${repo.repo}`,
    defaultBranch,
    rulesets: await readable('GET /repos/{owner}/{repo}/rulesets', () => listRulesets(client, repo) as never),
    protection: await readable(
      'GET /repos/{owner}/{repo}/branches/{branch}/protection',
      () => branchProtection(client, repo, defaultBranch) as never,
      { value: null },
    ),
    environments: await environmentFacts(client, repo),
    repositorySecrets: await readable('GET /repos/{owner}/{repo}/actions/secrets', () =>
      secretNames(client, repo, 'repository'),
    ),
    // A repository outside an organization has no organization secrets; GitHub answers 404 there.
    organizationSecrets: await readable(
      'GET /repos/{owner}/{repo}/actions/organization-secrets',
      () => secretNames(client, repo, 'organization'),
      { value: [] },
    ),
    actions: await readable('GET /repos/{owner}/{repo}/actions/permissions/workflow', () =>
      workflowPermissions(client, repo),
    ),
    workflows: await workflowFiles(client, repo, defaultBranch),
    codeowners: await codeownersFile(client, repo, defaultBranch),
    ...(appId !== undefined ? { appId } : {}),
    ...(policy ? { policy } : {}),
    guardedFiles: [
      `${WORKFLOWS_DIR}/tollgate-signoff-gate.yml`,
      `${registry}/policy.yaml`,
      `${schemasDir}/${schemaFileName('Policy')}`,
    ],
  };
}

export async function doctorFlow(
  client: GitHubClient,
  repo: RepoRef,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const facts = await readRepositoryFacts(client, repo, options);
  const findings = analyzeRepository(facts);
  return {
    repository: facts.repository,
    defaultBranch: facts.defaultBranch,
    ...(facts.appId !== undefined ? { appId: facts.appId } : {}),
    findings,
    exitCode: doctorExitCode(findings),
  };
}
