// The audit events monitoring writes: a rule starting or stopping to fire, a drift report, a rollback's
// verification. Ids are `<yyyymmddThhmmssZ>-<suffix>` as src/registry/names.ts wants.
import { TollgateError } from '../errors.ts';
import { AUDIT_ID } from '../registry/names.ts';
import { API_VERSION, type AuditEvent } from '../registry/types.ts';
import type { RuleVerdict } from './rules.ts';

export function auditId(now: Date, suffix: string): string {
  const at = now.toISOString();
  const stamp = `${at.slice(0, 10).replaceAll('-', '')}T${at.slice(11, 19).replaceAll(':', '')}Z`;
  const clean = suffix
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  const id = `${stamp}-${clean || 'event'}`;
  if (!AUDIT_ID.test(id)) throw new TollgateError(`cannot build an audit id from "${suffix}"`);
  return id;
}

export const isoSeconds = (now: Date): string => now.toISOString().replace('.000Z', 'Z');

export function monitorAuditEvent(input: {
  event: string;
  verdict: RuleVerdict;
  model: string;
  actor: string;
  now: Date;
  source: string;
}): AuditEvent {
  const { rule } = input.verdict;
  const kind = input.event.endsWith('firing') ? 'firing' : 'resolved';
  return {
    apiVersion: API_VERSION,
    kind: 'AuditEvent',
    id: auditId(input.now, `${input.model}-${rule.name}-${kind}`),
    at: isoSeconds(input.now),
    event: input.event,
    actor: input.actor,
    model: input.model,
    ...(rule.stage ? { stage: rule.stage } : {}),
    details: {
      rule: rule.name,
      metric: rule.metric,
      op: rule.op,
      threshold: rule.threshold,
      for: rule.for,
      action: rule.action,
      ...(input.verdict.value !== undefined ? { value: input.verdict.value } : {}),
      reason: input.verdict.reason,
      source: input.source,
    },
  };
}
