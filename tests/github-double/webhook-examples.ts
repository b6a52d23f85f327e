// GitHub's published example payloads (@octokit/webhooks-examples), typed with @octokit/webhooks-types: every
// event a Tollgate workflow template subscribes to is tested on these, changed only where a test needs a real
// shape the examples lack (a merged pull request, a tag ref), and each change says so where it is made.
import { createRequire } from 'node:module';
import type { WebhookEventMap, WebhookEventName } from '@octokit/webhooks-types';

interface Definition {
  name: string;
  examples: Record<string, unknown>[];
}

const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as Definition[];

/**
 * A fresh copy of GitHub's example for `name` (with `action`, when given), the `index`-th one that matches.
 * Throws when there is none, so a test never silently runs on an empty payload.
 */
export function webhookExample<T extends WebhookEventName>(
  name: T,
  options: { action?: string; index?: number; where?: (payload: WebhookEventMap[T]) => boolean } = {},
): WebhookEventMap[T] {
  const examples = (definitions.find((d) => d.name === name)?.examples ?? []) as WebhookEventMap[T][];
  const matching = examples.filter(
    (e) =>
      (options.action === undefined || (e as { action?: string }).action === options.action) &&
      (options.where?.(e) ?? true),
  );
  const example = matching[options.index ?? 0];
  if (!example)
    throw new Error(
      `@octokit/webhooks-examples has no ${name}${options.action ? `.${options.action}` : ''} example`,
    );
  return structuredClone(example);
}
