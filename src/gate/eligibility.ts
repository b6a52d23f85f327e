// Whether the versions a pull request moves stage pointers to may serve there at all, whatever the reviews say:
// the same refusals as `tollgate promote`, re-checked on the diff because a pull request can be written by hand.
import type { EffectivePolicy } from '../policy/effective.ts';
import { evaluateGates, gatesFor } from '../policy/gates.ts';
import { compareVersions, regressionFailures } from '../policy/regression.ts';
import type { RegistryChange } from '../registry/types.ts';
import type { GateModel, GateVersion } from './types.ts';

export interface EligibilityInput {
  policy: EffectivePolicy;
  changes: RegistryChange[];
  models: Record<string, GateModel>;
  stageHistory: Record<string, Record<string, string[]>>;
  versions: Record<string, Record<string, GateVersion>>;
  /** Tells a rollback (a move back to a version that held the stage) from a forward move. */
  isRollback: (change: Extract<RegistryChange, { kind: 'stage-changed' }>) => boolean;
}

/**
 * Blocking reasons for pointer moves: to a version with no valid file, a held version, a version whose metrics
 * fail today's gates (recomputed, never taken from its recorded result alone), or one that skips a stage the
 * policy's promote_from requires, or one worse than the version it replaces beyond a `no_regression` tolerance. A
 * rollback is exempt from gates, regression and stage order (it served there before), not from the hold.
 */
export function ineligibleMoves(input: EligibilityInput): string[] {
  const out: string[] = [];
  for (const change of input.changes) {
    if (change.kind !== 'stage-changed' || change.to === undefined || change.to === change.from) continue;
    const { model, stage, to } = change;
    const what = `${model}: ${stage} → ${to}`;
    const known = Object.hasOwn(input.versions, model) ? input.versions[model]! : {};
    const version = Object.hasOwn(known, to) ? known[to] : undefined;
    if (version === undefined || !version.valid) {
      out.push(
        `${what}: models/${model}/versions/${to}.yaml is missing or invalid on the head; fix: point the stage at a recorded version`,
      );
      continue;
    }
    if (version.held !== undefined) {
      out.push(
        `${what}: version ${to} is held (${version.held}); fix: release it with \`tollgate unhold ${model} ${to}\` in its own reviewed pull request first`,
      );
    }
    if (input.isRollback(change)) continue;
    const gates = gatesFor(input.policy.gates, input.models[model]?.gates);
    const result = evaluateGates(gates, version.metrics);
    const failing = result.gates
      .filter((g) => !g.pass)
      .map((g) => `${g.metric} ${g.op} ${g.threshold} (got ${g.value ?? 'nothing'})`);
    if (!version.passed || !result.passed) {
      out.push(
        `${what}: version ${to} fails its validation gates${failing.length > 0 ? `: ${failing.join('; ')}` : ' (recorded as failed)'}; ` +
          'fix: promote a version that passes the base branch’s gates',
      );
    }
    const replaced =
      change.from !== undefined && Object.hasOwn(known, change.from) ? known[change.from] : undefined;
    if (replaced?.valid && input.policy.noRegression.length > 0) {
      const comparisons = compareVersions({
        current: replaced.metrics,
        candidate: version.metrics,
        directions: input.policy.metricDirections,
        rules: input.policy.noRegression,
        stage,
      });
      for (const failure of regressionFailures(comparisons, change.from!)) out.push(`${what}: ${failure}`);
    }
    if (version.sourceOffBase !== undefined) {
      out.push(
        `${what}: version ${to} was trained from commit ${version.sourceOffBase.slice(0, 12)}, which is not on ${input.policy.defaultBranch}; ` +
          `fix: land the training code on ${input.policy.defaultBranch} and promote a version trained from it`,
      );
    }
    const required = input.policy.stages.promoteFrom[stage] ?? [];
    const history = input.stageHistory[model] ?? {};
    if (required.length > 0 && !required.some((s) => history[s]?.includes(to))) {
      out.push(
        `${what}: skips a stage: ${stage} takes only a version that held ${required.join(' or ')} on the base branch; ` +
          `fix: promote ${to} to ${required[0]} first, in its own pull request`,
      );
    }
  }
  return out;
}
