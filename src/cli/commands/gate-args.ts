// Flag parsing shared by `tollgate gate simulate` and `gate record-merge` (pure).
import { TollgateError } from '../../errors.ts';
import type { GateInput, MembershipState, Permission } from '../../gate/types.ts';
import { PERMISSIONS } from '../../github/access.ts';

export const USAGE =
  'tollgate gate simulate --base REF --head REF [--author LOGIN] [--requested-by LOGIN]... ' +
  '[--approve LOGIN[@REF]]... [--member ORG/TEAM=LOGIN[:pending],...]... [--permission LOGIN=LEVEL]... ' +
  '[--base-branch NAME] [--format json]';

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

export function login(value: string, flag: string): string {
  const trimmed = value.trim().replace(/^@/, '');
  if (!LOGIN.test(trimmed))
    throw new TollgateError(`gate simulate: ${flag} "${value}" is not a GitHub login`, {
      kind: 'usage',
      fix: USAGE,
    });
  return trimmed;
}

/** `--member acme/compliance=carol,dave:pending` -> memberships (pure). */
export function parseMembers(values: string[]): GateInput['memberships'] {
  const memberships: GateInput['memberships'] = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const team = value.slice(0, eq).trim();
    if (eq < 0 || !/^[^/\s]+\/[^/\s]+$/.test(team))
      throw new TollgateError(`gate simulate: --member "${value}" is not ORG/TEAM=LOGIN,...`, {
        kind: 'usage',
        fix: USAGE,
      });
    const states = (memberships[team] ??= {});
    for (const entry of value
      .slice(eq + 1)
      .split(',')
      .filter((e) => e.trim() !== '')) {
      const [who = '', state = 'active'] = entry.split(':');
      if (state !== 'active' && state !== 'pending')
        throw new TollgateError(`gate simulate: --member state "${state}" must be active or pending`, {
          fix: USAGE,
        });
      states[login(who, '--member')] = state as MembershipState;
    }
  }
  return memberships;
}

/** `--permission rita=read` -> permissions (pure). */
export function parsePermissions(values: string[]): Record<string, Permission> {
  const permissions: Record<string, Permission> = {};
  for (const value of values) {
    const [who = '', level = ''] = value.split('=');
    if (!(PERMISSIONS as readonly string[]).includes(level))
      throw new TollgateError(
        `gate simulate: --permission "${value}" needs LOGIN=LEVEL, LEVEL one of ${PERMISSIONS.join(', ')}`,
        { kind: 'usage', fix: USAGE },
      );
    permissions[login(who, '--permission')] = level as Permission;
  }
  return permissions;
}
