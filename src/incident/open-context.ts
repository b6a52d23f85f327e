// The shapes shared by the "open an incident" flow (open-flow.ts) and its two writers (open-publish.ts,
// open-commit.ts), and the one git read they both make.
import { TollgateError } from '../errors.ts';
import type { DispatchOrigin } from '../policy/dispatch.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import type { GitHubTarget } from '../publish/propose.ts';
import type { StateMerge } from '../publish/state.ts';
import type { CheckoutUpdate } from '../git/transaction.ts';
import type { AuditEvent, Incident, TimelineEntry } from '../registry/types.ts';
import { readPointerState } from '../rollback/execute.ts';
import type { RollbackOutcome } from '../rollback/publish.ts';
import type { ModelAssessment, PointerRead } from './assess.ts';
import type { IncidentNotifier } from './notify.ts';
import type { IncidentEvent, IncidentInputs, IncidentRequest } from './request.ts';

export interface OpenIncidentPorts {
  /** The clone (the action's checkout of the default branch, or the user's repository). */
  repoRoot: string;
  /** The registry folder, repository-relative (`registry`, or `.`). */
  registryDir: string;
  /** When the incident was detected. */
  now: Date;
  /** The clock for later timeline entries (rollback done, notified); default: `now`. */
  clock?: () => Date;
  /** 4 lowercase letters or digits: the random part of a new incident id. */
  suffix: () => string;
  /** Who declared it (the dispatch's actor, the person at the terminal). */
  actor: string;
  /** Where to push, open pull requests and list promotions in flight; without it everything stays local. */
  github?: GitHubTarget;
  /**
   * Announces the incident after the rollback, built from the policy (its channels); a failure is a timeline entry
   * and blocks nothing. Undefined, or returning undefined: nobody is notified.
   */
  notifier?: (policy: EffectivePolicy) => IncidentNotifier | undefined;
  /** Git environment for the commits (the bot's identity on a runner). */
  gitEnv?: NodeJS.ProcessEnv;
  /** The event that started the run: a repository_dispatch is accepted only from a sender the policy lists. */
  origin?: DispatchOrigin;
  /** Verifies each automatic rollback that went live (verify.ts); without it none is verified. */
  verify?: RollbackVerifyPorts;
}

export interface RollbackVerifyPorts {
  sleep: (ms: number) => Promise<void>;
  /** Where a Prometheus source's bearer token is read. */
  env: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  /** Whether a command metrics source may run here; default `refuse` (the action's job holds write credentials). */
  commands?: 'run' | 'refuse';
}

export interface OpenIncidentOptions {
  /** Decide and report only; write, push and notify nothing. */
  dryRun: boolean;
  /** `publish` (the action) or `commit` (the CLI): see the head of this file. */
  write: 'publish' | 'commit';
  /** Act on an auto-rollback decision (the action always does; the CLI with --auto-rollback). */
  autoRollback: boolean;
  /** The caller knows a promotion is in flight (the CLI's --promotion-in-flight); GitHub is asked otherwise. */
  promotionInFlight?: boolean;
}

/** A declared incident: a request, or the action's inputs and event (read after the dispatch sender is checked). */
export type OpenIncidentInput =
  { request: IncidentRequest } | { inputs: IncidentInputs; event: IncidentEvent & DispatchOrigin };

export interface ModelRollback {
  model: string;
  decision: ModelAssessment['decision'];
  /** How the rollback was published (publish). */
  outcome?: RollbackOutcome;
  /** How the rollback was staged in the record's commit (commit): revert or forward-fix. */
  staged?: string;
  error?: string;
  /** The verification of a rollback that went live (publish, with ports.verify). */
  verification?: { status: 'verified' | 'unhealthy' | 'failed'; summary: string[] };
}

export interface OpenIncidentResult {
  incident: Incident;
  /** Audit events written with the record (publish). */
  audit: AuditEvent[];
  assessments: ModelAssessment[];
  rollbacks: ModelRollback[];
  /** True when a rollback reached the default branch (pushed). */
  rolledBack: boolean;
  /** The rollback pull request, when the rollback was proposed instead. */
  rollbackPullRequest?: number;
  /** How the record was written. */
  record: {
    mode: 'pushed' | 'pull-request' | 'committed' | 'dry-run' | 'already-recorded';
    commit?: string;
    pullRequest?: number;
    /** How the record's pull request reaches the default branch: merged, auto-merge, or left open. */
    merge?: StateMerge;
    /** What happened to the user's checkout (commit). */
    checkout?: CheckoutUpdate;
  };
  /** The notifier's entries, also on the timeline. */
  notifications: TimelineEntry[];
  /** Rollbacks decided but not done, `model: why`. */
  failed: string[];
  /** What happened, one line each, for the terminal (commit). */
  lines: string[];
}

/** Shared by both writers: the policy, its checks and the decisions. */
export interface OpenContext {
  policy: EffectivePolicy;
  notifier: IncidentNotifier | undefined;
  request: IncidentRequest;
  ports: OpenIncidentPorts;
  options: OpenIncidentOptions;
  clock: () => Date;
}

export const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The stage's pointer at `ref` through git, or why it could not be read (a typo, a shallow clone). */
export async function readPointer(
  ports: OpenIncidentPorts,
  model: string,
  stage: string,
  ref?: string,
): Promise<PointerRead> {
  try {
    const state = await readPointerState(ports.repoRoot, {
      model,
      stage,
      registryDir: ports.registryDir,
      ...(ref !== undefined ? { ref } : {}),
    });
    return { ok: true, ...state };
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return { ok: false, error: error.message };
  }
}
