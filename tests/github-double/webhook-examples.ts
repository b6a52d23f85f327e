// GitHub's published example webhook payloads (@octokit/webhooks-examples), for tests of event handling: the real
// shapes, not hand-written ones. Each call returns a fresh copy to edit.
import { createRequire } from 'node:module';

interface Definition {
  name: string;
  examples: Record<string, unknown>[];
}

// The package is a JSON file without a module entry; its typings need @octokit/webhooks-types, which is not used.
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as Definition[];

export function webhookExample(
  name: string,
  index = 0,
): Record<string, unknown> & { sender: { login: string } } {
  const example = definitions.find((d) => d.name === name)?.examples[index];
  if (!example) throw new Error(`no example payload ${index} for the ${name} event`);
  return structuredClone(example) as Record<string, unknown> & { sender: { login: string } };
}

/** A repository_dispatch of `type` from `sender` (a login), carrying `payload`, on GitHub's example event. */
export function repositoryDispatch(
  type: string,
  payload: Record<string, unknown>,
  sender: string,
): Record<string, unknown> {
  const event = webhookExample('repository_dispatch');
  return {
    ...event,
    action: type,
    client_payload: payload,
    sender: { ...event.sender, login: sender, type: 'Bot' },
  };
}
