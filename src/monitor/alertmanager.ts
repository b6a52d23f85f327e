// Alerts from Prometheus Alertmanager's webhook (payload version 4), relayed as a repository_dispatch. An alert
// names the model in its `model` label and the Tollgate rule in `tollgate_rule` (else its alertname). Pure.
import { TollgateError } from '../errors.ts';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
}

export interface AlertmanagerPayload {
  version: string;
  status: 'firing' | 'resolved';
  receiver?: string;
  externalURL?: string;
  alerts: AlertmanagerAlert[];
}

export interface RuleAlert {
  model: string;
  rule: string;
  status: 'firing' | 'resolved';
  /** The annotation `value`, when it is a number. */
  value?: number;
  startsAt?: string;
  fingerprint?: string;
  url?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const FIX =
  'send Alertmanager\'s webhook JSON (version "4") as the client_payload, or under client_payload.alertmanager';

/** The Alertmanager payload inside a repository_dispatch client_payload (itself, or its `alertmanager` field). */
export function parseAlertmanagerPayload(raw: unknown): AlertmanagerPayload {
  const payload = isObject(raw) && isObject(raw.alertmanager) ? raw.alertmanager : raw;
  if (!isObject(payload) || !Array.isArray(payload.alerts))
    throw new TollgateError('the payload is not an Alertmanager webhook: it has no alerts list', {
      fix: FIX,
    });
  if (payload.version !== '4')
    throw new TollgateError(
      `Alertmanager payload version ${JSON.stringify(payload.version)} is not supported`,
      {
        field: 'version',
        fix: 'Tollgate reads version "4", the format Alertmanager has sent since 0.5',
      },
    );
  const alerts = payload.alerts.map((alert, i): AlertmanagerAlert => {
    if (
      !isObject(alert) ||
      (alert.status !== 'firing' && alert.status !== 'resolved') ||
      !isObject(alert.labels)
    )
      throw new TollgateError(`alerts[${i}] has no status firing/resolved or no labels`, {
        field: `alerts[${i}]`,
        fix: FIX,
      });
    const strings = (o: unknown): Record<string, string> =>
      isObject(o)
        ? (Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'string')) as Record<
            string,
            string
          >)
        : {};
    return {
      status: alert.status,
      labels: strings(alert.labels),
      annotations: strings(alert.annotations),
      ...(typeof alert.startsAt === 'string' ? { startsAt: alert.startsAt } : {}),
      ...(typeof alert.endsAt === 'string' ? { endsAt: alert.endsAt } : {}),
      ...(typeof alert.generatorURL === 'string' ? { generatorURL: alert.generatorURL } : {}),
      ...(typeof alert.fingerprint === 'string' ? { fingerprint: alert.fingerprint } : {}),
    };
  });
  return {
    version: '4',
    status: payload.status === 'resolved' ? 'resolved' : 'firing',
    ...(typeof payload.receiver === 'string' ? { receiver: payload.receiver } : {}),
    ...(typeof payload.externalURL === 'string' ? { externalURL: payload.externalURL } : {}),
    alerts,
  };
}

/** The alerts about Tollgate rules: those with a `model` label, keyed by model and rule. */
export function ruleAlerts(payload: AlertmanagerPayload): RuleAlert[] {
  return payload.alerts.flatMap((alert) => {
    const model = alert.labels.model;
    const rule = alert.labels.tollgate_rule ?? alert.labels.alertname;
    if (!model || !rule) return [];
    const value = alert.annotations.value === undefined ? undefined : Number(alert.annotations.value);
    return [
      {
        model,
        rule,
        status: alert.status,
        ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
        ...(alert.startsAt ? { startsAt: alert.startsAt } : {}),
        ...(alert.fingerprint ? { fingerprint: alert.fingerprint } : {}),
        ...(alert.generatorURL ? { url: alert.generatorURL } : {}),
      },
    ];
  });
}
