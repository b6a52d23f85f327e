// The reviewers' daily digest: whether any promotion has waited for a sign-off longer than the policy allows
// (`signoff.digest_after`), and the message that says so. Pure: `tollgate signoffs pending --digest` prints it.
import { formatAge, type InboxRow } from './inbox.ts';

export interface SignoffDigest {
  /** True when at least one pull request has waited longer than the threshold: post the message. */
  due: boolean;
  /** The rows past the threshold, oldest first. */
  overdue: InboxRow[];
  /** Markdown (Slack's mrkdwn reads it too): a heading line and one bullet per pull request. */
  text: string;
}

function line(row: InboxRow): string {
  const what = row.model ? `${row.model}${row.stage ? ` → ${row.stage}` : ''}` : row.title;
  const owes =
    row.owed.length > 0
      ? row.owed
          .map((o) => `${o.role} (${o.candidates.length > 0 ? o.candidates.join(', ') : 'nobody can sign'})`)
          .join('; ')
      : `could not be judged: ${row.problem ?? 'unknown'}`;
  return `- <${row.url}|#${row.number}> ${what}, waiting ${row.age}: ${owes}`;
}

/**
 * The digest for `rows` (the inbox, oldest first) against `thresholdSeconds`: only pull requests open longer than
 * the threshold count. Nothing due gives an empty text, so a scheduled job posts nothing.
 */
export function signoffDigest(rows: InboxRow[], thresholdSeconds: number, repository: string): SignoffDigest {
  const overdue = rows.filter((row) => row.ageSeconds > thresholdSeconds);
  if (overdue.length === 0) return { due: false, overdue, text: '' };
  const heading =
    `${overdue.length} promotion pull request${overdue.length === 1 ? '' : 's'} in ${repository} ` +
    `${overdue.length === 1 ? 'has' : 'have'} waited longer than ${formatAge(thresholdSeconds)} for a sign-off:`;
  return { due: true, overdue, text: [heading, ...overdue.map(line)].join('\n') };
}
