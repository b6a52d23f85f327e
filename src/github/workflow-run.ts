// Where a run happens, as plain data a flow can take: the repository, the checkout, who started it, and a link
// back to the workflow run. The action faces build it from @actions/github's context; the CLI from its options.
import { TollgateError } from '../errors.ts';
import type { RepoRef } from './client.ts';

export interface WorkflowRun {
  repo: RepoRef;
  serverUrl: string;
  /** The checkout the run works on (GITHUB_WORKSPACE on a runner). */
  workspace: string;
  /** Who started it (GITHUB_ACTOR). */
  actor: string;
  /** Link to this workflow run, for lineage and audit records. */
  runUrl?: string;
}

/**
 * The branch a run is on, from its ref (GITHUB_REF, or a workflow_dispatch payload's `ref`). A run dispatched on a
 * tag or any other ref is refused: what it would write has no branch to go to, and guessing the default branch
 * would act on commits nobody chose.
 */
export function branchOfRef(ref: string | undefined, what: string): string {
  if (ref?.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length)
    return ref.slice('refs/heads/'.length);
  const on = !ref
    ? 'no ref'
    : ref.startsWith('refs/tags/')
      ? `the tag ${ref.slice('refs/tags/'.length)}`
      : ref;
  throw new TollgateError(
    `${what} runs on ${on}, not a branch: refusing, as there is no branch to propose to`,
    {
      field: 'ref',
      fix: 'dispatch the workflow on a branch (in "Use workflow from", or `gh workflow run NAME --ref main`)',
    },
  );
}
