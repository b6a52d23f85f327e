// Verifying the incident action's own automatic rollbacks (the protocol's step 5), as the rollback action does
// (src/monitor/verify-rollback.ts): for each rollback that went live, wait the policy's settle time, read the stage's
// metrics, check the success criteria and record `rollback-verified` or `rollback-unhealthy`. Unhealthy keeps the
// incident open, escalates it and announces the escalation. Everything lands in the incident's own record: the
// event with its audit events, the incident with its timeline; a source that cannot be read is a timeline note.
import { join } from 'node:path';
import { describeError } from '../errors.ts';
import { verifyRollback, rollbackSource, type VerifyRollbackInput } from '../monitor/verify-rollback.ts';
import { fileSystemReader, loadRegistry } from '../registry/load.ts';
import { incidentPath } from '../registry/paths.ts';
import type { AuditEvent, Incident } from '../registry/types.ts';
import { appendTimeline } from './record.ts';
import { iso, type ModelRollback, type OpenContext } from './open-context.ts';

/** Verifies each pushed rollback in `rollbacks` (setting its `verification`); returns the incident and events. */
export async function verifyIncidentRollbacks(
  context: OpenContext,
  incident: Incident,
  rollbacks: ModelRollback[],
  actor: string,
): Promise<{ incident: Incident; audit: AuditEvent[] }> {
  const verify = context.ports.verify;
  const live = rollbacks.filter((r) => r.outcome?.mode === 'pushed' && r.decision.rollback);
  if (!verify || live.length === 0) return { incident, audit: [] };
  const { repoRoot, registryDir } = context.ports;
  const { registry } = await loadRegistry(fileSystemReader(join(repoRoot, registryDir)));
  const audit: AuditEvent[] = [];
  for (const rollback of live) {
    const outcome = rollback.outcome!;
    const version = rollback.decision.rollback ? rollback.decision.target : '';
    const before = incident.severity;
    try {
      const entry = registry.models.get(rollback.model);
      if (!entry) throw new Error(`no model ${rollback.model} in the registry`);
      const input: VerifyRollbackInput = {
        policy: context.policy,
        model: entry.model,
        stage: 'production',
        version,
        incident,
        actor,
        ...('commit' in outcome ? { commit: outcome.commit } : {}),
        source: rollbackSource(context.policy, entry.model, {
          repoRoot,
          env: verify.env,
          commands: verify.commands ?? 'refuse',
          ...(verify.fetch ? { fetch: verify.fetch } : {}),
        }),
        now: context.clock,
        sleep: verify.sleep,
      };
      const verification = await verifyRollback(input);
      audit.push(verification.event);
      const updated = verification.writes.find((w) => w.path === incidentPath(incident.id));
      incident =
        updated !== undefined
          ? (updated.document as Incident)
          : appendTimeline(incident, {
              at: verification.event.at,
              event: 'note',
              detail: `rollback-verified: ${verification.summary[0]}`,
            });
      rollback.verification = { status: verification.status, summary: verification.summary };
    } catch (error) {
      const why = `rollback of ${rollback.model} to ${version} not verified: ${describeError(error)}`;
      incident = appendTimeline(incident, { at: iso(context.clock()), event: 'note', detail: why });
      rollback.verification = { status: 'failed', summary: [why] };
    }
    if (incident.severity !== before && context.notifier)
      for (const entry of await context.notifier.notify(incident, 'escalated'))
        incident = appendTimeline(incident, entry);
  }
  return { incident, audit };
}
