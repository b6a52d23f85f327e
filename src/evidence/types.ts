// The evidence a bundle holds, as plain data: what collectEvidence (bundle.ts) gathers and the report renderers
// (report.ts) show. Its own module, so that the renderers need not import the collector that calls them.
import type { DriftRecord } from '../monitor/drift-report.ts';
import type { GateResult, Incident, ModelVersion, TimelineEntry } from '../registry/types.ts';
import type { RecordedSignoff, StageTenure } from './history-at.ts';
import type { ChangedFile, Person, RegistryEvent, Trailer, TrailCommit } from './history.ts';
import type { IntegrityFinding } from './integrity.ts';
import type { Lineage } from './lineage.ts';
import type { GateCheckRecord } from './reviews.ts';

export type EvidenceSubject =
  | { model: string; version?: string }
  | { pr: number }
  | { incident: string }
  | { since: string; until: string };

export interface CommitEvidence {
  sha: string;
  parents: string[];
  author: Person;
  committer: Person;
  subject: string;
  trailers: Trailer[];
  signature: TrailCommit['signature'];
  files: ChangedFile[];
  pullRequest?: number;
}

export interface ReviewEvidence {
  reviewer: string;
  /**
   * Roles the reviewer held under the policy in force at the merge (read at the merge commit's parent): listed
   * by name, or an active member of a listed team (membership as GitHub answers it at export time).
   */
  roles: string[];
  /** Roles held only through teams whose membership could not be read (git alone, or no Members: read). */
  rolesUnknown?: string[];
  state: string;
  commit: string;
  at: string;
  /** The team memberships asked to decide the reviewer's roles, as GitHub answered at export time. */
  teams?: { team: string; state: string }[];
}

/** The description of a pull request the reviewers saw, and where that text came from. */
export interface PullRequestBody {
  sha256: string;
  /** `merge record`: the text the gate recorded at the merge. `github`: as GitHub shows it at export time. */
  source: 'merge record' | 'github';
  /** The merge record's id, when from one. */
  record?: string;
  text: string;
  /** The bundle file holding the text. */
  file: string;
  /** Why the text may not be what the reviewers saw (edited after the merge, a record that does not hash right). */
  note?: string;
}

/** A file of rules kept in the bundle once, by its SHA-256. */
export interface ControlDocument {
  kind: 'policy' | 'codeowners' | 'model' | 'pr-body';
  /** Where it lives in the repository (for a body: which pull request). */
  path: string;
  sha256: string;
  /** The bundle file holding the text. */
  file: string;
  text: string;
}

/** The rules one stage move was judged by, read at the landing commit's first parent. */
export interface PromotionControl {
  model: string;
  stage: string;
  version: string;
  from?: string;
  pullRequest?: number;
  /** The commit that moved the pointer (the merge commit of a pull request). */
  commit: string;
  at: string;
  /** The commit the rules were read at: the landing commit's first parent. */
  rulesReadAt: string;
  /** SHA-256 of policy.yaml at rulesReadAt (absent: no policy there). */
  policy?: string;
  /** The policy this very commit wrote, when it changed policy.yaml. */
  policyAfter?: string;
  codeowners?: { path: string; sha256: string };
  /** SHA-256 of the model's model.yaml (its owners) at rulesReadAt. */
  modelFile?: string;
  /** Each role the policy names, and the model's owners (`model-owner`), with the users and teams listed. */
  roles: { role: string; users: string[]; teams: string[] }[];
  /** Who filled a role and how (merge record), and team answers for the reviewers (GitHub). */
  memberships: {
    login: string;
    role?: string;
    team?: string;
    state?: string;
    via?: string;
    source: string;
  }[];
  /** SHA-256 of the pull request's description (see PullRequestEvidence.body). */
  body?: string;
}

export interface ControlsEvidence {
  documents: ControlDocument[];
  promotions: PromotionControl[];
}

export interface PullRequestEvidence {
  number: number;
  found: boolean;
  title?: string;
  author?: string;
  mergedAt?: string;
  mergedBy?: string;
  mergeCommit?: string;
  /** False when the reviews came from git alone, which cannot know them. */
  reviewsKnown: boolean;
  reviews: ReviewEvidence[];
  gate?: GateCheckRecord;
  /** Every run of the gate's check on the head, newest first, when the source lists them (GitHub). */
  gateRuns?: GateCheckRecord[];
  /** What the gate's merge records (registry/audit/, one per stage moved) say: in git, so known from git alone. */
  recorded?: RecordedSignoff[];
  /** The description the reviewers saw (merge record, else GitHub), when known. */
  body?: PullRequestBody;
}

export interface VersionEvidence {
  model: string;
  version: string;
  createdAt?: string;
  run?: { url?: string; workflow?: string; actor?: string; commit?: string };
  validation?: { passed: boolean; gates: GateResult[] };
  drift?: Record<string, number>;
  fairness?: Record<string, number>;
  held?: ModelVersion['held'];
  /** Training and evaluation data, parent, and what is wrong with them (unpinned URI, unchanged from the parent). */
  lineage?: Lineage;
}

export interface IncidentEvidence {
  id: string;
  title?: string;
  severity?: string;
  status?: string;
  models: string[];
  detectedAt?: string;
  resolvedAt?: string;
  rollback?: Incident['rollback'];
  timeline: TimelineEntry[];
}

export interface RecordEvidence {
  sha: string;
  path: string;
  text: string;
}

export interface Evidence {
  format: 'tollgate-evidence/v1';
  subject: EvidenceSubject;
  title: string;
  ref: string;
  head: string;
  /** The head commit's committer time: the bundle's fixed file time. */
  headDate: string;
  /** Newest first, as git log lists them. */
  commits: CommitEvidence[];
  /** Oldest first: commit events and audit-file events. */
  events: RegistryEvent[];
  stageHistory: StageTenure[];
  pullRequests: PullRequestEvidence[];
  versions: VersionEvidence[];
  incidents: IncidentEvidence[];
  rollbacks: RegistryEvent[];
  records: RecordEvidence[];
  warnings: string[];
  /** The period at a glance, and what the audit found (collectFindings); shown first in every rendering. */
  summary?: EvidenceSummary;
  findings?: EvidenceFinding[];
  /** drift-report audit events (src/monitor/drift-report.ts): the drift and fairness sections. */
  driftReports?: { drift: DriftRecord[]; fairness: DriftRecord[] };
  /** The policy, CODEOWNERS and owners each stage move was judged by, and the texts once each. */
  controls?: ControlsEvidence;
}

export type EvidenceFindingKind =
  | IntegrityFinding['kind']
  | 'merge-without-verdict'
  | 'postmortem-overdue'
  | 'postmortem-unfilled'
  | 'requester-approved';

export interface EvidenceFinding {
  kind: EvidenceFindingKind;
  /** `violation`: a control was bypassed or is missing (`evidence export --strict` fails). `notice`: allowed, listed for review. */
  severity: 'violation' | 'notice';
  title: string;
  detail: string;
  at?: string;
  sha?: string;
  pullRequest?: number;
  /** Who made the change (commit author, or merger). */
  who?: string;
  changes?: string[];
  incident?: string;
  /** Versions a direct push put into a stage while they were held. */
  heldIntoService?: { model: string; stage: string; version: string; reason: string }[];
}

export interface EvidenceSummary {
  period: { from?: string; to: string };
  models: string[];
  promotions: number;
  rollbacks: number;
  incidents: number;
  violations: number;
  notices: number;
  /** The adoption commit the audit starts after (registry history before it is not judged). */
  auditedSince?: string;
}
