// The "open an incident" use case, for both faces: classify the declared metrics, decide per model whether to roll
// back automatically (assess.ts), roll back, notify, and record the incident in one write. Two writers, one per
// place it runs: `publish` (the incident action on a runner: each rollback pushed or proposed, the record a state
// change, open-publish.ts) and `commit` (the CLI in a clone: record and rollbacks in ONE local commit through the
// registry transaction, with a journal so a re-run continues under the same id, open-commit.ts).
import { join } from 'node:path';
import { assertDispatchAccepted } from '../policy/dispatch.ts';
import { readPolicy } from '../policy/read.ts';
import { fileSystemReader } from '../registry/load.ts';
import type {
  OpenContext,
  OpenIncidentInput,
  OpenIncidentOptions,
  OpenIncidentPorts,
  OpenIncidentResult,
} from './open-context.ts';
import { commitOpenIncident } from './open-commit.ts';
import { publishOpenIncident } from './open-publish.ts';
import { incidentRequest } from './request.ts';

export type * from './open-context.ts';

/** Opens an incident: see the head of this file. */
export async function openIncidentFlow(
  input: OpenIncidentInput,
  ports: OpenIncidentPorts,
  options: OpenIncidentOptions,
): Promise<OpenIncidentResult> {
  const policy = await readPolicy(fileSystemReader(join(ports.repoRoot, ports.registryDir)));
  // Before the payload is read: a sender the policy does not list gets nothing but the refusal.
  if (ports.origin)
    assertDispatchAccepted(policy.dispatch.allowedSenders, ports.origin, 'declare an incident');
  const request = 'request' in input ? input.request : incidentRequest(input.inputs, input.event);
  const context: OpenContext = {
    policy,
    notifier: ports.notifier?.(policy),
    request,
    ports,
    options,
    clock: ports.clock ?? (() => ports.now),
  };
  return options.write === 'publish' ? publishOpenIncident(context) : commitOpenIncident(context);
}
