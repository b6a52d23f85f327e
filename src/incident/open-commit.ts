// The CLI's writer of "open an incident": the record and every rollback it makes are ONE commit on the checked-out
// branch, built by the registry transaction (src/publish/registry-transaction.ts) from the branch's tip, so a lost
// race rebuilds it on the new tip and a failure leaves tree and index unchanged. A journal keeps the id until the
// commit has landed: a re-run of the same request after an interruption continues under the same id.
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TollgateError } from '../errors.ts';
import type { Trailers } from '../git/commit.ts';
import { isAlive, tollgateStateDir } from '../git/transaction.ts';
import { checkoutNote } from '../publish/checkout-note.ts';
import { commitRegistryChange } from '../publish/registry-transaction.ts';
import { INCIDENT_ID } from '../registry/names.ts';
import { incidentPath } from '../registry/paths.ts';
import type { Incident, TimelineEntry } from '../registry/types.ts';
import { stageRollback } from '../rollback/execute.ts';
import { isEmergency, rollbackBranch } from '../rollback/publish.ts';
import type { RollbackPlan } from '../rollback/target.ts';
import { assessModel, type ModelAssessment } from './assess.ts';
import {
  iso,
  readPointer,
  type ModelRollback,
  type OpenContext,
  type OpenIncidentResult,
} from './open-context.ts';
import { appendTimeline, incidentId, incidentOpenedCommit, openIncident } from './record.ts';

const STAGE = 'production';

interface Built {
  incident: Incident;
  lines: string[];
  assessments: ModelAssessment[];
  rollbacks: ModelRollback[];
  failed: string[];
  notifications: TimelineEntry[];
  already?: boolean;
}

export async function commitOpenIncident(context: OpenContext): Promise<OpenIncidentResult> {
  const { policy, request, ports, options } = context;
  const now = ports.now;
  const by = ports.actor;
  const act = options.autoRollback && !options.dryRun;

  /** The incident and the rollbacks the policy allows, decided from the registry's history at `ref`. */
  const decide = async (id: string, ref: string) => {
    let incident = openIncident({ ...request, now, id, policy });
    const lines = [`${id}: ${incident.severity} — ${incident.timeline[1]!.detail}`];
    const rollbacks: { model: string; plan: RollbackPlan; at: string }[] = [];
    const assessments: ModelAssessment[] = [];
    for (const model of incident.models) {
      const assessed = assessModel({
        incident,
        policy,
        now,
        model,
        stage: STAGE,
        pointer: await readPointer(ports, model, STAGE, ref),
        inFlight: options.promotionInFlight ?? false,
      });
      assessments.push(assessed);
      const { decision, plan } = assessed;
      if (assessed.readError !== undefined) lines.push(`  ${model}: ${assessed.readError}`);
      else {
        if (assessed.planError !== undefined) lines.push(`  ${model}: ${assessed.planError}`);
        lines.push(`  ${model}: ${decision.entry.detail}`);
      }
      if (!act) continue;
      incident = appendTimeline(incident, decision.entry);
      if (decision.rollback && plan) rollbacks.push({ model, plan, at: decision.entry.at });
    }
    if (!options.autoRollback && !options.dryRun) {
      lines.push(
        '  (no rollback done: pass --auto-rollback to act on this, or run `tollgate rollback MODEL --incident ID`)',
      );
    }
    return { incident, lines, rollbacks, assessments };
  };

  if (options.dryRun) {
    const decided = await decide(incidentId(now, ports.suffix()), 'HEAD');
    return {
      ...empty(decided.incident),
      assessments: decided.assessments,
      record: { mode: 'dry-run' },
      lines: [...decided.lines, '(dry run: nothing written)'],
    };
  }
  const journal = await openIncidentJournal(ports.repoRoot, request, () => incidentId(now, ports.suffix()));
  const id = journal.id;
  // Sent at most once, however often a lost race rebuilds the commit; its outcome is on the timeline it commits.
  let notification: Promise<TimelineEntry[]> | undefined;
  const date = iso(now);
  const result = await commitRegistryChange<Built | { already: true; lines: string[] }>(ports.repoRoot, {
    registryDir: ports.registryDir,
    ...(ports.gitEnv ? { env: ports.gitEnv } : {}),
    build: async (reader, stage) => {
      if ((await reader.read(incidentPath(id))) !== undefined) {
        return {
          value: {
            already: true as const,
            lines: [`${id} is already recorded (an earlier run of this command made it)`],
          },
        };
      }
      const decided = await decide(id, stage.parent ?? 'HEAD');
      let { incident } = decided;
      const lines = [...decided.lines];
      const failed: string[] = [];
      const rolled: { message: string; trailers: Trailers }[] = [];
      const rollbacks: ModelRollback[] = decided.assessments.map((a) => ({
        model: a.model,
        decision: a.decision,
      }));
      const emergency = isEmergency(policy, incident.severity);
      for (const { model, plan, at } of decided.rollbacks) {
        const record = rollbacks.find((r) => r.model === model)!;
        let staged;
        try {
          staged = await stageRollback(ports.repoRoot, stage, plan, {
            incident: id,
            by,
            now,
            forwardFixOnConflict: policy.rollback.forwardFixOnConflict,
            registryDir: ports.registryDir,
          });
        } catch (error) {
          // The incident is still recorded, with the failure on its timeline; the rollback staged nothing.
          if (!(error instanceof TollgateError)) throw error;
          incident = appendTimeline(incident, { at, event: 'rollback-failed', detail: error.message });
          lines.push(`  ${model}: rollback failed: ${error.message}`);
          failed.push(`${model}: ${error.message}`);
          record.error = error.message;
          continue;
        }
        rolled.push(staged);
        record.staged = staged.mode;
        const moved = `${model} production ${plan.current ?? '(none)'} -> ${plan.target} by ${staged.mode}`;
        // As `tollgate rollback --incident`: only an emergency push completes the rollback here; otherwise it goes
        // through a pull request, and the sign-off gate's post-merge step adds rollback-completed when it merges.
        incident = appendTimeline(
          incident,
          emergency
            ? { at, event: 'rollback-completed', detail: moved }
            : {
                at,
                event: 'note',
                detail: `${moved}; not an emergency (${incident.severity}): open a pull request from branch ${rollbackBranch(model, 'production')}, it completes when merged`,
              },
        );
        // The rollback's commit is the one this record is in, so the record names no sha.
        incident.rollback = { model, stage: 'production', from: plan.current ?? '', to: plan.target };
        lines.push(
          `  ${model}: rolled back (${staged.mode})` +
            (emergency
              ? ''
              : ` (${incident.severity} is not an emergency: push it to ${rollbackBranch(model, 'production')} and open a pull request)`),
        );
      }
      let notifications: TimelineEntry[] = [];
      if (context.notifier) {
        notification ??= context.notifier.notify(incident);
        notifications = await notification;
        for (const entry of notifications) {
          incident = appendTimeline(incident, entry);
          lines.push(`  ${entry.event}: ${entry.detail}`);
        }
      }
      stage.writeRegistry([{ path: incidentPath(id), document: incident }]);
      return {
        value: { incident, lines, assessments: decided.assessments, rollbacks, failed, notifications },
        commit: {
          ...openingCommit(incident, by, rolled),
          env: { ...ports.gitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
        },
      };
    },
  });
  await journal.done();
  const value = result.value;
  if ('incident' in value) {
    const lines = [...value.lines];
    if (result.commit)
      lines.push(`  recorded in commit ${result.commit.slice(0, 12)}`, ...checkoutNote(result.checkout));
    return {
      ...empty(value.incident),
      assessments: value.assessments,
      rollbacks: value.rollbacks,
      rolledBack: false,
      notifications: value.notifications,
      failed: value.failed,
      lines,
      record: {
        mode: 'committed',
        ...(result.commit ? { commit: result.commit } : {}),
        checkout: result.checkout,
      },
    };
  }
  // An earlier run recorded it: nothing more to do, and the record is as that run left it.
  return {
    ...empty(openIncident({ ...request, now, id, policy })),
    lines: value.lines,
    record: { mode: 'already-recorded' },
  };
}

const empty = (incident: Incident): OpenIncidentResult => ({
  incident,
  audit: [],
  assessments: [],
  rollbacks: [],
  rolledBack: false,
  notifications: [],
  failed: [],
  lines: [],
  record: { mode: 'dry-run' },
});

/** The one commit of `incident open`: the record, and the rollbacks it made (their trailers merged). */
function openingCommit(
  incident: Incident,
  by: string,
  rolled: { message: string; trailers: Trailers }[],
): { message: string; trailers: Trailers } {
  const opened = incidentOpenedCommit(incident, by);
  if (rolled.length === 0) return opened;
  const trailers: Record<string, string[]> = {};
  const add = (all: Trailers) => {
    for (const [key, value] of Object.entries(all)) {
      const list = (trailers[key] ??= []);
      for (const v of Array.isArray(value) ? value : [value]) if (!list.includes(v)) list.push(v);
    }
  };
  // `rollback` first: the gate-integrity audit reads the first event to allow an emergency push of this commit.
  add({ 'Tollgate-Event': 'rollback' });
  add(opened.trailers);
  for (const r of rolled) add(r.trailers);
  const subjects = rolled.map((r) => r.message.split('\n')[0]!.replace(/^Roll back /, ''));
  return {
    message: [
      `Open incident ${incident.id} and roll back ${subjects.join(', ')}`,
      '',
      opened.message,
      '',
      ...rolled.map((r) => r.message),
    ].join('\n'),
    trailers,
  };
}

/** The id a request to open an incident runs under, kept until the run's commit has landed. */
async function openIncidentJournal(
  repoRoot: string,
  request: object,
  newId: () => string,
): Promise<{ id: string; done: () => Promise<void> }> {
  const key = createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 16);
  const file = join(await tollgateStateDir(repoRoot), `incident-open-${key}.json`);
  const earlier = await readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as { id?: unknown; pid?: unknown },
    () => undefined,
  );
  if (earlier && typeof earlier.pid === 'number' && earlier.pid !== process.pid && isAlive(earlier.pid)) {
    throw new TollgateError(`this incident is being opened right now by process ${earlier.pid}`, {
      fix: 'wait for that run to finish, then check `tollgate incident list --open`',
    });
  }
  const id = typeof earlier?.id === 'string' && INCIDENT_ID.test(earlier.id) ? earlier.id : newId();
  await writeFile(file, JSON.stringify({ id, pid: process.pid }));
  return { id, done: () => rm(file, { force: true }) };
}
