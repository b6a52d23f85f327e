// `tollgate init --upgrade`: moves an adopted repository's Tollgate workflows to the release this CLI came from.
// Only the `uses:` lines of Tollgate's own actions change; everything else the adopter edited stays. The diff is
// printed first, and nothing is written without --yes or a "y" in a terminal.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { installedRelease } from '../../init/installed.ts';
import { describePin } from '../../init/release.ts';
import { planUpgrade, type UpgradePlan } from '../../init/upgrade.ts';
import type { CliContext } from '../context.ts';
import { confirm } from '../prompt.ts';

const WORKFLOWS_DIR = '.github/workflows';

export async function upgradeWorkflows(
  context: CliContext,
  options: { dryRun: boolean; yes: boolean; format: string },
): Promise<number> {
  const dir = join(context.repoRoot, ...WORKFLOWS_DIR.split('/'));
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => /^tollgate-.+\.ya?ml$/.test(f)) : [];
  if (names.length === 0)
    throw new TollgateError(`no ${WORKFLOWS_DIR}/tollgate-*.yml in ${context.repoRoot}: nothing to upgrade`, {
      fix: 'adopt Tollgate first with `tollgate init`',
    });
  const files = names.map((name) => {
    const path = `${WORKFLOWS_DIR}/${name}`;
    if (lstatSync(join(dir, name)).isSymbolicLink())
      throw new TollgateError(`${path} is a symbolic link; Tollgate does not write through links`, {
        file: path,
        fix: 'replace the link with the file itself',
      });
    return { path, content: readFileSync(join(dir, name), 'utf8') };
  });
  const release = installedRelease();
  const plan = planUpgrade(files, release);

  if (plan.changed.length === 0 || options.dryRun) {
    report(context, plan, release, options.format, false);
    return 0;
  }
  if (!options.yes) {
    // The diff first, always; writing needs an explicit yes.
    report(context, plan, release, options.format, false);
    if (process.stdin.isTTY !== true)
      throw new TollgateError('init --upgrade: nothing written', {
        fix: 'pass --yes to write the changes shown above (--dry-run only shows them)',
      });
    if (!(await confirm(`Write these changes to ${plan.changed.length} file(s)?`))) {
      context.err('Nothing written.');
      return 1;
    }
  }
  await replaceAll(context.repoRoot, plan);
  if (options.yes) report(context, plan, release, options.format, true);
  else context.out('Written. Review it with `git diff`, then commit it through a pull request.');
  return 0;
}

function report(
  context: CliContext,
  plan: UpgradePlan,
  release: ReturnType<typeof installedRelease>,
  format: string,
  written: boolean,
): void {
  if (format === 'json') {
    context.out(
      JSON.stringify(
        {
          release,
          changed: plan.changed.map((c) => ({ path: c.path, changes: c.changes })),
          current: plan.current,
          unknown: plan.unknown,
          written,
        },
        null,
        2,
      ),
    );
    return;
  }
  const lines = [`Tollgate's actions at this CLI's release: ${describePin(release)}.`];
  if (plan.changed.length === 0)
    lines.push(`All ${plan.current.length} Tollgate workflow(s) already use it.`);
  else {
    lines.push('', ...plan.changed.map((c) => c.diff.trimEnd()), '');
    const n = plan.changed.reduce((sum, c) => sum + c.changes.length, 0);
    lines.push(
      `${written ? 'Rewrote' : 'Would rewrite'} ${n} \`uses:\` line(s) in ${plan.changed.length} file(s); ` +
        `${plan.current.length} file(s) already current.`,
    );
    if (written) lines.push('Review the diff with `git diff`, then commit it through a pull request.');
  }
  // A commit pin is immutable and a tag is not: say so when a development build would trade one for the other.
  const unpinned = plan.changed.flatMap((c) => c.changes).filter((c) => /@[0-9a-f]{40}\b/.test(c.from));
  if (release.sha === undefined && unpinned.length > 0)
    lines.push(
      `warning: ${unpinned.length} line(s) pinned to a commit would name the tag ${release.tag} instead; ` +
        'upgrade with a published release of the CLI (npx tollgate@latest init --upgrade) to keep commit pins',
    );
  for (const u of plan.unknown)
    lines.push(
      `left as it is: ${u.path}:${u.line} uses actions/${u.action}, which this release does not ship`,
    );
  context.out(lines.join('\n'));
}

/** Every new file is written beside its target first, then all are renamed, so a failure leaves no mix. */
async function replaceAll(root: string, plan: UpgradePlan): Promise<void> {
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const change of plan.changed) {
      const target = join(root, ...change.path.split('/'));
      const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      staged.push({ temp, target });
      await writeFile(temp, change.content, { flag: 'wx' });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw new TollgateError(`could not write the upgraded workflows: ${(error as Error).message}`, {
      cause: error,
    });
  }
  for (const { temp, target } of staged) await rename(temp, target);
}
