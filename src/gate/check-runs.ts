// Which check runs carrying the gate's name are the gate's own (pure). Any workflow with `checks: write` can post a
// run named `tollgate/signoff`; the one fact about a run nobody can choose is the App GitHub files it under (the App
// whose token posted it). So the gate, the merge record and the audit trust a run only when its App is the pinned
// one, and a run of the gate's name from any other App is reported as what it is: an attempt to forge the verdict.
import { TollgateError } from '../errors.ts';

/** What the split needs of a check run (the GitHub layer's CheckRunInfo has it). */
export interface AppRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  /** The App GitHub filed the run under. */
  app?: { id: number; slug?: string | undefined } | undefined;
  htmlUrl?: string | undefined;
}

/** GitHub Actions' App id on github.com: every workflow's GITHUB_TOKEN posts check runs under it. */
export const GITHUB_ACTIONS_APP_ID = 15368;

export interface RunsByApp<R extends AppRun> {
  /** The pinned App's runs, newest first. Empty when no App is pinned: nothing can be proven to be the gate's. */
  own: R[];
  /** Runs of the same name and commit from any other App (or none), newest first. */
  foreign: R[];
}

/** Splits the runs named `name` on `headSha` by whether `appId` posted them. */
export function runsByApp<R extends AppRun>(
  runs: R[],
  name: string,
  headSha: string,
  appId: number | undefined,
): RunsByApp<R> {
  const named = runs
    .filter((run) => run.name === name && run.headSha === headSha)
    .sort((a, b) => b.id - a.id);
  if (appId === undefined) return { own: [], foreign: [] };
  return {
    own: named.filter((run) => run.app?.id === appId),
    foreign: named.filter((run) => run.app?.id !== appId),
  };
}

const appLabel = (run: AppRun): string =>
  run.app ? `${run.app.slug ?? 'app'} (App id ${run.app.id})` : 'no App';

/** One line per foreign run, for logs, summaries and records: `run 7 by github-actions (App id 15368): success`. */
export function describeForeignRun(run: AppRun): string {
  return `run ${run.id} by ${appLabel(run)}: ${run.conclusion ?? run.status}`;
}

/** The warning the gate puts at the top of its summary when another App posted a run of its name (Markdown). */
export function forgedRunWarning(name: string, appId: number, foreign: AppRun[]): string[] {
  if (foreign.length === 0) return [];
  return [
    `> [!WARNING]`,
    `> **Another App posted a check run named \`${name}\` on this commit.** Only runs from App id ${appId} (the one this`,
    `> gate runs as, and the one the ruleset must pin) are the gate's verdict; the others were not posted by Tollgate:`,
    ...foreign.map((run) => `> - ${describeForeignRun(run)}${run.htmlUrl ? ` — ${run.htmlUrl}` : ''}`),
    `>`,
    `> Treat this as an attempt to forge the sign-off: find the workflow or App that posted it, and make sure the`,
    `> ruleset's required check \`${name}\` names App id ${appId} as its source (docs/gate.md).`,
    '',
  ];
}

/** Why an App id is weak as a pin, or undefined when it is not. */
export function weakPinReason(appId: number): string | undefined {
  return appId === GITHUB_ACTIONS_APP_ID
    ? 'the gate posts as GitHub Actions (App id 15368), the App every workflow token posts as: any workflow with ' +
        '`checks: write` can post this check under the same App, so pinning it proves nothing; run the gate with a ' +
        'GitHub App token (docs/gate.md)'
    : undefined;
}

/**
 * A GitHub App id as configured (`app-id`, `--app-id`, TOLLGATE_APP_ID): empty for none; anything but a positive
 * integer is refused before anything is judged or posted, rather than read as "no pin".
 */
export function parseAppId(value: string | undefined, what: string): number | undefined {
  const text = (value ?? '').trim();
  if (text === '') return undefined;
  if (!/^[1-9]\d{0,11}$/.test(text))
    throw new TollgateError(`${what} "${value}" is not a GitHub App id`, {
      fix: "use the App's numeric id (the App's settings page, App ID; the variable TOLLGATE_APP_ID holds it), the id the ruleset pins as the check's source",
    });
  return Number(text);
}
