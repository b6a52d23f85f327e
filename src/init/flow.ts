// The adoption use case of `tollgate init`: plan the files from the answers, check them, write them, and apply the
// rulesets and environments on GitHub when asked. The command asks the questions and prints what this returns.
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { TollgateError } from '../errors.ts';
import { describeCalls, type GitHubClient, type RepoRef } from '../github/client.ts';
import { parseRegistryFile } from '../registry/parse.ts';
import { installedRelease, workflowTemplates } from './installed.ts';
import { planInit, WORKFLOWS, type InitAnswers, type PlannedFile } from './plan.ts';
import type { Release } from './release.ts';
import { applySettings, describeApplied, settingsFor, type SettingsPlan } from './settings.ts';

export interface InitRequest {
  answers: InitAnswers;
  /** Overwrite files that exist. */
  force: boolean;
  dryRun: boolean;
  /** Apply the rulesets and settings on GitHub. */
  apply: boolean;
  /** The repository has adopted Tollgate already: its files are left as they are, only settings are applied. */
  settingsOnly: boolean;
  /** The gate App's id (--app-id), which the ruleset pins as the checks' source. */
  appId?: string;
}

export interface InitPorts {
  repoRoot: string;
  /** The client and repository to apply the settings to; asked for only when they are applied. */
  github: () => Promise<{ client: GitHubClient; repo: RepoRef }>;
}

export interface InitResult {
  files: PlannedFile[];
  /** The files written (none on a dry run or a settings-only run; an appended block already there is skipped). */
  written: string[];
  /** The settings to print or apply; undefined when no App id pins the checks and none were to be applied. */
  settings?: SettingsPlan;
  /** What was applied on GitHub, and the API calls it took. */
  applied?: string;
  release: Release;
}

export async function initFlow(request: InitRequest, ports: InitPorts): Promise<InitResult> {
  const { answers } = request;
  // Tollgate's own `uses:` lines name the release this CLI came from (src/init/release.ts says why).
  const release = installedRelease();
  // The site's workflow is read too: planInit writes it only with --with-site.
  const files = planInit(answers, workflowTemplates([...WORKFLOWS, 'site'], release));
  assertValidRegistryFiles(files, answers.registry);
  const existing = files.filter((f) => !f.append && existsSync(resolve(ports.repoRoot, f.path)));
  if (existing.length > 0 && !request.force && !request.settingsOnly)
    throw new TollgateError(`init would overwrite ${existing.map((f) => f.path).join(', ')}`, {
      fix: 'pass --force to replace them, or remove them first',
    });

  // Decided before anything is written: --apply without a pinnable App id writes nothing.
  const settings = settingsFor(answers, request.appId, request.apply);
  const written = request.dryRun || request.settingsOnly ? [] : await writePlanned(ports.repoRoot, files);
  let applied: string | undefined;
  if (request.apply && !request.dryRun && settings) {
    // Creating rulesets and environments needs Administration: write on the repository.
    const { client, repo } = await ports.github();
    const done = await applySettings(client, repo, settings);
    applied = `${describeApplied(`${repo.owner}/${repo.repo}`, settings, done)} ${describeCalls(client)}`;
  }
  return { files, written, ...(settings ? { settings } : {}), ...(applied ? { applied } : {}), release };
}

/** Init never leaves a registry that fails `validate`: its registry files are checked before anything is written. */
function assertValidRegistryFiles(files: PlannedFile[], registry: string): void {
  for (const file of files.filter((f) => f.path.startsWith(`${registry}/`))) {
    const registryPath = file.path.slice(registry.length + 1);
    const { problems } = parseRegistryFile(registryPath, file.content);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0)
      throw new TollgateError(`the ${registryPath} init would write is invalid: ${errors[0]!.message}`, {
        file: registryPath,
        field: errors[0]!.field,
        fix: 'check the names and teams passed to init',
      });
  }
}

async function writePlanned(root: string, files: PlannedFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const target = resolve(root, file.path);
    await mkdir(dirname(target), { recursive: true });
    if (file.append) {
      const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
      // Appending twice would duplicate the block; the first line of it marks it as present.
      if (current.includes(file.content.trim().split('\n')[0]!)) continue;
      await appendFile(target, file.content);
    } else await writeFile(target, file.content);
    written.push(file.path);
  }
  return written;
}
