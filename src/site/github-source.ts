// The site's GitHub port: promotion pull requests still open with the sign-off gate's latest verdict on each, and
// the evidence bundles the evidence workflow uploaded, with the digest GitHub recorded. A few calls per build.
import { listCheckRunsForRef } from '../github/checks.ts';
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { listOpenPullRequests } from '../github/pulls.ts';
import { repositoryDefaultBranch } from '../github/repository-settings.ts';
import { GATE_CHECK_NAME } from '../gate/types.ts';
import type { SiteGitHubPort } from './flow.ts';
import type { EvidenceArtifact, OpenPromotion } from './view.ts';

/** Branches the promote action opens: tollgate/promote/<model>/<stage>. */
const PROMOTE_BRANCH = /^tollgate\/promote\/([^/]+)\/([^/]+)$/;
/** The evidence workflow's artifact name (templates/workflows/tollgate-evidence.yml), with any suffix. */
const EVIDENCE_ARTIFACT = /^tollgate-evidence/;
/** The newest artifacts listed: the site shows recent bundles, not a repository's whole artifact store. */
const ARTIFACT_PAGES = 3;

export interface GitHubSiteOptions {
  client: GitHubClient;
  repo: RepoRef;
  /** The web address runs link to, e.g. https://github.com. */
  server: string;
  checkName?: string;
  /** The repository's default branch, when the caller knows it (the event payload); otherwise read once. */
  defaultBranch?: string;
}

export function githubSiteSource(options: GitHubSiteOptions): SiteGitHubPort {
  const { client, repo } = options;
  const checkName = options.checkName ?? GATE_CHECK_NAME;
  return {
    calls: () => client.calls(),
    async openPromotions(): Promise<OpenPromotion[]> {
      const pulls = await listOpenPullRequests(client, repo, { headPrefix: 'tollgate/promote/' });
      return Promise.all(
        pulls.map(async (p) => {
          const branch = PROMOTE_BRANCH.exec(p.headRef);
          const runs = await listCheckRunsForRef(client, repo, p.headSha, { checkName });
          const run = runs.sort((a, b) => b.id - a.id)[0];
          return {
            number: p.number,
            title: p.title,
            url: p.url,
            ...(p.author ? { author: p.author } : {}),
            headRef: p.headRef,
            draft: p.draft,
            ...(branch ? { model: branch[1]!, stage: branch[2]! } : {}),
            ...(run
              ? {
                  gate: {
                    status: run.status,
                    conclusion: run.conclusion,
                    ...(run.htmlUrl ? { url: run.htmlUrl } : {}),
                  },
                }
              : {}),
          };
        }),
      );
    },
    async evidenceBundles(): Promise<EvidenceArtifact[]> {
      const found: EvidenceArtifact[] = [];
      // Only bundles from runs on the default branch of this repository: any writer can run a workflow of their own
      // on a branch that uploads (and attests) a bundle of this name, and the site must not list it as evidence.
      const branch = options.defaultBranch ?? (await repositoryDefaultBranch(client, repo));
      for (let page = 1; page <= ARTIFACT_PAGES; page++) {
        const { data } = await client.octokit.rest.actions.listArtifactsForRepo({
          ...repo,
          per_page: 100,
          page,
        });
        for (const a of data.artifacts) {
          if (!EVIDENCE_ARTIFACT.test(a.name)) continue;
          const run = a.workflow_run ?? undefined;
          if (!run || run.head_branch !== branch || run.head_repository_id !== run.repository_id) continue;
          found.push({
            id: a.id,
            name: a.name,
            sizeBytes: a.size_in_bytes,
            ...(a.digest ? { digest: a.digest } : {}),
            ...(a.created_at ? { createdAt: a.created_at } : {}),
            expired: a.expired,
            ...(run?.id !== undefined
              ? {
                  runId: run.id,
                  runUrl: `${options.server}/${repo.owner}/${repo.repo}/actions/runs/${run.id}`,
                }
              : {}),
            ...(run?.head_sha ? { headSha: run.head_sha } : {}),
            headBranch: branch,
          });
        }
        if (data.artifacts.length < 100) break;
      }
      return found;
    },
  };
}
