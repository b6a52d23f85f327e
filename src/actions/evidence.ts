// The evidence action: the subject from the inputs, then the evidence export flow (src/evidence/export-flow.ts)
// on the checkout's full history, with reviews and gate checks from GitHub when a token is there; outputs and a
// job summary that say what the bundle holds and what it cost in API calls.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { evidenceSubjectFrom } from '../evidence/bundle.ts';
import { evidenceSummary, exportEvidence } from '../evidence/export-flow.ts';
import { githubReviews } from '../evidence/github-reviews.ts';
import { GATE_CHECK_NAME } from '../gate/types.ts';
import { describeCalls, githubClientFromEnv } from '../github/client.ts';
import { githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export const EVIDENCE_USAGE =
  'set exactly one of the inputs `model` (with an optional `version`), `pr`, `incident`, or `since` with `until`';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate evidence', async (actionRun) => {
    const run = workflowRunOf(context);
    const input = (name: string) => core.getInput(name);
    // Fail on the inputs before asking for a token: the clearer error first.
    const subject = evidenceSubjectFrom(
      Object.fromEntries(['model', 'version', 'pr', 'incident', 'since', 'until'].map((n) => [n, input(n)])),
      { command: 'Tollgate evidence', usage: EVIDENCE_USAGE },
    );
    const token = input('token');
    const client =
      token || process.env.GITHUB_TOKEN ? githubClientFromEnv(process.env, { token }) : undefined;
    const checkName = input('check-name') || GATE_CHECK_NAME;
    const reviews =
      client && run.repo.owner ? githubReviews({ client, repo: run.repo, checkName }) : undefined;
    try {
      const registry = input('registry').replace(/^\.\/|\/+$/g, '') || 'registry';
      const result = await exportEvidence(
        {
          subject,
          registryPrefix: `${registry}/`,
          out: resolve(run.workspace, input('out') || 'tollgate-evidence'),
          requireFullHistory: true,
        },
        { repoRoot: run.workspace, ...(reviews ? { reviews } : {}), onProgress: (m) => core.info(m) },
      );
      for (const w of result.warnings) core.warning(w);
      core.setOutput('path', result.path);
      core.setOutput('bundle', result.bundle);
      core.setOutput('sha256', result.sha256);
      core.summary.addRaw(
        evidenceSummary(result, reviews ? { ...run.repo, checkName, calls: reviews.calls() } : undefined),
      );
    } finally {
      if (client) actionRun.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
