// Everything a promotion proposes, as data: the checked move, the new stages.yaml text, the commit and the pull
// request (title, body, labels, reviewers). Pure: the shell reads git, then commits and opens what this says.
import { TollgateError } from '../errors.ts';
import { evaluateGate } from '../gate/evaluate.ts';
import type { GateInput, Requirement } from '../gate/types.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import { gatesFor } from '../policy/gates.ts';
import { stagesPath } from '../registry/paths.ts';
import { formatWeight } from '../registry/diff.ts';
import type { ModelVersion, Registry, RegistryChange, Stages } from '../registry/types.ts';
import { validateDocumentSchema } from '../registry/validate-schema.ts';
import { canonicalDocument, formatProblems, serializeDocument } from '../registry/canonical.ts';
import { renderPromotionBody } from './body.ts';
import { checkPromotion, promotionBranch, promotionCommit, promotionStages } from './check.ts';

export interface PromotionPlanInput {
  /** The registry as it is on the base (default) branch. */
  registry: Registry;
  policy: EffectivePolicy;
  model: string;
  version: string;
  stage: string;
  /** Who asked: the `workflow_dispatch` actor or the CLI user. Never asked to review, never counts. */
  requestedBy: string;
  isOnDefaultBranch: (sha: string) => boolean;
  heldBefore?: (stage: string, version: string) => boolean;
  /** model -> stage -> versions that held it: the gate reads a move back to one as a rollback. */
  stageHistory?: Record<string, Record<string, string[]>>;
  /** The registry folder relative to the repository root, e.g. `registry` ('' for the root). */
  registryDir: string;
  /** Branch the pull request targets. */
  baseBranch: string;
  runUrl?: string;
  repoUrl?: string;
  /** Versions shown in the body's charts, newest last. */
  recentCount?: number;
  /** A canary-style stage's share of traffic, 0..1. The same version with a new weight is a weight-only change. */
  weight?: number;
  /** Markdown appended to the body as evidence for the reviewers (a canary analysis). */
  evidence?: string;
}

export interface PromotionReviewers {
  users: string[];
  /** `org/team-slug`. */
  teams: string[];
}

export interface PromotionProposal {
  ok: true;
  model: string;
  version: string;
  stage: string;
  /** The version the stage points at now, if any. */
  from?: string;
  requestedBy: string;
  stages: Stages;
  /** Repository-relative path of stages.yaml, and its new canonical text. */
  path: string;
  content: string;
  branch: string;
  baseBranch: string;
  subject: string;
  trailers: Record<string, string>;
  pullRequest: { title: string; body: string; labels: string[]; reviewers: PromotionReviewers };
  /** The sign-offs the gate will ask for (evaluated with no reviews). */
  requirements: Requirement[];
}

export type PromotionRefusal = { ok: false; reason: string; fix: string };
export type PromotionPlan = PromotionProposal | PromotionRefusal;

export const PROMOTION_LABELS = ['tollgate', 'tollgate:promotion'] as const;

export function promotionLabels(stage: string): string[] {
  return [...PROMOTION_LABELS, `stage:${stage}`];
}

/** Users and teams to ask for review: everyone who can fill a required role, except the requester. */
export function reviewersFor(requirements: Requirement[], requestedBy: string): PromotionReviewers {
  const users = new Set<string>();
  const teams = new Set<string>();
  const requester = requestedBy.toLowerCase();
  for (const requirement of requirements) {
    if (requirement.satisfiedBy) continue;
    for (const candidate of requirement.candidates) {
      const name = candidate.replace(/^@/, '');
      if (name.includes('/')) teams.add(name);
      else if (name.toLowerCase() !== requester) users.add(name);
    }
  }
  return { users: [...users], teams: [...teams] };
}

const repoPath = (registryDir: string, path: string): string =>
  registryDir === '' || registryDir === '.' ? path : `${registryDir.replace(/\/+$/, '')}/${path}`;

function recentVersions(versions: Iterable<ModelVersion>, count: number): ModelVersion[] {
  return [...versions]
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
    .slice(-count);
}

function withCurrentPointers(
  history: Record<string, Record<string, string[]>>,
  model: string,
  pointers: Record<string, { version: string }>,
): Record<string, Record<string, string[]>> {
  const stages = { ...history[model] };
  for (const [stage, pointer] of Object.entries(pointers))
    stages[stage] = [...new Set([...(stages[stage] ?? []), pointer.version])];
  return { ...history, [model]: stages };
}

/**
 * What the gate would be asked about the promotion's pull request before anyone reviews it: the one change, asked
 * for by the requester, no reviews, memberships or permissions. The promotion is refused if that already blocks.
 */
function previewGateInput(
  input: Pick<PromotionPlanInput, 'policy' | 'baseBranch' | 'requestedBy'>,
  change: RegistryChange,
  about: Pick<GateInput, 'models' | 'stageHistory' | 'versions'>,
): GateInput {
  return {
    policy: input.policy,
    defaultBranch: input.baseBranch,
    changes: [change],
    ...about,
    pullRequest: {
      number: 0,
      author: 'tollgate',
      headSha: '',
      baseRef: input.baseBranch,
      requestedBy: [input.requestedBy],
      commitAuthors: [],
    },
    reviews: [],
    memberships: {},
    permissions: {},
  };
}

export function planPromotion(input: PromotionPlanInput): PromotionPlan {
  const { registry, policy, model, version, stage } = input;
  if (input.weight !== undefined && !(input.weight >= 0 && input.weight <= 1))
    throw new TollgateError(`weight ${input.weight} is not a share of traffic between 0 and 1`, {
      fix: 'give --weight as 10% or 0.1',
    });
  const pointer = registry.models.get(model)?.stages?.stages[stage];
  if (input.weight !== undefined && pointer?.version === version)
    return planWeightChange(input, pointer.weight);
  const check = checkPromotion({
    registry,
    policy,
    model,
    version,
    stage,
    isOnDefaultBranch: input.isOnDefaultBranch,
    ...(input.heldBefore ? { heldBefore: input.heldBefore } : {}),
  });
  if (!check.ok) return check;
  const entry = registry.models.get(model)!;
  const candidate = entry.versions.get(version)!;
  const from = check.from;

  const stages = promotionStages(entry.stages, stage, version, model, input.weight);
  const registryPath = stagesPath(model);
  const problems = validateDocumentSchema(registryPath, canonicalDocument(stages));
  if (problems.some((p) => p.severity === 'error')) {
    throw new TollgateError(`the new ${registryPath} would be invalid:\n${formatProblems(problems)}`, {
      file: registryPath,
      fix: 'correct stages.yaml on the default branch first',
    });
  }

  const current = from === undefined ? undefined : entry.versions.get(from);
  const verdict = evaluateGate(
    previewGateInput(
      input,
      { kind: 'stage-changed', path: registryPath, model, stage, from, to: version },
      {
        models: {
          [model]: { owners: entry.model.owners, ...(entry.model.gates ? { gates: entry.model.gates } : {}) },
        },
        // checkPromotion has judged the stage order (with heldBefore); the preview reads the current pointers too.
        stageHistory: withCurrentPointers(input.stageHistory ?? {}, model, entry.stages?.stages ?? {}),
        versions: {
          [model]: {
            ...(current
              ? {
                  [current.id]: {
                    valid: true,
                    metrics: current.metrics,
                    passed: current.validation.passed,
                    ...(current.held ? { held: current.held.reason } : {}),
                  },
                }
              : {}),
            [version]: {
              valid: true,
              metrics: candidate.metrics,
              passed: candidate.validation.passed,
              ...(candidate.held ? { held: candidate.held.reason } : {}),
            },
          },
        },
      },
    ),
  );
  if (verdict.blocking.length > 0) {
    const [reason = '', fix = 'correct registry/policy.yaml on the default branch'] =
      verdict.blocking[0]!.split(/; fix: /);
    return {
      ok: false,
      reason: `the sign-off gate would block this pull request: ${reason}`,
      fix,
    };
  }

  const { subject, trailers } = promotionCommit({
    model,
    version,
    stage,
    requestedBy: input.requestedBy,
    ...(from === undefined ? {} : { from }),
  });
  const body = renderPromotionBody({
    model,
    stage,
    candidate,
    ...(current ? { current } : {}),
    recent: recentVersions(entry.versions.values(), input.recentCount ?? 10),
    requirements: verdict.requirements,
    keyMetrics: entry.model.key_metrics ?? [],
    metricDirections: policy.metricDirections,
    gates: gatesFor(policy.gates, entry.model.gates),
    noRegression: policy.noRegression,
    ...(input.runUrl ? { runUrl: input.runUrl } : {}),
    ...(input.repoUrl ? { repoUrl: input.repoUrl } : {}),
  });
  return proposalOf(input, stages, {
    ...(from === undefined ? {} : { from }),
    subject,
    trailers,
    body: `${body}${input.evidence ? `\n${input.evidence}\n` : ''}\nRequested by @${input.requestedBy}.\n`,
    requirements: verdict.requirements,
  });
}

/**
 * Only the traffic weight of a stage the version already holds: its own change (`stage-weight-changed`), judged by
 * the policy's rules for that kind, not a promotion (the version passed its promotion to this stage already).
 */
function planWeightChange(input: PromotionPlanInput, before: number | undefined): PromotionPlan {
  const { registry, model, version, stage } = input;
  const entry = registry.models.get(model)!;
  const weight = input.weight!;
  if (before === weight)
    return {
      ok: false,
      reason: `${model} ${stage} already serves ${version} at ${formatWeight(weight)}`,
      fix: 'nothing to do',
    };
  const stages = promotionStages(entry.stages, stage, version, model, weight);
  const registryPath = stagesPath(model);
  const change: RegistryChange = {
    kind: 'stage-weight-changed',
    path: registryPath,
    model,
    stage,
    version,
    ...(before !== undefined ? { from: before } : {}),
    to: weight,
  };
  const verdict = evaluateGate(
    previewGateInput(input, change, {
      models: { [model]: { owners: entry.model.owners } },
      stageHistory: input.stageHistory ?? {},
      versions: {},
    }),
  );
  if (verdict.blocking.length > 0)
    return {
      ok: false,
      reason: `the sign-off gate would block this pull request: ${verdict.blocking[0]}`,
      fix: 'see the policy rules for stage-weight-changed',
    };
  const { trailers } = promotionCommit({ model, version, stage, requestedBy: input.requestedBy });
  const subject = `Set ${model} ${stage} (${version}) weight ${formatWeight(before)} -> ${formatWeight(weight)}`;
  return proposalOf(input, stages, {
    from: version,
    subject,
    trailers: { ...trailers, 'Tollgate-Event': 'weight', Weight: String(weight) },
    body: [
      `## ${subject}`,
      '',
      `Only the share of traffic ${stage} sends to ${version} changes; the version itself passed its promotion to ${stage}.`,
      ...(input.evidence ? ['', input.evidence] : []),
      '',
      `Requested by @${input.requestedBy}.`,
      '',
    ].join('\n'),
    requirements: verdict.requirements,
  });
}

/** The proposal that writes `stages`: its file, branch, commit and pull request (asking who can sign off). */
function proposalOf(
  input: PromotionPlanInput,
  stages: Stages,
  made: Pick<PromotionProposal, 'from' | 'subject' | 'trailers' | 'requirements'> & { body: string },
): PromotionProposal {
  const { model, version, stage } = input;
  return {
    ok: true,
    model,
    version,
    stage,
    ...(made.from === undefined ? {} : { from: made.from }),
    requestedBy: input.requestedBy,
    stages,
    path: repoPath(input.registryDir, stagesPath(model)),
    content: serializeDocument(stages),
    branch: promotionBranch(model, stage),
    baseBranch: input.baseBranch,
    subject: made.subject,
    trailers: made.trailers,
    pullRequest: {
      title: made.subject,
      body: made.body,
      labels: promotionLabels(stage),
      reviewers: reviewersFor(made.requirements, input.requestedBy),
    },
    requirements: made.requirements,
  };
}
