// What was declared as an incident: the action's inputs, filled in from a repository_dispatch client_payload, or the
// CLI's arguments. Pure: parsing and checking only.
import { TollgateError } from '../errors.ts';
import { parseMetricArgs } from './severity.ts';

export interface IncidentInputs {
  model?: string;
  /** `name=value` pairs, comma- or newline-separated. */
  metrics?: string;
  alert?: string;
  description?: string;
  dryRun: boolean;
  registry?: string;
}

export interface IncidentRequest {
  models: string[];
  metrics: Record<string, number>;
  alert?: string;
  description?: string;
}

/** The event that started a run, as far as the request needs it. */
export interface IncidentEvent {
  eventName: string;
  event: Record<string, unknown>;
}

const text = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new TollgateError(`client_payload.${field} must be a string`, { field });
  }
  return value.trim() || undefined;
};

/** `a=1, b=2` or one pair a line. */
export const parseMetricsText = (value: string): Record<string, number> =>
  parseMetricArgs(
    value
      .split(/[,\n]/)
      .map((pair) => pair.trim())
      .filter((pair) => pair !== ''),
  );

/** A client_payload's metrics: `{name: number}` (numbers or numeric strings) or the `k=v,...` text form. */
function payloadMetrics(value: unknown): Record<string, number> {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') return parseMetricsText(value);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TollgateError('client_payload.metrics must be an object of numbers or "name=value, ..." text', {
      field: 'metrics',
      fix: 'send e.g. {"metrics": {"error_rate": 0.7}} or {"metrics": "error_rate=0.7"}',
    });
  }
  return parseMetricArgs(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`),
  );
}

/**
 * What was declared: the action's inputs, filled in from a repository_dispatch client_payload
 * (`{model, metrics, alert, description}`); an input that is set wins over the payload.
 */
export function incidentRequest(inputs: IncidentInputs, origin: IncidentEvent): IncidentRequest {
  const payload =
    origin.eventName === 'repository_dispatch'
      ? ((origin.event.client_payload ?? {}) as Record<string, unknown>)
      : {};
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TollgateError('repository_dispatch client_payload must be an object', {
      field: 'client_payload',
    });
  }
  const model = inputs.model?.trim() || text(payload.model, 'model');
  if (!model) {
    const dispatched = origin.eventName === 'repository_dispatch';
    throw new TollgateError(
      dispatched
        ? 'repository_dispatch: client_payload.model is missing: an incident needs the affected model'
        : 'an incident needs the affected model',
      {
        field: dispatched ? 'client_payload.model' : 'model',
        fix: 'set the `model` input, or `model` in the repository_dispatch client_payload',
      },
    );
  }
  const metrics = inputs.metrics?.trim() ? parseMetricsText(inputs.metrics) : payloadMetrics(payload.metrics);
  const alert = inputs.alert?.trim() || text(payload.alert, 'alert');
  const description = inputs.description?.trim() || text(payload.description, 'description');
  return {
    models: model
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    metrics,
    ...(alert !== undefined ? { alert } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}
