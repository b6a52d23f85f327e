// What the schedule-changing commands share: run src/scheduler/change-flow.ts on the local checkout as the actor,
// and render its result (the summary, the field changes, the commit and what happened to the checkout).
import { relative, sep } from 'node:path';
import { checkoutNote } from '../../publish/checkout-note.ts';
import { changeScheduleFlow, type ScheduleChange } from '../../scheduler/change-flow.ts';
import type { CliContext } from '../context.ts';
import { actorOf } from './actor.ts';

export async function runScheduleChange(
  context: CliContext,
  model: string | undefined,
  by: string | undefined,
  dryRun: boolean,
  what: ScheduleChange,
): Promise<number> {
  const result = await changeScheduleFlow(
    model,
    what,
    {
      repoRoot: context.repoRoot,
      registryPath: context.registryDir,
      registryDir: relative(context.repoRoot, context.registryDir).split(sep).join('/') || '.',
      now: context.now(),
      actor: actorOf(context, by),
    },
    { dryRun },
  );
  const { summary, diff } = result;
  if (result.dryRun)
    context.out([`${summary} (dry run: nothing written)`, ...diff.map((l) => `  ${l}`)].join('\n'));
  else if (!result.commit) context.out(`${summary}: already so, nothing to commit`);
  else
    context.out(
      [
        `${summary}: commit ${result.commit.slice(0, 12)} (push it or open a pull request; the gate passes schedule changes without sign-offs)`,
        ...diff.map((l) => `  ${l}`),
        ...checkoutNote(result.checkout!),
      ].join('\n'),
    );
  return 0;
}
