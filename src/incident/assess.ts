// For each model of a new incident: may its live stage be rolled back automatically, and to what? Pure: the
// pointer state (read by the flow through git) and the promotions in flight come in as data.
import type { EffectivePolicy } from '../policy/effective.ts';
import type { Incident } from '../registry/types.ts';
import { TollgateError } from '../errors.ts';
import {
  chooseRollbackTarget,
  lastMoveWasRollback,
  type PointerMove,
  type RollbackPlan,
} from '../rollback/target.ts';
import { decideAutoRollback, type AutoRollbackDecision } from './record.ts';

/** The stage's pointer as git has it (rollback/execute.ts readPointerState), or why it could not be read. */
export type PointerRead =
  { ok: true; current?: string; history: PointerMove[]; held: string[] } | { ok: false; error: string };

export interface ModelAssessment {
  model: string;
  stage: string;
  decision: AutoRollbackDecision;
  /** The rollback a decision to roll back carries out (the target chosen from the pointer history). */
  plan?: RollbackPlan;
  history?: PointerMove[];
  /** Why the pointer could not be read: the decision is a skip with this reason. */
  readError?: string;
  /** Why no rollback target could be chosen (no stable version, or held). */
  planError?: string;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The auto-rollback decision for one model: a pointer that cannot be read is a skip naming why; otherwise the
 * policy's conditions and safety rules (decideAutoRollback) decide, with the stable target chosen from history.
 * `inFlight` lists the model's open promotion pull requests (numbers), or is `true` when only known to exist.
 */
export function assessModel(input: {
  incident: Incident;
  policy: EffectivePolicy;
  now: Date;
  model: string;
  stage?: string;
  pointer: PointerRead;
  inFlight: number[] | boolean;
}): ModelAssessment {
  const { model, pointer } = input;
  const stage = input.stage ?? 'production';
  if (!pointer.ok) {
    const reason = pointer.error;
    return {
      model,
      stage,
      readError: reason,
      decision: {
        rollback: false,
        reason,
        matched: [],
        entry: { at: iso(input.now), event: 'rollback-skipped', detail: `${model} ${stage}: ${reason}` },
      },
    };
  }
  let plan: RollbackPlan | undefined;
  let planError: string | undefined;
  try {
    plan = chooseRollbackTarget({
      model,
      stage,
      history: pointer.history,
      current: pointer.current,
      stableFor: input.policy.rollback.stableFor,
      now: input.now,
      held: pointer.held,
    });
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    planError = error.message;
  }
  const numbers = Array.isArray(input.inFlight) ? input.inFlight : [];
  const inFlight = input.inFlight === true || numbers.length > 0;
  const decision = decideAutoRollback({
    incident: input.incident,
    policy: input.policy,
    now: input.now,
    state: {
      model,
      stage,
      promotionInFlight: inFlight,
      lastPointerChangeWasRollback: lastMoveWasRollback(pointer.history),
      ...(pointer.current !== undefined ? { current: pointer.current } : {}),
      ...(plan !== undefined ? { stableTarget: plan.target } : {}),
    },
  });
  const shown: AutoRollbackDecision =
    decision.rollback || numbers.length === 0
      ? decision
      : {
          ...decision,
          entry: { ...decision.entry, detail: `${decision.entry.detail} (#${numbers.join(', #')})` },
        };
  return {
    model,
    stage,
    decision: shown,
    history: pointer.history,
    ...(plan !== undefined ? { plan } : {}),
    ...(planError !== undefined ? { planError } : {}),
  };
}
