// The sign-off gate's input and verdict: plain data the action shell fetches and posts.
import type { EffectivePolicy } from '../policy/effective.ts';
import type { GateSpec, Problem, RegistryChange, RoleMembers } from '../registry/types.ts';

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';

export interface Review {
  login: string;
  state: ReviewState;
  /** The commit the review was submitted on. */
  commitId: string;
  /** ISO-8601; orders a reviewer's reviews (input order breaks ties). */
  submittedAt: string;
  isBot?: boolean;
}

export type MembershipState = 'active' | 'pending' | 'none';
export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface PullRequestFacts {
  number: number;
  /** Who opened it (often a bot for promotion pull requests). */
  author: string;
  headSha: string;
  baseRef: string;
  /** Logins from `Requested-By:` trailers: the real authors of bot-opened pull requests. */
  requestedBy: string[];
  /** GitHub logins of every commit author (and committer) in the pull request. */
  commitAuthors: string[];
  /** The head branch, when known: a Tollgate state branch, which Tollgate merges itself, may hold state only. */
  headRef?: string;
  /** GitHub says a bot (an App) opened it: only Tollgate's App writes merge records. */
  authorIsBot?: boolean;
  /**
   * Tollgate's own App (its slug, the token step's `app-slug`): when known, only a pull request that App's bot
   * opened may add merge records, not one any other bot (a writer's workflow as github-actions[bot]) opened.
   */
  recordWriter?: string;
}

export interface GateModel {
  owners: RoleMembers;
  /**
   * True when the model is not on the base branch and these owners come from the head. Such owners count only
   * when the same pull request also needs a sign-off from a base-defined role for the new model (by default
   * `risk` for `model-added`): that reviewer vets the owner list. Otherwise the owner role cannot be filled.
   */
  new?: boolean;
  /** The model's own validation gates, from the base's model.yaml (the head's for a new model). */
  gates?: GateSpec[];
}

/** What the gate knows of a version a stage pointer moves to: read from the head, held-ness from both sides. */
export interface GateVersion {
  /** False when the head has no version file for it, or one that does not validate. */
  valid: boolean;
  metrics: Record<string, number>;
  /** The recorded `validation.passed`. */
  passed: boolean;
  /** Why it is held, on the head or on the base (an unhold must land in its own pull request first). */
  held?: string;
  /**
   * Its source commit, when this clone has it and the base does not reach it (trained on a branch): a forward move
   * to it is refused, as `tollgate promote` refuses it. A commit the clone lacks cannot be judged and is not set.
   */
  sourceOffBase?: string;
}

export interface GateInput {
  /** Always the BASE branch's policy: a pull request cannot loosen the rules that judge it. */
  policy: EffectivePolicy;
  /** The repository's default branch when known; otherwise the policy's `default_branch`. */
  defaultBranch?: string;
  /** Semantic diff base..head, including `file-changed` for paths outside the registry. */
  changes: RegistryChange[];
  models: Record<string, GateModel>;
  pullRequest: PullRequestFacts;
  reviews: Review[];
  /** 'org/team' -> login -> state. A pair that is absent counts as not a member. */
  memberships: Record<string, Record<string, MembershipState>>;
  /** login -> repository permission. An absent login counts as `none`. */
  permissions: Record<string, Permission>;
  /** Commits whose registry content equals the head's (used only when allow_stale_approvals is on). */
  registryUnchangedSince?: ReadonlySet<string>;
  /** model -> stage -> versions that held the stage after passing the gate: a move back to one is a rollback. */
  stageHistory: Record<string, Record<string, string[]>>;
  /**
   * model -> version -> facts, for every version a stage pointer moves to, and every version a pointer leaves (as
   * the base records it, for no_regression). A forward move to a version missing here is refused: the gate never lets a pointer reach a version it could not check.
   */
  versions: Record<string, Record<string, GateVersion>>;
  /** Pointers set only by intermediate commits of the pull request (see TransientPointer); each one blocks. */
  transientPointers?: TransientPointer[];
  /**
   * Schema and cross-file errors of the registry files the pull request changes, as they are at the head (file
   * paths repository-relative). Any one fails the gate before sign-offs are judged.
   */
  invalidFiles?: Problem[];
}

/**
 * A stage pointer that a commit inside the pull request sets to a version that neither the fork point nor the head
 * points at, and that never held the stage on the base. A rebase merge would land that commit on the default
 * branch's first-parent history, unreviewed, where the version would later pass for a rollback target.
 */
export interface TransientPointer {
  commit: string;
  model: string;
  stage: string;
  version: string;
}

export interface SignoffFact {
  login: string;
  at: string;
  commit: string;
}

export interface Requirement {
  /** The rule name(s) that need this role, e.g. "production promotion". */
  rule: string;
  /** The role as shown, e.g. "risk" or "model-owner (fraud)". */
  role: string;
  satisfiedBy?: SignoffFact;
  /** Who could satisfy it: `@user` logins and `@org/team` teams, minus people excluded from this PR. */
  candidates: string[];
  /** Why it is unmet, or why approvals that looked like sign-offs did not count. */
  reason?: string;
}

export interface GateVerdict {
  conclusion: 'success' | 'failure';
  title: string;
  requirements: Requirement[];
  /** Reasons that fail the gate whatever the reviews say (mixed change, unknown file, missing role, ...). */
  blocking: string[];
  /** True when every change is a state change: passes with no sign-off. */
  stateOnly: boolean;
  /** One line per change that needs review, e.g. "model fraud: production v12 -> v13". */
  changes: string[];
  /** The invalid registry files that blocked it, for annotations on their lines. */
  invalidFiles?: Problem[];
}

/** The check run the gate posts: the name to mark required in branch protection or a ruleset. */
export const GATE_CHECK_NAME = 'tollgate/signoff';
