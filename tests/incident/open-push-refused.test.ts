// An emergency rollback whose push the remote refuses: the incident record that went first in the checkout (to ride
// along with the push) is dropped again, so the checkout is back where it was, and the full record, with the
// failure on its timeline, is proposed like any other state change.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, expect, it } from 'vitest';
import { runIncident } from '../../src/actions/incident.ts';
import { git } from '../../src/git/run.ts';
import type { Incident } from '../../src/registry/types.ts';
import { useGitHubDouble } from '../github-double/harness.ts';
import { BOT, MODEL, REPO, at, opsFixture, type OpsFixture } from '../actions/ops-fixture.ts';

const gh = useGitHubDouble();
let fixture: OpsFixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

/** The remote refuses every push to main (as a protected branch would); other branches are accepted. */
function refuseMain(gitDir: string): void {
  const path = join(gitDir, 'hooks', 'pre-receive');
  writeFileSync(
    path,
    `#!/bin/sh
while read old new ref; do
  if [ "$ref" = refs/heads/main ]; then echo "main is protected" >&2; exit 1; fi
done
exit 0
`,
  );
  chmodSync(path, 0o755);
}

it('P0 whose emergency push is refused: the early record is dropped, the checkout is unchanged, the failure is proposed', async () => {
  const f = (fixture = await opsFixture(gh));
  const head = await git(f.checkout, ['rev-parse', 'HEAD']);
  refuseMain(f.gitDir);
  const result = await runIncident(
    { model: MODEL, metrics: 'availability=0.3, error_rate=0.6', dryRun: false },
    f.env,
    { client: gh.client(), now: at(151), clock: () => at(151.1), suffix: 'ab12', gitEnv: BOT },
  );
  expect(result.incident.severity).toBe('P0');
  expect(result.rolledBack).toBe(false);
  expect(await f.remoteProduction()).toBe('v4');
  // Neither the rollback nor the early record stays on the checkout's branch.
  expect(await git(f.checkout, ['rev-parse', 'HEAD'])).toBe(head);
  expect(await git(f.checkout, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
  // The record came as a state pull request, which the action merged itself (nothing here requires a check).
  expect(gh.state.repo(REPO).pulls.map((p) => p.head)).toEqual([`tollgate/incident/${result.incident.id}`]);
  expect(result.record).toMatchObject({ mode: 'pull-request', merge: { status: 'merged' } });
  const proposed = load(
    await git(f.gitDir, ['show', `main:registry/incidents/${result.incident.id}.yaml`]),
  ) as Incident;
  expect(proposed.timeline.map((e) => e.event)).toEqual([
    'detected',
    'classified',
    'rollback-started',
    'rollback-failed',
  ]);
  expect(proposed.timeline.at(-1)!.detail).toContain('main is protected');
});
