// The validate action: the scope from the inputs and the event (changed files on pull requests and merge groups,
// all otherwise), the validate flow, and its problems as annotations on file:line, outputs and a job summary.
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { actionScope, summaryMarkdown, validateFlow } from '../registry/validate-flow.ts';
import { githubContext, runAction, workflowRunOf, type ActionContext } from './runtime.ts';

export async function run(context: ActionContext = githubContext): Promise<void> {
  await runAction('Tollgate validate', async () => {
    const registryPath = core.getInput('registry') || 'registry';
    const scope = actionScope(
      { scope: core.getInput('scope'), base: core.getInput('base') },
      context.eventName,
      context.payload,
    );
    const result = await validateFlow(
      { registryPath, scope },
      { repoRoot: workflowRunOf(context).workspace },
    );
    for (const p of result.problems) {
      const annotate = p.severity === 'error' ? core.error : core.warning;
      const message = p.fix ? `${p.message}\nfix: ${p.fix}` : p.message;
      annotate(message, { title: 'Tollgate validate', file: `${registryPath}/${p.file}`, startLine: p.line });
    }
    core.setOutput('errors', result.errors);
    core.setOutput('warnings', result.warnings);
    core.setOutput('files', result.files);
    const shown = scope.kind === 'all' ? 'all' : 'changed';
    core.summary.addRaw(
      summaryMarkdown(result.problems, { files: result.files, scope: shown, registryPath }),
    );
    if (result.errors > 0)
      core.setFailed(`${result.errors} registry error(s); see the annotations and the job summary`);
  });
}

// Run when this file is the action's entry (the bundle); tests import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
