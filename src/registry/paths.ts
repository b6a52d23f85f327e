// Where each kind of file lives, relative to the registry root. The only place that builds registry paths.
import { posix } from 'node:path';
import { assertSafeName } from './names.ts';

export const POLICY_PATH = 'policy.yaml';

export const modelDir = (model: string): string => `models/${assertSafeName('model', model)}`;
export const modelPath = (model: string): string => `${modelDir(model)}/model.yaml`;
export const stagesPath = (model: string): string => `${modelDir(model)}/stages.yaml`;
export const schedulePath = (model: string): string => `${modelDir(model)}/schedule.yaml`;
export const versionPath = (model: string, version: string): string =>
  `${modelDir(model)}/versions/${assertSafeName('version', version)}.yaml`;
export const retrainPath = (model: string, request: string): string =>
  `${modelDir(model)}/retrains/${assertSafeName('request', request)}.yaml`;
export const incidentPath = (id: string): string => `incidents/${id}.yaml`;
export const postmortemPath = (id: string): string => `incidents/${id}.postmortem.md`;
/** audit/<yyyy>/<mm>/<id>.yaml, where the id starts with its UTC timestamp. */
export const auditPath = (id: string): string => `audit/${id.slice(0, 4)}/${id.slice(4, 6)}/${id}.yaml`;

export type RegistryPathMatch =
  | { kind: 'Policy' }
  | { kind: 'Model' | 'Stages' | 'Schedule'; model: string }
  | { kind: 'ModelVersion'; model: string; id: string }
  | { kind: 'RetrainRequest'; model: string; id: string }
  | { kind: 'Incident'; id: string }
  | { kind: 'Postmortem'; id: string }
  | { kind: 'AuditEvent'; id: string; year: string; month: string };

/** What a registry-relative path should hold, judged by its place alone; undefined for an unknown place. */
export function classifyRegistryPath(path: string): RegistryPathMatch | undefined {
  if (path === POLICY_PATH) return { kind: 'Policy' };
  let m = /^models\/([^/]+)\/(model|stages|schedule)\.yaml$/.exec(path);
  if (m) {
    const kind = m[2] === 'model' ? 'Model' : m[2] === 'stages' ? 'Stages' : 'Schedule';
    return { kind, model: m[1]! };
  }
  m = /^models\/([^/]+)\/(versions|retrains)\/([^/]+)\.yaml$/.exec(path);
  if (m) return { kind: m[2] === 'versions' ? 'ModelVersion' : 'RetrainRequest', model: m[1]!, id: m[3]! };
  m = /^incidents\/([^/]+)\.postmortem\.md$/.exec(path);
  if (m) return { kind: 'Postmortem', id: m[1]! };
  m = /^incidents\/([^/]+)\.yaml$/.exec(path);
  if (m) return { kind: 'Incident', id: m[1]! };
  m = /^audit\/(\d{4})\/(\d{2})\/([^/]+)\.yaml$/.exec(path);
  if (m) return { kind: 'AuditEvent', year: m[1]!, month: m[2]!, id: m[3]! };
  return undefined;
}

/** A `registry` input or option as a repository-relative folder (`.` for the repository root). */
export const registryFolder = (input: string | undefined): string =>
  posix.normalize((input ?? '').trim() || 'registry').replace(/\/+$/, '') || '.';
