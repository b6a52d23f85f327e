// Which sign-offs a semantic diff needs under the base branch's policy, and what fails it outright.
import { MODEL_OWNER_ROLE, type EffectivePolicy } from '../policy/effective.ts';
import {
  STATE_CHANGE_KINDS,
  type RegistryChange,
  type RoleMembers,
  type SignoffRule,
} from '../registry/types.ts';
import { MERGE_RECORD_ID } from '../registry/names.ts';
import { ineligibleMoves } from './eligibility.ts';
import type { GateModel, GateVersion, TransientPointer } from './types.ts';
import { describeChange as describeRegistryChange } from '../registry/diff.ts';
import type { Problem } from '../registry/types.ts';
import { showInvisible } from './invisible.ts';
import { guardedChanges } from './self-guard.ts';

/** One role that must sign off; several rules needing the same role (for the same model) share one slot. */
export interface RoleSlot {
  key: string;
  role: string;
  rules: string[];
  members?: RoleMembers;
  /** Set when no approval can fill the slot (no owners on base, unvetted new-model owners). */
  unfillable?: string;
}

export interface RequiredSignoffs {
  slots: RoleSlot[];
  blocking: string[];
  stateOnly: boolean;
  /** One line per change that needs review. */
  changes: string[];
}

export interface RequirementsInput {
  policy: EffectivePolicy;
  defaultBranch?: string;
  changes: RegistryChange[];
  models: Record<string, GateModel>;
  baseRef: string;
  stageHistory: Record<string, Record<string, string[]>>;
  versions: Record<string, Record<string, GateVersion>>;
  transientPointers?: TransientPointer[];
  /** The pull request's head branch, when known. */
  headRef?: string;
  /** Whether GitHub says a bot opened the pull request. */
  authorIsBot?: boolean;
  /** Who opened it, and Tollgate's App (PullRequestFacts.recordWriter): only that App's bot adds merge records. */
  author?: string;
  recordWriter?: string;
  /** Schema and cross-file errors in the changed registry files at the head (see GateInput.invalidFiles). */
  invalidFiles?: Problem[];
}

/**
 * Branches of the state pull requests Tollgate merges itself, at once or through auto-merge (src/publish/state.ts).
 * Auto-merge stays on when someone with write access pushes to the branch, so the gate must refuse anything on
 * them that is not registry state: otherwise Tollgate would merge it.
 */
export const STATE_BRANCH_PREFIXES = ['tollgate/state/', 'tollgate/incident/'];

/** Whether `login` is the bot of the App `slug` (REST says `slug[bot]`, GraphQL says `slug`). */
export const isAppBot = (login: string, slug: string): boolean =>
  login.replace(/\[bot\]$/i, '').toLowerCase() === slug.replace(/\[bot\]$/i, '').toLowerCase();

export const isStateBranch = (ref: string): boolean =>
  STATE_BRANCH_PREFIXES.some((prefix) => ref.replace(/^refs\/heads\//, '').startsWith(prefix));

/** Paths outside the registry whose change, next to a promotion or a policy change, could subvert the gate. */
const SENSITIVE_PREFIXES = ['.github/', 'actions/', 'src/', 'dist/'];
const SENSITIVE_FILES = new Set(['package.json', 'package-lock.json']);

export function isSensitivePath(path: string): boolean {
  return SENSITIVE_FILES.has(path) || SENSITIVE_PREFIXES.some((prefix) => path.startsWith(prefix));
}

type StageChange = Extract<RegistryChange, { kind: 'stage-changed' }>;

/** A move to a version that already held this stage after passing the gate. */
export function isRollback(change: StageChange, stageHistory: RequirementsInput['stageHistory']): boolean {
  if (change.to === undefined || change.to === change.from) return false;
  return stageHistory[change.model]?.[change.stage]?.includes(change.to) ?? false;
}

/**
 * The rules that apply to a change: those naming its kind (and, for stage changes, matching stage and rollback
 * flag), keeping only the most specific. A named stage outweighs the rollback flag, so a `production` rollback
 * rule beats both a generic `production` rule and a stage-less rollback rule.
 */
export function rulesForChange(
  change: RegistryChange,
  rules: SignoffRule[],
  rollback: boolean,
): SignoffRule[] {
  const matching = rules.filter((rule) => {
    if (rule.change !== change.kind) return false;
    if (change.kind === 'stage-weight-changed')
      return rule.stage === undefined || rule.stage === change.stage;
    if (change.kind !== 'stage-changed') return true;
    if (rule.stage !== undefined && rule.stage !== change.stage) return false;
    return rule.rollback === undefined || rule.rollback === rollback;
  });
  if (change.kind !== 'stage-changed') return matching;
  const specificity = (rule: SignoffRule) =>
    (rule.stage !== undefined ? 2 : 0) + (rule.rollback !== undefined ? 1 : 0);
  const best = Math.max(...matching.map(specificity));
  return matching.filter((rule) => specificity(rule) === best);
}

/** The change as the check summary shows it; the wording is the semantic diff's, plus whether it is a rollback. */
export function describeChange(change: RegistryChange, rollback = false): string {
  return `${describeRegistryChange(change)}${rollback ? ' (rollback)' : ''}`;
}

/** One blocking line for an invalid registry file: where, which field, what, and the fix; invisible characters shown. */
export function invalidFileLine(problem: Problem): string {
  const where = `${problem.file}${problem.line ? `:${problem.line}` : ''}`;
  const field = problem.field && !problem.message.includes(problem.field) ? `${problem.field}: ` : '';
  return showInvisible(
    `invalid registry file ${where}: ${field}${problem.message}${problem.fix ? `; fix: ${problem.fix}` : ''}`,
  );
}

/** What the diff needs: role slots, reasons that block regardless of reviews, and whether it is state only. */
export function requiredSignoffs(input: RequirementsInput): RequiredSignoffs {
  const { policy, changes } = input;
  const blocking: string[] = [];
  const slots = new Map<string, RoleSlot>();
  const lines: string[] = [];

  // A file the schema or the cross-file rules reject is judged by nothing else: a stage named with an invisible
  // character or a YAML merge key would otherwise be read one way by the diff and shown another way to reviewers.
  if (input.invalidFiles && input.invalidFiles.length > 0)
    return {
      slots: [],
      blocking: input.invalidFiles.map(invalidFileLine),
      stateOnly: false,
      changes: changes.map((c) => showInvisible(describeChange(c))),
    };

  for (const change of changes) {
    if (change.kind === 'unknown-registry-file') {
      blocking.push(
        `unknown registry file ${change.path}: it is not a known kind in a known place, or it does not parse; ` +
          'fix: move or rename it to its documented path (see docs/registry.md), or remove it',
      );
    } else if (change.kind === 'audit-rewritten') {
      blocking.push(
        `audit event ${change.id} (${change.path}) was edited or removed: audit events are never changed; ` +
          'fix: restore the file from the base branch and record a new event instead',
      );
    }
  }

  // Merge records name who signed off; readers without a token take them at their word. A person or another bot
  // (rather than Tollgate's App, which writes them after a merge) adding one is forging the trail.
  const forged = changes.flatMap((c) =>
    c.kind === 'audit-appended' && MERGE_RECORD_ID.test(c.id) ? [c] : [],
  );
  const byTollgate =
    input.authorIsBot === true &&
    (input.recordWriter === undefined || isAppBot(input.author ?? '', input.recordWriter));
  if (forged.length > 0 && !byTollgate)
    blocking.push(
      `merge record ${forged.map((c) => c.id).join(', ')} added by a pull request ` +
        (input.authorIsBot === true
          ? `another bot (${input.author ?? 'unknown'}) opened`
          : 'a person opened') +
        ": only the sign-off gate writes merge records (through Tollgate's App) after a merge; fix: remove the file",
    );

  if (input.headRef !== undefined && isStateBranch(input.headRef)) {
    const more = changes.filter((c) => !STATE_CHANGE_KINDS.has(c.kind));
    if (more.length > 0)
      blocking.push(
        `pull request from ${input.headRef}, a Tollgate state branch that Tollgate merges without sign-off, changes ` +
          `more than registry state (${more.map((c) => c.path).join(', ')}); fix: close it and open the change ` +
          'from a branch of your own, where the gate asks for the sign-offs it needs',
      );
  }

  const guarded = guardedChanges(changes, policy.signoff.guardedPaths);
  const decisive = changes.some((c) => c.kind === 'stage-changed' || c.kind === 'policy-changed');
  if (decisive) {
    const sensitive = changes.filter(
      (c) => c.kind === 'file-changed' && (isSensitivePath(c.path) || guarded.some((g) => g.path === c.path)),
    );
    if (sensitive.length > 0) {
      blocking.push(
        `mixed change: a promotion or policy change together with code, workflow or gate set-up changes (${sensitive
          .map((c) => c.path)
          .join(
            ', ',
          )}); fix: split them into separate pull requests, the set-up change first (it needs the ` +
          "policy owners' sign-off)",
      );
    }
    if (changes.some((c) => c.kind === 'stage-changed') && changes.some((c) => c.kind === 'policy-changed')) {
      blocking.push(
        'mixed change: a promotion together with a change to registry/policy.yaml; fix: land the policy change in its own pull request first',
      );
    }
  }

  const target = input.defaultBranch ?? policy.defaultBranch;
  const reviewed = changes.filter((c) => !STATE_CHANGE_KINDS.has(c.kind) && c.kind !== 'file-changed');
  const stateOnly = changes.length > 0 && changes.every((c) => STATE_CHANGE_KINDS.has(c.kind));
  if (input.baseRef !== target) {
    if (policy.signoff.nonDefaultBranch === 'block') {
      blocking.push(
        `pull request into ${input.baseRef}, not the default branch ${target}: the policy blocks these; ` +
          `fix: open it against ${target}, or set signoff.non_default_branch: none in registry/policy.yaml`,
      );
    }
    return { slots: [], blocking, stateOnly, changes: reviewed.map((c) => describeChange(c)) };
  }

  blocking.push(
    ...ineligibleMoves({ ...input, isRollback: (change) => isRollback(change, input.stageHistory) }),
  );
  for (const t of input.transientPointers ?? [])
    blocking.push(
      `${t.model}: commit ${t.commit.slice(0, 7)} points ${t.stage} at ${t.version}, which neither ${target} nor ` +
        `this pull request's head does: merged by rebase, it would enter ${target}'s history unreviewed and later ` +
        'pass for a rollback target; fix: squash the commits so each pointer moves straight to its final version',
    );

  const missingRole = (role: string, where: string) =>
    blocking.push(
      `${where} requires role "${role}", which registry/policy.yaml does not define; ` +
        `fix: add roles.${role} (teams and/or users) to registry/policy.yaml on ${target}, or remove "${role}" from ${where}`,
    );

  const addSlot = (roleName: string, ruleName: string, model: string | undefined, where: string) => {
    if (roleName === MODEL_OWNER_ROLE) {
      if (model === undefined) {
        blocking.push(
          `${where} requires "${MODEL_OWNER_ROLE}", which only applies to changes of one model; fix: name a role from roles in registry/policy.yaml instead`,
        );
        return;
      }
      const key = `${MODEL_OWNER_ROLE}:${model}`;
      const known = input.models[model];
      const slot = slots.get(key) ?? {
        key,
        role: `${MODEL_OWNER_ROLE} (${model})`,
        rules: [],
        members: known?.owners,
        unfillable:
          known === undefined
            ? `model ${model} has no model.yaml with owners on ${target}; fix: land the model first, then this change`
            : undefined,
      };
      if (!slot.rules.includes(ruleName)) slot.rules.push(ruleName);
      slots.set(key, slot);
      return;
    }
    const members = policy.roles[roleName];
    if (members === undefined || !Object.hasOwn(policy.roles, roleName)) {
      missingRole(roleName, where);
      return;
    }
    const slot = slots.get(roleName) ?? { key: roleName, role: roleName, rules: [], members };
    if (!slot.rules.includes(ruleName)) slot.rules.push(ruleName);
    slots.set(roleName, slot);
  };

  for (const change of reviewed) {
    if (change.kind === 'unknown-registry-file' || change.kind === 'audit-rewritten') continue;
    if (change.kind === 'policy-changed') {
      lines.push(describeChange(change));
      if (policy.signoff.policyOwners.length === 0) {
        blocking.push(
          'signoff.policy_owners is empty, so nobody may approve a policy change; fix: name at least one role in signoff.policy_owners',
        );
      }
      for (const role of policy.signoff.policyOwners)
        addSlot(role, 'policy change', undefined, 'signoff.policy_owners');
      continue;
    }
    const rollback = change.kind === 'stage-changed' && isRollback(change, input.stageHistory);
    lines.push(describeChange(change, rollback));
    const rules = rulesForChange(change, policy.signoff.rules, rollback);
    if (rules.length === 0) {
      blocking.push(
        `no sign-off rule covers "${describeChange(change, rollback)}" (change: ${change.kind}); ` +
          `fix: add a rule for ${change.kind} to signoff.rules in registry/policy.yaml (require: [] to need no sign-off)`,
      );
      continue;
    }
    const model = 'model' in change ? change.model : undefined;
    for (const rule of rules) {
      for (const role of rule.require) addSlot(role, rule.name, model, `sign-off rule "${rule.name}"`);
    }
  }

  // What a model makes Tollgate run or read on its own (GUARDED_MODEL_FIELDS: its metrics source and rules, the
  // commands a retrain runs) is acted on after the merge with nobody in the loop: the policy owners' business too.
  const automation = reviewed.filter(
    (c) => (c.kind === 'model-added' || c.kind === 'model-changed') && (c.guarded?.length ?? 0) > 0,
  );
  if (automation.length > 0)
    for (const role of policy.signoff.policyOwners)
      addSlot(role, 'model automation (monitoring, retrain commands)', undefined, 'signoff.policy_owners');
  if (automation.length > 0 && policy.signoff.policyOwners.length === 0)
    blocking.push(
      'signoff.policy_owners is empty, so nobody may approve a change to what a model makes Tollgate run ' +
        `(${automation.map((c) => c.path).join(', ')}); fix: name at least one role in signoff.policy_owners`,
    );

  // The gate's own set-up is the policy's business: whoever could loosen the rules could loosen what runs them.
  for (const change of guarded) {
    lines.push(`${describeChange(change)}: guards the gate (${change.guard})`);
    for (const role of policy.signoff.policyOwners)
      addSlot(role, "change to the gate's own set-up", undefined, 'signoff.policy_owners');
  }
  if (guarded.length > 0 && policy.signoff.policyOwners.length === 0)
    blocking.push(
      "signoff.policy_owners is empty, so nobody may approve a change to the gate's own set-up " +
        `(${guarded.map((c) => c.path).join(', ')}); fix: name at least one role in signoff.policy_owners`,
    );

  // Owners listed only on the head are chosen by the pull request itself: they count only when someone from a
  // base-defined role must also approve this model's changes and so vets the list.
  for (const slot of slots.values()) {
    if (!slot.key.startsWith(`${MODEL_OWNER_ROLE}:`) || slot.unfillable) continue;
    const model = slot.key.slice(MODEL_OWNER_ROLE.length + 1);
    if (!input.models[model]?.new) continue;
    const vetted = [...slots.values()].some(
      (other) => !other.key.startsWith(`${MODEL_OWNER_ROLE}:`) && !other.unfillable,
    );
    if (!vetted) {
      slot.unfillable =
        `model ${model} is new in this pull request and no base-branch role must approve it, so its owner list is unvetted; ` +
        'fix: require a role (e.g. risk) for model-added in signoff.rules, or land model.yaml first';
    }
  }

  for (const slot of slots.values()) {
    const members = slot.members;
    if (slot.unfillable || members === undefined) continue;
    if ((members.users ?? []).length === 0 && (members.teams ?? []).length === 0) {
      slot.unfillable = slot.key.startsWith(`${MODEL_OWNER_ROLE}:`)
        ? `${slot.role} lists no users or teams; fix: add owners to its model.yaml on ${target}`
        : `role ${slot.role} lists no users or teams; fix: add some under roles.${slot.role} in registry/policy.yaml on ${target}`;
    }
  }

  return { slots: [...slots.values()], blocking, stateOnly, changes: lines };
}
