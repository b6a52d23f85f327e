// Every `with:` key a template passes reaches an input the action declares. actionlint checks the inputs of popular
// actions only when they are referenced by tag, so a SHA-pinned step (every third-party step here) is not checked
// by it: an input written on the wrong step was silently dropped. That is how the incident workflow granted its
// GITHUB_TOKEN `issues: write` and handed the token to actions/checkout (which ignores it) instead of the incident
// action, so the github-issue channel never had a token (redteam review of issue 13). The grant and its use are
// tied together below: a job whose token may write issues hands it to a Tollgate action's `issues-token`, and to
// nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { workflowTemplates } from '../../src/init/installed.ts';
import { WORKFLOWS } from '../../src/init/plan.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const STAMPED = { repository: 'tollgate-dev/tollgate', version: '1.4.0', tag: 'v1.4.0', sha: 'c'.repeat(40) };
const NAMES = [...WORKFLOWS, 'site'];
const rendered = workflowTemplates(NAMES, STAMPED);

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps?: Step[];
}

/** The inputs of the third-party actions whose inputs we know for the pinned versions. */
const THIRD_PARTY: Record<string, (input: string) => boolean> = {
  // actions/checkout v5.0.0 action.yml
  'actions/checkout': (i) =>
    [
      'repository',
      'ref',
      'token',
      'ssh-key',
      'ssh-known-hosts',
      'ssh-strict',
      'ssh-user',
      'persist-credentials',
      'path',
      'clean',
      'filter',
      'sparse-checkout',
      'sparse-checkout-cone-mode',
      'fetch-depth',
      'fetch-tags',
      'show-progress',
      'lfs',
      'submodules',
      'set-safe-directory',
      'github-server-url',
    ].includes(i),
  // actions/create-github-app-token v2.2.2 action.yml
  'actions/create-github-app-token': (i) =>
    [
      'app-id',
      'client-id',
      'private-key',
      'owner',
      'repositories',
      'skip-token-revoke',
      'github-api-url',
    ].includes(i) || i.startsWith('permission-'),
};

const declared = (action: string) =>
  Object.keys(
    (load(readFileSync(join(ROOT, 'actions', action, 'action.yml'), 'utf8')) as { inputs?: object }).inputs ??
      {},
  );

function stepsOf(name: string): [string, Job, Step][] {
  const workflow = load(rendered[name]!) as { jobs: Record<string, Job> };
  return Object.entries(workflow.jobs).flatMap(([id, job]) =>
    (job.steps ?? []).map((step): [string, Job, Step] => [id, job, step]),
  );
}

describe.each(NAMES)('tollgate-%s.yml', (name) => {
  it('passes every step only inputs its action declares', () => {
    const unknown: string[] = [];
    for (const [job, , step] of stepsOf(name)) {
      if (typeof step.uses !== 'string') continue;
      const action = step.uses.replace(/@.*$/, '');
      const own = /^[\w.-]+\/tollgate\/actions\/([\w-]+)$/.exec(action);
      const accepts = own ? (i: string) => declared(own[1]!).includes(i) : THIRD_PARTY[action];
      if (!accepts) continue;
      for (const input of Object.keys(step.with ?? {}))
        if (!accepts(input)) unknown.push(`job ${job}: ${action} has no input "${input}"`);
    }
    expect(unknown).toEqual([]);
  });

  it("hands a GITHUB_TOKEN that may write issues to a Tollgate action's issues-token, and to no other step", () => {
    for (const [job, definition, step] of stepsOf(name)) {
      const issues = typeof definition.permissions === 'object' && definition.permissions.issues === 'write';
      const given = Object.entries(step.with ?? {}).filter(([, v]) => v === '${{ github.token }}');
      for (const [input] of given.filter(([i]) => i === 'issues-token' || !/token/.test(i)))
        expect(`${job}: ${step.uses} ${input}`).toMatch(/\/tollgate\/actions\/[\w-]+@\S+ issues-token$/);
      if (issues && /\/tollgate\/actions\//.test(step.uses ?? ''))
        expect(step.with?.['issues-token'], `job ${job}`).toBe('${{ github.token }}');
      if (!issues) expect(step.with?.['issues-token'], `job ${job}`).toBeUndefined();
    }
  });
});
