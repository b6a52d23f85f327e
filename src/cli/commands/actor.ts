// Who a writing command acts for, recorded as Requested-By (retrain, schedule, monitor, drift-report, verify-rollback).
import { execFileSync } from 'node:child_process';
import { TollgateError } from '../../errors.ts';
import type { CliContext } from '../context.ts';

/**
 * Who asks, recorded as Requested-By: --requested-by (or --by), else TOLLGATE_ACTOR, GITHUB_ACTOR, git's
 * user.name, USER. Never "unknown": with none of them it is a usage error.
 */
export function actorOf(context: CliContext, by: string | undefined): string {
  const who =
    by ??
    context.env.TOLLGATE_ACTOR ??
    context.env.GITHUB_ACTOR ??
    gitUserName(context.repoRoot, context.env) ??
    context.env.USER;
  if (who?.trim()) return who.trim();
  throw new TollgateError('who asks for this? It is recorded as Requested-By', {
    kind: 'usage',
    fix: 'pass --requested-by LOGIN, or set `git config user.name`',
  });
}

function gitUserName(repoRoot: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    // Raw: a synchronous check before the command starts, in the command's own environment (context.env only).
    return (
      execFileSync('git', ['config', 'user.name'], {
        cwd: repoRoot,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}
