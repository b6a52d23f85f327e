// The validate action: which registry files to check (changed on pull requests, all otherwise), the checks,
// and the report as annotations on file:line, outputs and a job summary table.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { TollgateError } from '../errors.ts';
import { git } from '../git/run.ts';
import { auditEventsRewritten, validateRegistry } from '../registry/invariants.ts';
import { gitTreeReader } from '../git/reader.ts';
import { fileSystemReader, sortProblems } from '../registry/load.ts';
import type { Problem } from '../registry/types.ts';
import { readActionEnvironment, runAction } from './runtime.ts';

export type Scope = 'changed' | 'all';

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'merge_group']);

/** `auto` means the changed files on pull requests and merge groups, the whole registry otherwise. */
export function chooseScope(input: string, eventName: string): Scope {
  const scope = input.trim() || 'auto';
  if (scope === 'changed' || scope === 'all') return scope;
  if (scope === 'auto') return PULL_REQUEST_EVENTS.has(eventName) ? 'changed' : 'all';
  throw new TollgateError(`input "scope" must be auto, changed or all, not "${scope}"`, { field: 'scope' });
}

/** The base to compare with: the input, else the pull request's or merge group's base sha. */
export function baseOf(input: string, event: Record<string, unknown>): string | undefined {
  if (input.trim()) return input.trim();
  const pr = event.pull_request as { base?: { sha?: string } } | undefined;
  const group = event.merge_group as { base_sha?: string } | undefined;
  return pr?.base?.sha ?? group?.base_sha;
}

/** Registry-relative paths from `git diff --name-only` output (repository-relative, one a line). */
export function changedRegistryPaths(diffOutput: string, registryPath: string): string[] {
  const prefix = `${registryPath.replace(/^\.\/|\/+$/g, '')}/`;
  return diffOutput
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))
    .sort();
}

const cell = (text: string | undefined): string => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, '<br>');

/** The job summary: what was checked and a table of every problem. */
export function summaryMarkdown(
  problems: Problem[],
  checked: { files: number; scope: Scope; registryPath: string },
): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const what = checked.scope === 'changed' ? 'changed registry file(s)' : 'registry file(s)';
  const lines = [
    '## Tollgate validate',
    '',
    `Checked ${checked.files} ${what} in \`${checked.registryPath}\`: ${errors} error(s), ${warnings} warning(s).`,
    '',
  ];
  if (problems.length === 0) return [...lines, 'No problems found.', ''].join('\n');
  lines.push('| | File | Line | Problem | Fix |', '| --- | --- | --- | --- | --- |');
  for (const p of problems) {
    const icon = p.severity === 'error' ? '❌' : '⚠️';
    lines.push(`| ${icon} | \`${cell(p.file)}\` | ${p.line ?? ''} | ${cell(p.message)} | ${cell(p.fix)} |`);
  }
  return [...lines, ''].join('\n');
}

export async function run(): Promise<void> {
  await runAction('Tollgate validate', async () => {
    const env = readActionEnvironment(process.env);
    const registryPath = core.getInput('registry') || 'registry';
    const scope = chooseScope(core.getInput('scope'), env.eventName);
    const reader = fileSystemReader(resolve(env.workspace, registryPath));
    let paths: string[] | undefined;
    let rewritten: Problem[] = [];
    if (scope === 'changed') {
      const base = baseOf(core.getInput('base'), env.event);
      if (!base) {
        throw new TollgateError('scope "changed" needs a base to compare with', {
          fix: 'run on pull_request, or set the `base` input (e.g. origin/main)',
        });
      }
      const diff = await git(env.workspace, ['diff', '--name-only', '--no-renames', `${base}...HEAD`]).catch(
        (error) => {
          throw new TollgateError(`cannot compare with ${base}: ${(error as Error).message}`, {
            fix: 'check out with `fetch-depth: 0` (actions/checkout) so the base commit is present',
            cause: error,
          });
        },
      );
      paths = changedRegistryPaths(diff, registryPath);
      rewritten = await auditEventsRewritten(gitTreeReader(env.workspace, base, registryPath), reader, paths);
    }
    const files = paths?.length ?? (await reader.list('')).length;
    const problems = sortProblems([
      ...(await validateRegistry(reader, paths ? { paths } : {})),
      ...rewritten,
    ]);
    for (const p of problems) {
      const annotate = p.severity === 'error' ? core.error : core.warning;
      const message = p.fix ? `${p.message}\nfix: ${p.fix}` : p.message;
      annotate(message, { title: 'Tollgate validate', file: `${registryPath}/${p.file}`, startLine: p.line });
    }
    const errors = problems.filter((p) => p.severity === 'error').length;
    core.setOutput('errors', errors);
    core.setOutput('warnings', problems.length - errors);
    core.setOutput('files', files);
    core.summary.addRaw(summaryMarkdown(problems, { files, scope, registryPath }));
    if (errors > 0) core.setFailed(`${errors} registry error(s); see the annotations and the job summary`);
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
