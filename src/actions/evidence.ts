// The evidence action: the subject from the inputs, the trail from the checkout's full history, reviews and gate
// checks from GitHub, written as a bundle (folder, manifest, tarball); outputs and a job summary that say what it
// holds and what it cost in API calls.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import {
  collectEvidence,
  evidenceSubjectFrom,
  writeEvidenceBundle,
  type EvidenceSubject,
} from '../evidence/bundle.ts';
import { githubReviews } from '../evidence/github-reviews.ts';
import { reportHeadline } from '../evidence/report.ts';
import { assertFullHistory } from '../git/history.ts';
import { describeCalls, githubClientFromEnv, type GitHubClient } from '../github/client.ts';
import { readActionEnvironment, runAction, type ActionEnvironment } from './runtime.ts';
import { GATE_CHECK_NAME } from '../gate/types.ts';

export interface EvidenceInputs {
  model: string;
  version: string;
  pr: string;
  incident: string;
  since: string;
  until: string;
  /** Folder for the bundle, relative to the workspace. */
  out: string;
  registry: string;
  /** The sign-off gate's check run name. */
  checkName: string;
}

export interface EvidenceActionResult {
  subject: EvidenceSubject;
  /** Absolute folder of the bundle. */
  path: string;
  bundle: string;
  sha256: string;
  headline: string;
  /** Where reviews and gate checks came from, in words. */
  reviewSource: string;
  /** GitHub API calls made (0 in git-only mode). */
  calls: number;
  warnings: string[];
  /** The job summary (Markdown). */
  summary: string;
}

const USAGE =
  'set exactly one of the inputs `model` (with an optional `version`), `pr`, `incident`, or `since` with `until`';

/** The subject the inputs name; exactly one, or an error that says which inputs to set. */
export function subjectFromInputs(
  inputs: Pick<EvidenceInputs, 'model' | 'version' | 'pr' | 'incident' | 'since' | 'until'>,
): EvidenceSubject {
  return evidenceSubjectFrom(inputs, { command: 'Tollgate evidence', usage: USAGE });
}

function summaryMarkdown(result: Omit<EvidenceActionResult, 'summary'>): string {
  return [
    '## Tollgate evidence',
    '',
    result.headline,
    '',
    `${result.reviewSource}${result.calls ? ` ${result.calls} GitHub API call${result.calls === 1 ? '' : 's'}.` : ''}`,
    '',
    `Bundle: \`${result.bundle}\` (sha256 \`${result.sha256}\`), files and \`manifest.json\` in \`${result.path}\`.`,
    'Check it later with `tollgate evidence verify <folder> --sha256 <sha256>`.',
    '',
    ...(result.warnings.length ? ['### Warnings', '', ...result.warnings.map((w) => `- ${w}`), ''] : []),
  ].join('\n');
}

export async function runEvidence(
  inputs: EvidenceInputs,
  env: ActionEnvironment,
  deps: { client?: GitHubClient; now: Date },
): Promise<EvidenceActionResult> {
  const subject = subjectFromInputs(inputs);
  // Before any work: a depth-1 checkout would give a short trail that looks complete.
  await assertFullHistory(env.workspace);
  const registryPrefix = `${inputs.registry.replace(/^\.\/|\/+$/g, '') || 'registry'}/`;
  const checkName = inputs.checkName || GATE_CHECK_NAME;
  const reviews =
    deps.client && env.owner && env.repo
      ? githubReviews({ client: deps.client, repo: { owner: env.owner, repo: env.repo }, checkName })
      : undefined;
  const evidence = await collectEvidence(env.workspace, subject, {
    registryPrefix,
    ...(reviews ? { reviews } : {}),
    onProgress: (message) => core.info(message),
  });
  const path = resolve(env.workspace, inputs.out || 'tollgate-evidence');
  const manifest = await writeEvidenceBundle(evidence, path);
  const result = {
    subject,
    path,
    bundle: resolve(path, manifest.tarball.path),
    sha256: manifest.tarball.sha256,
    headline: reportHeadline(evidence),
    reviewSource: reviews
      ? `Reviews and gate checks: GitHub (${env.owner}/${env.repo}, check run ${checkName}).`
      : 'Reviews and gate checks: git only (no GitHub token or repository): the bundle does not hold them.',
    calls: reviews?.calls() ?? 0,
    warnings: evidence.warnings,
  };
  return { ...result, summary: summaryMarkdown(result) };
}

export async function run(): Promise<void> {
  await runAction('Tollgate evidence', async (run) => {
    const env = readActionEnvironment(process.env);
    const inputs: EvidenceInputs = {
      model: core.getInput('model'),
      version: core.getInput('version'),
      pr: core.getInput('pr'),
      incident: core.getInput('incident'),
      since: core.getInput('since'),
      until: core.getInput('until'),
      out: core.getInput('out') || 'tollgate-evidence',
      registry: core.getInput('registry') || 'registry',
      checkName: core.getInput('check-name') || GATE_CHECK_NAME,
    };
    // Fail on the inputs before asking for a token: the clearer error first.
    subjectFromInputs(inputs);
    const token = core.getInput('token');
    const client =
      token || process.env.GITHUB_TOKEN ? githubClientFromEnv(process.env, { token }) : undefined;
    try {
      const result = await runEvidence(inputs, env, { ...(client ? { client } : {}), now: new Date() });
      for (const w of result.warnings) core.warning(w);
      core.setOutput('path', result.path);
      core.setOutput('bundle', result.bundle);
      core.setOutput('sha256', result.sha256);
      core.summary.addRaw(result.summary);
    } finally {
      if (client) run.footnotes.push(describeCalls(client));
    }
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
