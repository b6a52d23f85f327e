// Where pull-request facts come from. Git alone knows a merge's time and committer; reviews and the gate's check
// run live on GitHub, so a GitHub-backed ReviewSource fills those in and the git-only one leaves them empty.
import type { MembershipState } from '../gate/types.ts';
import { pullRequestOf, type TrailCommit } from './history.ts';

export interface ReviewRecord {
  login: string;
  /** GitHub's review state: APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING. */
  state: string;
  commitId: string;
  submittedAt: string;
}

export interface GateCheckRecord {
  /** success, failure, neutral, cancelled, skipped, timed_out, action_required, or null while running. */
  conclusion: string | null;
  completedAt?: string;
  headSha: string;
  /** The App GitHub filed the run under. */
  app?: { id: number; slug?: string };
}

export interface PullRequestRecord {
  number: number;
  title: string;
  author?: string;
  mergedAt?: string;
  mergedBy?: string;
  /** The commit GitHub's merge put on the base branch; absent when the source cannot tell (git alone). */
  mergeCommitSha?: string;
  reviews: ReviewRecord[];
  gateCheck?: GateCheckRecord;
  /** Every run of the gate's check on the head, newest first (the audit judges the one standing at the merge). */
  gateChecks?: GateCheckRecord[];
  /** Runs of the gate's check name on the head from another App than the pinned one: never the gate's verdict. */
  foreignChecks?: GateCheckRecord[];
  /** False when reviews and the check are unknown (git alone cannot tell), not known to be absent. */
  reviewsKnown?: boolean;
  /** The description as the source has it now (GitHub); git alone does not know it. */
  body?: string;
}

export interface ReviewSource {
  pullRequest(number: number): Promise<PullRequestRecord | undefined>;
  /**
   * Whether `login` is a member of `team` ('org/slug'), when the source can ask; 'unknown' when it cannot.
   * Absent from a source that cannot know (git alone).
   */
  teamMembership?(team: string, login: string): Promise<MembershipState | 'unknown'>;
  /** What the source could not read, in words, for the evidence's warnings. */
  warnings?(): string[];
}

/** A ReviewSource from the commits alone: the merge (or squash) commit gives title, time and merger. */
export function gitOnlyReviews(commits: TrailCommit[]): ReviewSource {
  const byNumber = new Map<number, TrailCommit>();
  // Oldest first, so the earliest landing commit of a number wins.
  for (const c of [...commits].reverse()) {
    const n = pullRequestOf(c);
    if (n !== undefined && !byNumber.has(n)) byNumber.set(n, c);
  }
  return {
    pullRequest(number) {
      const c = byNumber.get(number);
      if (!c) return Promise.resolve(undefined);
      const merge = /^Merge pull request #\d+ from /.test(c.subject);
      const title = merge ? c.body.split('\n')[0] || c.subject : c.subject.replace(/\s*\(#\d+\)\s*$/, '');
      return Promise.resolve({
        number,
        title,
        author: undefined,
        mergedAt: c.committer.date,
        mergedBy: c.committer.name,
        reviews: [],
        reviewsKnown: false,
      });
    },
  };
}

/** The approvals that stand: each reviewer's latest decisive review, kept when it is APPROVED. */
export function standingApprovals(pr: PullRequestRecord): ReviewRecord[] {
  const latest = new Map<string, ReviewRecord>();
  const ordered = [...pr.reviews].sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
  for (const r of ordered) {
    if (r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED' || r.state === 'DISMISSED')
      latest.set(r.login.toLowerCase(), r);
  }
  return [...latest.values()].filter(
    (r) => r.state === 'APPROVED' && r.login.toLowerCase() !== pr.author?.toLowerCase(),
  );
}
