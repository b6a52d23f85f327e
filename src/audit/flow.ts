// The audit use cases of `tollgate audit`: the registry's events from git (log) and the gate-integrity audit
// (verify), each from the checkout and, for verify, GitHub's reviews and gate runs when the face has a client.
import {
  auditFileEvents,
  mergeEvents,
  readAuditEvents,
  readTrail,
  registryEventsFromTrail,
  type RegistryEvent,
} from '../evidence/history.ts';
import type { GitHubReviewSource } from '../evidence/github-reviews.ts';
import { defaultBranchRef, verifyGateIntegrity, type IntegrityReport } from '../evidence/integrity.ts';
import { githubSignoffRechecker } from '../evidence/signoff-recheck.ts';
import { withStageMoves } from '../evidence/stage-moves.ts';
import type { GitHubClient } from '../github/client.ts';
import { modelDir } from '../registry/paths.ts';

export interface AuditPorts {
  repoRoot: string;
  /** The registry folder as a repository path prefix: `registry/`, or '' at the root. */
  registryPrefix: string;
}

/**
 * The registry events on `ref` (default: the default branch), oldest first: from the commits that touched the
 * registry (one model's folder and the incidents, with `model`) and from the audit files, within the window.
 */
export async function auditLogFlow(
  request: { model?: string; since?: string; until?: string; ref?: string },
  ports: AuditPorts,
): Promise<RegistryEvent[]> {
  const { model, since, until } = request;
  const { repoRoot, registryPrefix: prefix } = ports;
  const ref = request.ref ?? (await defaultBranchRef(repoRoot, prefix));
  const commits = await readTrail(repoRoot, {
    ref,
    paths: model ? [`${prefix}${modelDir(model)}/`, `${prefix}incidents/`] : [prefix],
    since,
    until,
  });
  const inWindow = (at: string) =>
    (!since || Date.parse(at) >= Date.parse(since)) && (!until || Date.parse(at) <= Date.parse(until));
  const auditFiles = await readAuditEvents(repoRoot, ref, prefix);
  const commitEvents = await withStageMoves(
    repoRoot,
    commits,
    registryEventsFromTrail(commits, prefix),
    auditFiles.map((a) => a.event),
  );
  return mergeEvents(
    commitEvents,
    auditFileEvents(auditFiles).filter((e) => inWindow(e.at)),
  ).filter((e) => !model || e.model === model);
}

/**
 * The gate-integrity audit of `ref` after `since`. With GitHub's reviews (and the client behind them) each merged
 * pull request's sign-offs are re-evaluated with the gate's evaluator; without, git alone is read.
 */
export function auditVerifyFlow(
  request: { since?: string; ref?: string },
  ports: AuditPorts & { github?: { reviews: GitHubReviewSource; client?: GitHubClient } },
): Promise<IntegrityReport> {
  const { repoRoot, registryPrefix, github } = ports;
  return verifyGateIntegrity(repoRoot, {
    since: request.since,
    ref: request.ref,
    registryPrefix,
    ...(github ? { reviews: github.reviews } : {}),
    ...(github?.client
      ? {
          signoffs: githubSignoffRechecker({
            client: github.client,
            repo: github.reviews.repo,
            repoRoot,
            registryPrefix,
          }),
        }
      : {}),
  });
}
