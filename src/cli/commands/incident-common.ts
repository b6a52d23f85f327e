// Shared by the incident subcommands (incident.ts, incident-resolve.ts, incident-report.ts).
import { relative } from 'node:path';
import type { CliContext } from '../context.ts';

/** Who acts: --by, TOLLGATE_ACTOR, GITHUB_ACTOR, USER. */
export const actor = (context: CliContext, by: string | undefined): string =>
  by ?? context.env.TOLLGATE_ACTOR ?? context.env.GITHUB_ACTOR ?? context.env.USER ?? 'unknown';

/** The registry folder, repository-relative (`.` for the repository root). */
export const registryRelDir = (context: CliContext): string =>
  relative(context.repoRoot, context.registryDir) || '.';
