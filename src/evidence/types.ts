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
