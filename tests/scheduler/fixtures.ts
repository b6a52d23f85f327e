// Small builders shared by the scheduler tests.
import { effectivePolicy } from '../../src/policy/effective.ts';
import type { Model, Schedule } from '../../src/registry/types.ts';

export const T0 = Date.parse('2026-11-25T22:00:00Z');
export const HOUR = 3_600_000;

export function schedule(fields: Partial<Schedule> = {}): Schedule {
  return {
    apiVersion: 'tollgate/v1',
    kind: 'Schedule',
    schema_version: 1,
    model: 'fraud',
    interval: 86_400,
    failure_streak: 0,
    ...fields,
  };
}

export function model(name = 'fraud', fields: Partial<Model> = {}): Model {
  return {
    apiVersion: 'tollgate/v1',
    kind: 'Model',
    name,
    owners: { users: ['alice'] },
    ...fields,
  };
}

export function policy(schedule: NonNullable<Parameters<typeof effectivePolicy>[0]>['schedule'] = {}) {
  return effectivePolicy({ apiVersion: 'tollgate/v1', kind: 'Policy', roles: {}, schedule });
}

export const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
