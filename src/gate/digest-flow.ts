// The reviewers' daily digest as the scheduled workflow runs it: the inbox (pending-flow.ts) cut at the policy's
// `signoff.digest_after`, and, when anything waited longer, the message posted to the policy's
// `signoff.digest_channels` (Slack incoming webhooks or generic JSON webhooks, their secrets from the environment).
// A channel that fails is reported, never thrown: the digest is advice, not a gate.
import { join } from 'node:path';
import { describeError } from '../errors.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import { readPolicy } from '../policy/read.ts';
import { fileSystemReader } from '../registry/load.ts';
import { signoffDigest, type SignoffDigest } from './digest.ts';
import { pendingSignoffsFlow, type PendingPorts, type PendingRequest } from './pending-flow.ts';

export interface DigestPorts extends PendingPorts {
  /** Where the channels' secrets are (the variables their `url_env` names). */
  env: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

export interface DigestPost {
  channel: string;
  outcome: 'posted' | 'failed' | 'skipped';
  /** Only the URL's origin: webhook URLs carry their secret in the path. */
  detail: string;
}

export interface DigestFlowResult {
  repository: string;
  threshold: number;
  digest: SignoffDigest;
  /** One entry per channel of `signoff.digest_channels`; empty when nothing was due or nothing was to be posted. */
  posts: DigestPost[];
}

const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
};

/** The body for a channel: Slack reads `text` (mrkdwn: the `<url|#N>` links); a webhook gets the rows as data. */
function digestBody(type: 'slack' | 'webhook', digest: SignoffDigest, repository: string, threshold: number) {
  if (type === 'slack') return { text: digest.text };
  return {
    text: digest.text,
    event: 'signoff-digest',
    repository,
    threshold,
    overdue: digest.overdue.map((row) => ({
      number: row.number,
      url: row.url,
      model: row.model ?? null,
      stage: row.stage ?? null,
      age_seconds: row.ageSeconds,
      owed: row.owed.map((o) => ({ role: o.role, candidates: o.candidates })),
    })),
  };
}

async function postTo(
  name: string,
  policy: EffectivePolicy,
  body: (type: 'slack' | 'webhook') => object,
  ports: DigestPorts,
): Promise<DigestPost> {
  const channel = Object.prototype.hasOwnProperty.call(policy.incident.channels, name)
    ? policy.incident.channels[name]
    : undefined;
  if (channel === undefined)
    return {
      channel: name,
      outcome: 'failed',
      detail: `no channel "${name}" in the policy's incident.channels`,
    };
  if (channel.type !== 'slack' && channel.type !== 'webhook')
    return {
      channel: name,
      outcome: 'skipped',
      detail: `a ${channel.type} channel does not take the digest (slack or webhook only)`,
    };
  const fromEnv = channel.url_env ? ports.env[channel.url_env]?.trim() : undefined;
  const url =
    channel.url ?? (fromEnv || undefined) ?? (name === 'webhook' ? policy.incident.notifyWebhook : undefined);
  if (url === undefined)
    return { channel: name, outcome: 'skipped', detail: `${channel.url_env ?? 'its URL'} is not set` };
  const where = originOf(url);
  try {
    const response = await (ports.fetch ?? globalThis.fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body(channel.type)),
      signal: AbortSignal.timeout(ports.timeoutMs ?? 5000),
    });
    return response.ok
      ? { channel: name, outcome: 'posted', detail: `posted to ${where}` }
      : { channel: name, outcome: 'failed', detail: `${where} answered ${response.status}` };
  } catch (error) {
    return { channel: name, outcome: 'failed', detail: `${where}: ${describeError(error).split('\n')[0]}` };
  }
}

/**
 * The digest of what has waited longer than `olderThanSeconds` (default the policy's `signoff.digest_after`), and,
 * with `post` and something due, the posts to each of the policy's digest channels.
 */
export async function signoffDigestFlow(
  ports: DigestPorts,
  options: { olderThanSeconds?: number; post: boolean; filter?: Omit<PendingRequest, 'olderThanSeconds'> },
): Promise<DigestFlowResult> {
  const policy = await readPolicy(fileSystemReader(join(ports.repoRoot, ports.registry)));
  const threshold = options.olderThanSeconds ?? policy.signoff.digestAfter;
  const result = await pendingSignoffsFlow(ports, { ...options.filter, olderThanSeconds: threshold });
  const repository = `${ports.repo.owner}/${ports.repo.repo}`;
  const digest = signoffDigest(result.rows, threshold, repository);
  const posts: DigestPost[] = [];
  if (options.post && digest.due) {
    const body = (type: 'slack' | 'webhook') => digestBody(type, digest, repository, threshold);
    for (const name of policy.signoff.digestChannels) posts.push(await postTo(name, policy, body, ports));
  }
  return { repository, threshold, digest, posts };
}

/** The job summary: the digest (or that nothing is late) and how each channel took it. */
export function digestSummary(result: DigestFlowResult): string {
  return [
    '## Sign-off digest',
    '',
    result.digest.due
      ? result.digest.text
      : 'Nothing has waited longer than the policy allows for a sign-off.',
    '',
    ...result.posts.map((p) => `- ${p.channel}: ${p.outcome}, ${p.detail}`),
    '',
  ].join('\n');
}
