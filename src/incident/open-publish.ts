// The incident action's writer of "open an incident": each rollback goes through the same path as the rollback
// action (pushed when the severity is an emergency, else proposed), and the record with its audit events is a state
// change (pushed or proposed, as the policy's state_writes says). One API call decides "promotion in flight"; none
// is made per commit.
import { join, posix } from 'node:path';
import { TollgateError } from '../errors.ts';
import { commitChange, type Trailers } from '../git/commit.ts';
import { fromGitError, gitClient, ResetMode } from '../git/client.ts';
import { resolveRef } from '../git/history.ts';
import { listOpenPullRequests } from '../github/pulls.ts';
import type { GitHubTarget } from '../publish/propose.ts';
import { publishStateChange } from '../publish/state.ts';
import { auditPath, incidentPath } from '../registry/paths.ts';
import type { Incident } from '../registry/types.ts';
import { writeRegistryFiles, type RegistryFileWrite } from '../registry/writer.ts';
import { isEmergency, rollbackAndPublish } from '../rollback/publish.ts';
import { assessModel, type ModelAssessment } from './assess.ts';
import { verifyIncidentRollbacks } from './verify.ts';
import {
  iso,
  readPointer,
  type ModelRollback,
  type OpenContext,
  type OpenIncidentResult,
} from './open-context.ts';
import {
  appendTimeline,
  incidentAuditEvent,
  incidentId,
  incidentOpenedCommit,
  openIncident,
} from './record.ts';

export const INCIDENT_LABEL = 'tollgate:incident';
const STAGE = 'production';

export async function publishOpenIncident(context: OpenContext): Promise<OpenIncidentResult> {
  const { policy, request, ports, options, clock } = context;
  const { repoRoot: workspace, registryDir } = ports;
  const dryRun = options.dryRun;
  const actor = ports.actor || 'tollgate-bot';
  const suffix = ports.suffix();
  const id = incidentId(ports.now, suffix);
  let incident = openIncident({ ...request, now: ports.now, id, policy });
  const github = ports.github;

  // One API call: every open Tollgate promotion, whatever the model.
  const promotions = github
    ? await listOpenPullRequests(github.client, github.repo, { headPrefix: 'tollgate/promote/' })
    : [];

  const assessments: ModelAssessment[] = [];
  const rollbacks: ModelRollback[] = [];
  let rolledBack = false;
  let rollbackPullRequest: number | undefined;
  const opened = incidentAuditEvent({ incident, event: 'incident-opened', actor, now: ports.now, suffix });
  const emergency = isEmergency(policy, incident.severity);
  // Where the checkout was before the record was committed ahead of an emergency rollback (see below).
  let beforeRecord: string | undefined;
  /** A rollback commit sits on the checked-out branch (pushed, or committed without a remote). */
  let onBranch = false;
  for (const model of incident.models) {
    const inFlight = promotions
      .filter((pull) => pull.headRef.startsWith(`tollgate/promote/${model}/`))
      .map((pull) => pull.number);
    const assessed = assessModel({
      incident,
      policy,
      now: ports.now,
      model,
      stage: STAGE,
      pointer: await readPointer(ports, model, STAGE),
      inFlight,
    });
    assessments.push(assessed);
    const { decision, plan } = assessed;
    incident = appendTimeline(incident, decision.entry);
    const record: ModelRollback = { model, decision };
    rollbacks.push(record);
    if (!decision.rollback || plan === undefined || dryRun || assessed.history === undefined) continue;
    if (emergency && beforeRecord === undefined) {
      // An emergency rollback is judged by the incident record in its own tree (the integrity audit reads it
      // there), so the record goes first, in a commit pushed together with the rollback.
      beforeRecord = await resolveRef(workspace, 'HEAD');
      await commitRecord(
        workspace,
        registryDir,
        [
          { path: incidentPath(id), document: incident },
          { path: auditPath(opened.id), document: opened },
        ],
        { ...incidentOpenedCommit(incident, actor), env: stamped(ports.gitEnv, ports.now) },
      );
    }
    try {
      const outcome = await rollbackAndPublish(
        workspace,
        {
          model,
          stage: STAGE,
          incident: { id, severity: incident.severity },
          by: actor,
          now: clock(),
          policy,
          registryDir,
          planned: { plan, history: assessed.history },
          ...(ports.gitEnv ? { env: ports.gitEnv } : {}),
        },
        github,
      );
      record.outcome = outcome;
      const at = iso(clock());
      const moved = `${model} ${STAGE} ${plan.current ?? '(none)'} -> ${plan.target}`;
      if (outcome.mode === 'pushed' || outcome.mode === 'committed') {
        rolledBack ||= outcome.mode === 'pushed';
        onBranch = true;
        incident = appendTimeline(incident, {
          at,
          event: 'rollback-completed',
          detail: `${moved} by ${outcome.result.mode} in ${outcome.commit.slice(0, 12)} (${outcome.mode === 'pushed' ? 'emergency push' : 'committed, not pushed'})`,
        });
      } else if (outcome.mode === 'pull-request') {
        rollbackPullRequest ??= outcome.pullRequest?.number;
        incident = appendTimeline(incident, {
          at,
          event: 'note',
          detail: `${moved} proposed ${outcome.pullRequest ? `in pull request #${outcome.pullRequest.number}` : `on branch ${outcome.branch}`}; it completes when merged`,
        });
      }
      if (outcome.mode !== 'dry-run' && outcome.mode !== 'already-done' && plan.current !== undefined) {
        incident.rollback ??= {
          model,
          stage: STAGE,
          from: plan.current,
          to: plan.target,
          commit: outcome.commit,
          ...(outcome.mode === 'pull-request' && outcome.pullRequest
            ? { pull_request: outcome.pullRequest.number }
            : {}),
        };
      }
    } catch (error) {
      // The incident is still recorded, with the failure on its timeline; the checkout was left as it was.
      if (!(error instanceof TollgateError)) throw error;
      record.error = error.message;
      incident = appendTimeline(incident, {
        at: iso(clock()),
        event: 'rollback-failed',
        detail: error.message,
      });
    }
  }

  if (beforeRecord !== undefined && !onBranch) {
    // Nothing was pushed with the early record: drop it; the full record is written below like any other.
    const record = beforeRecord;
    await gitClient(workspace)
      .reset(ResetMode.HARD, ['-q', record])
      .catch((error: unknown) => {
        throw fromGitError(error, `git reset --hard ${record}`, workspace);
      });
    beforeRecord = undefined;
  }
  // After the rollback, so a slow or dead channel never delays it; the outcome goes on the timeline.
  const notifications = context.notifier && !dryRun ? await context.notifier.notify(incident) : [];
  for (const entry of notifications) incident = appendTimeline(incident, entry);
  // After the announcement, so the settle time never delays it; before the record, so the record says how it went.
  const verified = await verifyIncidentRollbacks(context, incident, rollbacks, actor);
  incident = verified.incident;
  const audit = [
    opened,
    ...rollbacks.map((r, i) =>
      incidentAuditEvent({
        incident,
        event: r.outcome && r.outcome.mode !== 'dry-run' ? 'rollback' : 'rollback-skipped',
        actor,
        now: ports.now,
        suffix: `${suffix}-rb${i + 1}`,
        model: r.model,
        stage: STAGE,
        ...(r.decision.rollback ? { version: r.decision.target } : {}),
        ...(r.outcome && 'commit' in r.outcome ? { commit: r.outcome.commit } : {}),
        ...(r.outcome?.mode === 'pull-request' && r.outcome.pullRequest
          ? { pullRequest: r.outcome.pullRequest.number }
          : {}),
        details: {
          reason: r.error ?? (r.decision.rollback ? r.decision.entry.detail : r.decision.reason),
          ...(r.outcome ? { mode: r.outcome.mode } : {}),
        },
      }),
    ),
    ...verified.audit,
  ];
  const files: RegistryFileWrite[] = [
    { path: incidentPath(id), document: incident },
    ...audit.map((event) => ({ path: auditPath(event.id), document: event })),
  ];
  return {
    incident,
    audit,
    assessments,
    rollbacks,
    rolledBack,
    notifications,
    failed: rollbacks.filter((r) => r.error !== undefined).map((r) => `${r.model}: ${r.error}`),
    lines: [],
    ...(rollbackPullRequest !== undefined ? { rollbackPullRequest } : {}),
    record: dryRun
      ? { mode: 'dry-run' }
      : await recordState(workspace, registryDir, files, {
          incident,
          commit:
            beforeRecord === undefined
              ? incidentOpenedCommit(incident, actor)
              : {
                  message: `Record the rollback on incident ${id}`,
                  trailers: { 'Tollgate-Event': 'incident-updated', Incident: id, 'Requested-By': actor },
                },
          branch: policy.defaultBranch,
          stateWrites: policy.stateWrites,
          env: stamped(ports.gitEnv, clock()),
          ...(github ? { github } : {}),
        }),
  };
}

const stamped = (env: NodeJS.ProcessEnv | undefined, when: Date): NodeJS.ProcessEnv => ({
  ...env,
  GIT_AUTHOR_DATE: iso(when),
  GIT_COMMITTER_DATE: iso(when),
});

/** Writes registry files through the one writer and commits exactly them on the checked-out branch. */
async function commitRecord(
  repoRoot: string,
  registryDir: string,
  files: RegistryFileWrite[],
  commit: { message: string; trailers: Trailers; env: NodeJS.ProcessEnv },
): Promise<string> {
  await writeRegistryFiles(join(repoRoot, registryDir), files);
  return commitChange(repoRoot, { paths: files.map((f) => posix.join(registryDir, f.path)), ...commit });
}

/** The record as a state change (src/publish/state.ts): pushed, or a pull request the action merges itself. */
async function recordState(
  repoRoot: string,
  registryDir: string,
  files: RegistryFileWrite[],
  options: {
    incident: Incident;
    commit: { message: string; trailers: Trailers };
    branch: string;
    stateWrites: 'push' | 'pull-request';
    env: NodeJS.ProcessEnv;
    github?: GitHubTarget;
  },
): Promise<OpenIncidentResult['record']> {
  const { message, trailers } = options.commit;
  const published = await publishStateChange(
    {
      repoRoot,
      registryDir,
      writes: files,
      message,
      trailers,
      baseBranch: options.branch,
      stateWrites: options.stateWrites,
      branch: `tollgate/incident/${options.incident.id}`,
      env: options.env,
      pullRequest: {
        title: message,
        body: [
          `Records incident ${options.incident.id} (${options.incident.severity}) and its audit events.`,
          '',
          'A state change: the sign-off gate passes it without sign-offs, and the incident action merges it.',
          '',
        ].join('\n'),
        labels: [INCIDENT_LABEL],
      },
    },
    options.github,
  );
  const pull = published.pullRequest;
  return {
    mode: published.mode,
    commit: published.commit,
    ...(pull ? { pullRequest: pull.number, merge: pull.merge } : {}),
  };
}
