// Whether a version may be proposed for a stage, and the change that proposes it: a new stage pointer, a branch
// name and a commit message with trailers. Pure: the shell writes, commits and opens the pull request.
import { TollgateError } from '../errors.ts';
import type { EffectivePolicy } from '../policy/effective.ts';
import { evaluateGates, gatesFor } from '../policy/gates.ts';
import { assertSafeName, isSafeName } from '../registry/names.ts';
import { API_VERSION, type Registry, type Stages } from '../registry/types.ts';

export type PromotionCheck = { ok: true; from?: string } | { ok: false; reason: string; fix: string };

export interface PromotionRequest {
  registry: Registry;
  policy: EffectivePolicy;
  model: string;
  version: string;
  stage: string;
  /** True when the commit is reachable from the default branch (the shell asks git). */
  isOnDefaultBranch: (sha: string) => boolean;
  /**
   * True when the version held `stage` at some point (from git history). Optional: without it only the current
   * pointers count as having held a stage.
   */
  heldBefore?: (stage: string, version: string) => boolean;
}

const refuse = (reason: string, fix: string): PromotionCheck => ({ ok: false, reason, fix });

export function checkPromotion(request: PromotionRequest): PromotionCheck {
  const { registry, policy, model, version, stage } = request;
  for (const [kind, name] of [
    ['model', model],
    ['version', version],
    ['stage', stage],
  ] as const) {
    if (!isSafeName(name)) {
      return refuse(
        `unsafe ${kind} name ${JSON.stringify(name)}`,
        `use a ${kind} name like "fraud" or "v13"`,
      );
    }
  }
  const entry = registry.models.get(model);
  if (entry === undefined) {
    const known = [...registry.models.keys()].sort();
    return refuse(
      `unknown model "${model}"`,
      known.length > 0 ? `use one of: ${known.join(', ')}` : 'add models/<model>/model.yaml first',
    );
  }
  const candidate = entry.versions.get(version);
  if (candidate === undefined) {
    const known = [...entry.versions.keys()].sort();
    return refuse(
      `model ${model} has no version "${version}"`,
      known.length > 0
        ? `use one of: ${known.join(', ')}`
        : `record a version with \`tollgate retrain ${model}\``,
    );
  }
  const order = policy.stages.order;
  if (!order.includes(stage)) {
    return refuse(
      `"${stage}" is not a stage in stages.order (${order.join(', ')})`,
      `use one of ${order.join(', ')}, or add "${stage}" to stages.order in registry/policy.yaml`,
    );
  }
  if (candidate.held) {
    return refuse(
      `${model} ${version} is held: ${candidate.held.reason} (by ${candidate.held.by} at ${candidate.held.at})`,
      `if the cause is fixed, run \`tollgate unhold ${model} ${version}\` in a reviewed pull request first`,
    );
  }

  // The recorded result and today's gates must both pass: the policy may have tightened since training.
  const gates = evaluateGates(gatesFor(policy.gates, entry.model.gates), candidate.metrics);
  const failing = [
    ...candidate.validation.gates.filter((g) => !g.pass),
    ...gates.gates.filter((g) => !g.pass),
  ].map((g) => `${g.metric} ${g.op} ${g.threshold} (got ${g.value ?? 'nothing'})`);
  if (!candidate.validation.passed || !gates.passed) {
    return refuse(
      `${model} ${version} fails its validation gates: ${[...new Set(failing)].join('; ') || 'recorded as failed'}`,
      'train a version that passes, or change the gates in a reviewed pull request to model.yaml or policy.yaml',
    );
  }

  if (!request.isOnDefaultBranch(candidate.source.commit)) {
    return refuse(
      `${model} ${version} was trained from commit ${candidate.source.commit.slice(0, 12)}, which is not on ${policy.defaultBranch}`,
      `retrain from ${policy.defaultBranch}, so the promoted artifact comes from reviewed code`,
    );
  }

  const pointers = entry.stages?.stages ?? {};
  const current = pointers[stage]?.version;
  if (current === version) {
    return refuse(`${model} ${version} is already in ${stage}`, 'nothing to do');
  }

  const rank = order.indexOf(stage);
  const higher = order.slice(rank + 1).find((s) => pointers[s]?.version === version);
  if (higher !== undefined) {
    return refuse(
      `${model} ${version} is already in ${higher}, above ${stage} in stages.order`,
      `moving a version down is a rollback: use \`tollgate rollback ${model} --stage ${stage}\``,
    );
  }

  const required = policy.stages.promoteFrom[stage] ?? [];
  if (required.length > 0) {
    const held = required.some(
      (s) => pointers[s]?.version === version || (request.heldBefore?.(s, version) ?? false),
    );
    if (!held) {
      return refuse(
        `${model} ${version} skips a stage: ${stage} needs a version that held ${required.join(' or ')} first`,
        `promote it to ${required[0]} first (\`tollgate promote ${model} ${version} --to ${required[0]}\`)`,
      );
    }
  }
  return current === undefined ? { ok: true } : { ok: true, from: current };
}

/** The new stage pointer document; other stages, and the stage's weight, are kept. */
export function promotionStages(
  stages: Stages | undefined,
  stage: string,
  version: string,
  model?: string,
  weight?: number,
): Stages {
  const name = stages?.model ?? model;
  if (name === undefined) {
    throw new TollgateError('cannot build stages.yaml without a model name', {
      fix: 'pass the model when the model has no stages.yaml yet',
    });
  }
  assertSafeName('stage', stage);
  assertSafeName('version', version);
  const previous = stages?.stages[stage];
  return {
    apiVersion: API_VERSION,
    kind: 'Stages',
    model: name,
    stages: {
      ...stages?.stages,
      [stage]:
        weight !== undefined
          ? { version, weight }
          : previous?.weight === undefined
            ? { version }
            : { version, weight: previous.weight },
    },
  };
}

export function promotionBranch(model: string, stage: string): string {
  return `tollgate/promote/${assertSafeName('model', model)}/${assertSafeName('stage', stage)}`;
}

/** A GitHub login (optionally a `[bot]` account): the only thing allowed into a Requested-By trailer. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

export const isGitHubLogin = (login: string): boolean => LOGIN.test(login);

export interface PromotionMessage {
  model: string;
  version: string;
  stage: string;
  from?: string;
  requestedBy: string;
}

/** The commit's subject and trailers, for the one commit function (which renders them). */
export function promotionCommit(message: PromotionMessage): {
  subject: string;
  trailers: Record<string, string>;
} {
  const model = assertSafeName('model', message.model);
  const version = assertSafeName('version', message.version);
  const stage = assertSafeName('stage', message.stage);
  if (message.from !== undefined) assertSafeName('version', message.from);
  if (!LOGIN.test(message.requestedBy)) {
    throw new TollgateError(`"${message.requestedBy.slice(0, 60)}" is not a GitHub login`, {
      field: 'Requested-By',
      fix: 'pass the GitHub login of the person asking for the promotion',
    });
  }
  const trailers: Record<string, string> = {
    'Tollgate-Event': 'promote',
    Model: model,
    Version: version,
    Stage: stage,
  };
  if (message.from !== undefined) trailers.From = message.from;
  trailers['Requested-By'] = message.requestedBy;
  return {
    subject: `Promote ${model} ${version} to ${stage}${message.from ? ` (replacing ${message.from})` : ''}`,
    trailers,
  };
}

/** The whole message: subject, a blank line, one `Key: value` line per trailer. */
export function promotionCommitMessage(message: PromotionMessage): string {
  const { subject, trailers } = promotionCommit(message);
  const lines = Object.entries(trailers).map(([key, value]) => `${key}: ${value}`);
  return `${subject}\n\n${lines.join('\n')}\n`;
}
