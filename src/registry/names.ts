// Safe names: checked before a name reaches a path, a branch name, a shell argument or a commit message.
import { TollgateError } from '../errors.ts';

/** Lowercase letters, digits, `-` and `.`; starts and ends with a letter or digit; at most 64 characters. */
const SAFE_NAME = /^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$/;

export type NameKind = 'model' | 'version' | 'stage' | 'request' | 'role';

/** Why `name` is unsafe, or undefined when it is safe. */
export function unsafeNameReason(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'is not a string';
  if (name.length === 0) return 'is empty';
  if (name.length > 64) return `is ${name.length} characters long (at most 64)`;
  if (name.includes('..')) return 'contains ".."';
  if (!SAFE_NAME.test(name)) {
    return 'may hold only lowercase letters, digits, "-" and ".", and must start and end with a letter or digit';
  }
  return undefined;
}

export function isSafeName(name: unknown): name is string {
  return unsafeNameReason(name) === undefined;
}

/** Returns `name` when safe; throws a TollgateError naming the field and the rule otherwise. */
export function assertSafeName(kind: NameKind, name: unknown): string {
  const reason = unsafeNameReason(name);
  if (reason === undefined) return name as string;
  const shown = typeof name === 'string' ? JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name) : String(name);
  throw new TollgateError(`unsafe ${kind} name ${shown}: it ${reason}`, {
    fix: `use a ${kind} name like "fraud-detector" or "v13"`,
  });
}

/** Incident ids: INC-YYYYMMDD-HHMMSS-<suffix>. */
export const INCIDENT_ID = /^INC-\d{8}-\d{6}-[a-z0-9]{2,12}$/;
/** Audit event ids: <timestamp>-<suffix>, e.g. 20261124T033000Z-a1b2c3. */
export const AUDIT_ID = /^\d{8}T\d{6}(?:\d{3})?Z-[a-z0-9.-]{1,48}$/;
/** The id of a merge record, the audit event the sign-off gate writes after a merge: `<time>-pr<N>-<sha8>-...`. */
export const MERGE_RECORD_ID = /^\d{8}T\d{6}Z-pr\d+-[0-9a-f]{8}-/;
