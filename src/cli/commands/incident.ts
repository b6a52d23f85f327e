// `tollgate incident open|resolve|list|stats|postmortem`: incident records in registry/incidents/. open and
// postmortem --write commit on the current branch; resolve proposes the resolution and its postmortem draft as a
// pull request on tollgate/postmortem/<id> (pushed and opened with a GitHub token, else committed to that branch
// only), never touching the checkout.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { commitChange, type Trailers } from '../../git/commit.ts';
import { isAlive, tollgateStateDir } from '../../git/transaction.ts';
import { gitTreeReader } from '../../git/reader.ts';
import { git, runGit } from '../../git/run.ts';
import { describeCalls, githubClientFromEnv } from '../../github/client.ts';
import {
  appendTimeline,
  decideAutoRollback,
  formatDuration,
  incidentId,
  incidentOpenedCommit,
  incidentStats,
  openIncident,
  postmortemBranch,
  postmortemPullRequest,
  renderPostmortem,
  resolveIncident,
} from '../../incident/record.ts';
import { notifyIncident } from '../../incident/notify.ts';
import { readIncidents as readIncidentFiles } from '../../incident/read.ts';
import { parseMetricArgs } from '../../incident/severity.ts';
import { readPolicy } from '../../policy/read.ts';
import { checkoutNote } from '../../publish/checkout-note.ts';
import { proposeChange, type GitHubTarget } from '../../publish/propose.ts';
import { commitRegistryChange } from '../../publish/registry-transaction.ts';
import { parseRegistryFile } from '../../registry/parse.ts';
import { fileSystemReader } from '../../registry/load.ts';
import { INCIDENT_ID } from '../../registry/names.ts';
import { incidentPath, modelDir, postmortemPath } from '../../registry/paths.ts';
import type { Incident, TimelineEntry } from '../../registry/types.ts';
import { serializeDocument, writeRegistryFiles, type RegistryFileWrite } from '../../registry/writer.ts';
import { planRollback, registryTimeline, stageRollback } from '../../rollback/execute.ts';
import { isEmergency, rollbackBranch } from '../../rollback/publish.ts';
import { lastMoveWasRollback } from '../../rollback/target.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import {
  INCIDENT,
  INCIDENT_LIST,
  INCIDENT_OPEN,
  INCIDENT_POSTMORTEM,
  INCIDENT_RESOLVE,
  INCIDENT_STATS,
} from './incident-options.ts';
import { parseRepoOption, repoFromRemoteUrl } from './review-source.ts';
import type { RollbackPlan } from '../../rollback/target.ts';

const registryRel = (context: CliContext, path: string): string =>
  relative(context.repoRoot, join(context.registryDir, path));

/** Incident records of the working tree's registry. */
export const readIncidents = (context: CliContext, paths: string[]): Promise<Incident[]> =>
  readIncidentFiles(fileSystemReader(context.registryDir), paths);

async function readIncident(context: CliContext, id: string | undefined): Promise<Incident> {
  if (id === undefined || !INCIDENT_ID.test(id)) {
    throw new TollgateError(`"${id ?? ''}" is not an incident id`, {
      fix: 'pass an id like INC-20261124-033000-ab12',
    });
  }
  const [incident] = await readIncidents(context, [incidentPath(id)]);
  if (!incident) {
    throw new TollgateError(`no incident ${id}`, { file: registryRel(context, incidentPath(id)) });
  }
  return incident;
}

/** Writes registry files through the one writer and commits exactly them, dated `now`. */
export async function writeAndCommit(
  context: CliContext,
  files: RegistryFileWrite[],
  commit: { message: string; trailers: Trailers },
  now: Date,
): Promise<string> {
  await writeRegistryFiles(context.registryDir, files);
  const date = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return commitChange(context.repoRoot, {
    paths: files.map((f) => registryRel(context, f.path)),
    ...commit,
    env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  });
}

const actor = (context: CliContext, by: string | undefined): string =>
  by ?? context.env.TOLLGATE_ACTOR ?? context.env.GITHUB_ACTOR ?? context.env.USER ?? 'unknown';

async function open(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_OPEN, args);
  const policy = await readPolicy(fileSystemReader(context.registryDir));
  const now = context.now();
  const by = actor(context, values.by);
  const request = {
    // `incident open MODEL [MODEL...]` and `--model MODEL` (repeatable) both name affected models.
    models: [...positionals, ...(values.model ?? [])],
    metrics: parseMetricArgs(values.metric ?? []),
    ...(values.alert !== undefined ? { alert: values.alert } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
  };
  const registryDir = relative(context.repoRoot, context.registryDir) || '.';
  const dryRun = values['dry-run'];
  const autoRollback = values['auto-rollback'] && !dryRun;

  /** The incident and the rollbacks the policy allows, decided from the registry's history at `ref`. */
  const decide = async (id: string, ref: string) => {
    let incident = openIncident({ ...request, now, id, policy });
    const lines = [`${id}: ${incident.severity} — ${incident.timeline[1]!.detail}`];
    const rollbacks: { model: string; plan: RollbackPlan; at: string }[] = [];
    for (const model of incident.models) {
      let plan: RollbackPlan | undefined;
      let lastWasRollback = false;
      try {
        const planned = await planRollback(context.repoRoot, {
          model,
          stableFor: policy.rollback.stableFor,
          now,
          registryDir,
          ref,
        });
        plan = planned.plan;
        lastWasRollback = lastMoveWasRollback(planned.history);
      } catch (error) {
        if (!(error instanceof TollgateError)) throw error;
        lines.push(`  ${model}: ${error.message}`);
      }
      const decision = decideAutoRollback({
        incident,
        policy,
        now,
        state: {
          model,
          promotionInFlight: values['promotion-in-flight'],
          lastPointerChangeWasRollback: lastWasRollback,
          ...(plan?.current !== undefined ? { current: plan.current } : {}),
          ...(plan !== undefined ? { stableTarget: plan.target } : {}),
        },
      });
      lines.push(`  ${model}: ${decision.entry.detail}`);
      if (!autoRollback) continue;
      incident = appendTimeline(incident, decision.entry);
      if (decision.rollback && plan) rollbacks.push({ model, plan, at: decision.entry.at });
    }
    if (!values['auto-rollback'] && !dryRun) {
      lines.push(
        '  (no rollback done: pass --auto-rollback to act on this, or run `tollgate rollback MODEL --incident ID`)',
      );
    }
    return { incident, lines, rollbacks };
  };

  if (dryRun) {
    const { lines } = await decide(incidentId(now, randomBytes(2).toString('hex')), 'HEAD');
    context.out([...lines, '(dry run: nothing written)'].join('\n'));
    return 0;
  }
  // A re-run of the same request after an interruption continues under the same id instead of opening a second
  // incident: the journal holds the id until the commit has landed.
  const journal = await openIncidentJournal(context.repoRoot, request, () =>
    incidentId(now, randomBytes(2).toString('hex')),
  );
  const id = journal.id;
  const webhook = context.env.TOLLGATE_NOTIFY_WEBHOOK || policy.incident.notifyWebhook;
  // Sent at most once, however often a lost race rebuilds the commit; its outcome is on the timeline it commits.
  let notification: Promise<TimelineEntry> | undefined;
  const date = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const result = await commitRegistryChange<{ lines: string[]; failed: string[]; notifyFailed: boolean }>(
    context.repoRoot,
    {
      registryDir,
      build: async (reader, stage) => {
        if ((await reader.read(incidentPath(id))) !== undefined) {
          return {
            value: {
              lines: [`${id} is already recorded (an earlier run of this command made it)`],
              failed: [] as string[],
              notifyFailed: false,
            },
          };
        }
        const decided = await decide(id, stage.parent ?? 'HEAD');
        let { incident } = decided;
        const lines = [...decided.lines];
        const failed: string[] = [];
        const rolled: { message: string; trailers: Trailers }[] = [];
        const isEmergencyNow = isEmergency(policy, incident.severity);
        for (const { model, plan, at } of decided.rollbacks) {
          let staged;
          try {
            staged = await stageRollback(context.repoRoot, stage, plan, {
              incident: id,
              by,
              now,
              forwardFixOnConflict: policy.rollback.forwardFixOnConflict,
              registryDir,
            });
          } catch (error) {
            // The incident is still recorded, with the failure on its timeline; the rollback staged nothing.
            if (!(error instanceof TollgateError)) throw error;
            incident = appendTimeline(incident, { at, event: 'rollback-failed', detail: error.message });
            lines.push(`  ${model}: rollback failed: ${error.message}`);
            failed.push(`${model}: ${error.message}`);
            continue;
          }
          rolled.push(staged);
          const moved = `${model} production ${plan.current ?? '(none)'} -> ${plan.target} by ${staged.mode}`;
          // As `tollgate rollback --incident`: only an emergency push completes the rollback here; otherwise it goes
          // through a pull request, and the sign-off gate's post-merge step adds rollback-completed when it merges.
          incident = appendTimeline(
            incident,
            isEmergencyNow
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
              (isEmergencyNow
                ? ''
                : ` (${incident.severity} is not an emergency: push it to ${rollbackBranch(model, 'production')} and open a pull request)`),
          );
        }
        let notifyFailed = false;
        if (webhook) {
          notification ??= notifyIncident(webhook, incident, { now: context.now });
          const entry = await notification;
          incident = appendTimeline(incident, entry);
          lines.push(`  ${entry.event}: ${entry.detail}`);
          notifyFailed = entry.event === 'notification-failed';
        }
        stage.writeRegistry([{ path: incidentPath(id), document: incident }]);
        return {
          value: { lines, failed, notifyFailed },
          commit: {
            ...openingCommit(incident, by, rolled),
            env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
          },
        };
      },
    },
  );
  await journal.done();
  const { lines, failed, notifyFailed } = result.value;
  if (result.commit)
    lines.push(`  recorded in commit ${result.commit.slice(0, 12)}`, ...checkoutNote(result.checkout));
  context.out(lines.join('\n'));
  // A requested action that did not happen is not a success (the CLI contract: 1 = refused by a rule or failed).
  if (failed.length > 0) {
    context.err(`tollgate: the incident is recorded, but its rollback did not happen: ${failed.join('; ')}`);
    return 1;
  }
  if (notifyFailed && values['require-notification']) {
    context.err('tollgate: the incident is recorded, but the required notification failed (see above)');
    return 1;
  }
  return 0;
}

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

/** The postmortem draft: the record's timeline merged with the affected models' registry commits at `ref`. */
async function draftPostmortem(
  context: CliContext,
  incident: Incident,
  lookbackDays: number,
  ref = 'HEAD',
): Promise<string> {
  const since = new Date(Date.parse(incident.detected_at) - lookbackDays * 86_400_000).toISOString();
  const timeline = await registryTimeline(context.repoRoot, {
    ref,
    since,
    ...(incident.resolved_at ? { until: incident.resolved_at } : {}),
    paths: incident.models.map((m) => registryRel(context, modelDir(m))),
  });
  return renderPostmortem(incident, timeline);
}

/** The default branch as this clone has it: the local branch, else origin's; or the --base given. */
async function resolveBase(
  context: CliContext,
  branch: string,
  given?: string,
): Promise<{ ref: string; sha: string }> {
  const candidates =
    given !== undefined ? [given] : [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`];
  for (const ref of candidates) {
    if (ref.startsWith('-')) break;
    const r = await runGit(
      context.repoRoot,
      ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
      {
        okCodes: [1, 128],
      },
    );
    if (r.code === 0) return { ref: ref.replace(/^refs\/(heads|remotes)\//, ''), sha: r.stdout.trim() };
  }
  throw new TollgateError(`no commit ${given ?? `${branch} (or origin/${branch})`} in this clone`, {
    fix:
      given !== undefined
        ? 'name an existing branch or commit with --base'
        : `fetch it first (\`git fetch origin ${branch}\`)`,
  });
}

/** The GitHub repository to open the pull request in, when a token says to: --repo, GITHUB_REPOSITORY, origin. */
async function githubTarget(
  context: CliContext,
  repoFlag: string | undefined,
): Promise<GitHubTarget | undefined> {
  if (!context.env.GITHUB_TOKEN && !context.env.GH_TOKEN) return undefined;
  const fromEnv = context.env.GITHUB_REPOSITORY;
  const repo =
    repoFlag !== undefined
      ? parseRepoOption(repoFlag)
      : fromEnv
        ? parseRepoOption(fromEnv)
        : repoFromRemoteUrl(await git(context.repoRoot, ['remote', 'get-url', 'origin']).catch(() => ''));
  if (!repo) {
    throw new TollgateError('a GitHub token is set, but which repository? The origin remote names none', {
      kind: 'usage',
      fix: 'pass --repo OWNER/NAME (or unset GITHUB_TOKEN / GH_TOKEN to commit the branch locally only)',
    });
  }
  return { client: githubClientFromEnv(context.env), repo, remote: 'origin' };
}

async function resolve(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_RESOLVE, args);
  const id = positionals[0];
  if (id === undefined || !INCIDENT_ID.test(id)) {
    throw new TollgateError(`"${id ?? ''}" is not an incident id`, {
      fix: 'tollgate incident resolve INC-20261124-033000-ab12 [--note TEXT] [--dry-run]',
    });
  }
  const policy = await readPolicy(fileSystemReader(context.registryDir));
  const base = await resolveBase(context, policy.defaultBranch, values.base);
  // The record as the default branch has it: the pull request changes exactly that.
  const reader = gitTreeReader(context.repoRoot, base.sha, registryRel(context, '.') || '.');
  let incident: Incident | undefined;
  try {
    [incident] = await readIncidentFiles(reader, [incidentPath(id)]);
  } finally {
    reader.close();
  }
  if (!incident) {
    throw new TollgateError(`no incident ${id} on ${base.ref}`, {
      file: registryRel(context, incidentPath(id)),
      fix: `check the id (\`tollgate incident list\`), or pass --base with the branch that records it`,
    });
  }
  const now = context.now();
  const resolved = resolveIncident(incident, now, values.note);
  const draft = values['no-postmortem'] ? undefined : await draftPostmortem(context, resolved, 7, base.sha);
  const recordFile = registryRel(context, incidentPath(id));
  const draftFile = registryRel(context, postmortemPath(id));
  const recordText = serializeDocument(resolved);
  const errors = parseRegistryFile(incidentPath(id), recordText).problems.filter(
    (p) => p.severity === 'error',
  );
  if (errors.length > 0)
    throw new TollgateError(`the resolved record of ${id} would not validate: ${errors[0]!.message}`);
  const branch = postmortemBranch(id);
  const github = values['dry-run'] ? undefined : await githubTarget(context, values.repo);
  const link =
    draft !== undefined && github
      ? `https://github.com/${github.repo.owner}/${github.repo.repo}/blob/${branch}/${draftFile}`
      : undefined;
  const pullRequest = postmortemPullRequest(resolved, {
    ...(draft !== undefined ? { postmortem: draftFile } : {}),
    ...(link !== undefined ? { link } : {}),
  });
  const after = formatDuration(resolved.timeline.at(-1)!.duration ?? 0);
  const described = [
    `The pull request ${github ? '' : 'to open '}(${branch} -> ${policy.defaultBranch}):`,
    `  title:  ${pullRequest.title}`,
    `  labels: ${pullRequest.labels.join(', ')}`,
    '',
    pullRequest.body.trimEnd(),
  ];
  if (values['dry-run']) {
    context.out(
      [
        `would resolve ${id} after ${after} and commit ${recordFile}${draft !== undefined ? ` and ${draftFile}` : ''} to ${branch} (dry run: nothing written)`,
        '',
        ...described,
      ].join('\n'),
    );
    return 0;
  }
  const date = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const proposal = await proposeChange(
    context.repoRoot,
    {
      branch,
      baseRef: base.sha,
      baseBranch: policy.defaultBranch,
      files: [
        { path: recordFile, content: Buffer.from(recordText) },
        ...(draft !== undefined ? [{ path: draftFile, content: Buffer.from(draft) }] : []),
      ],
      message: `Resolve incident ${id}`,
      trailers: {
        'Tollgate-Event': 'incident-resolved',
        Incident: id,
        'Requested-By': actor(context, values.by),
      },
      env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      pullRequest,
    },
    github,
  );
  context.out(
    [
      `resolved ${id} after ${after}: committed to ${branch} (${proposal.commit.slice(0, 12)}), on ${base.ref}`,
      ...(draft !== undefined
        ? [`  drafted ${draftFile} in the same commit: fill in its TODO(author) parts`]
        : []),
      ...(proposal.pullRequest
        ? [
            `  pull request #${proposal.pullRequest.number} ${proposal.pullRequest.created ? 'opened' : 'updated'}: ${proposal.pullRequest.url}`,
            `  ${describeCalls(github!.client)}`,
          ]
        : [
            '',
            ...described,
            '',
            `Nothing was pushed: \`git push origin ${branch}\` and open the pull request (or set GITHUB_TOKEN).`,
          ]),
    ].join('\n'),
  );
  return 0;
}

/** Every incident record in the registry. */
async function allIncidents(context: CliContext): Promise<Incident[]> {
  const files = (await fileSystemReader(context.registryDir).list('incidents')).filter((f) =>
    /^incidents\/INC-[^/]*\.yaml$/.test(f),
  );
  return readIncidents(context, files);
}

async function list(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(INCIDENT_LIST, args);
  const chosen = (await allIncidents(context))
    .filter((i) => !values.open || i.status === 'open')
    .sort((a, b) => Date.parse(b.detected_at) - Date.parse(a.detected_at) || b.id.localeCompare(a.id));
  if (values.format === 'json') {
    context.out(JSON.stringify(chosen, null, 2));
    return 0;
  }
  if (chosen.length === 0) {
    context.out(values.open ? 'no open incidents' : 'no incidents');
    return 0;
  }
  context.out(
    chosen
      .map(
        (i) =>
          `${i.id}  ${i.severity}  ${i.status.padEnd(8)}  ${i.models.join(',')}  ${i.title}` +
          (i.rollback ? `  (rolled back ${i.rollback.model} ${i.rollback.from} -> ${i.rollback.to})` : ''),
      )
      .join('\n'),
  );
  return 0;
}

async function stats(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs(INCIDENT_STATS, args);
  const since = values.since === undefined ? undefined : new Date(values.since);
  if (since && Number.isNaN(since.getTime())) {
    throw new TollgateError(`--since ${values.since} is not a date`, { fix: 'pass e.g. --since 2026-10-01' });
  }
  const s = incidentStats(await allIncidents(context), since ? { since } : {});
  if (values.format === 'json') {
    context.out(JSON.stringify(s, null, 2));
    return 0;
  }
  const d = (x: number | null) => (x === null ? '—' : formatDuration(x));
  context.out(
    [
      `incidents: ${s.total} (${s.open} open)${since ? ` since ${since.toISOString()}` : ''}`,
      `  by severity: ${Object.entries(s.bySeverity)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `  time to resolve (MTTR): mean ${d(s.mttr.meanSeconds)}, median ${d(s.mttr.medianSeconds)} over ${s.mttr.count}`,
      `  time to rollback: mean ${d(s.timeToRollback.meanSeconds)}, median ${d(s.timeToRollback.medianSeconds)} over ${s.timeToRollback.count}`,
      '  MTTR by severity:',
      ...Object.entries(s.mttrBySeverity)
        .filter(([, m]) => m.count > 0)
        .map(([k, m]) => `    ${k}: mean ${d(m.meanSeconds)}, median ${d(m.medianSeconds)} over ${m.count}`),
      ...(s.incidents.length
        ? [
            '  per incident (to classify / to roll back / to resolve):',
            ...s.incidents.map(
              (i) =>
                `    ${i.id}  ${i.severity}  ${d(i.toClassify)} / ${d(i.toRollback)} / ${d(i.toResolve)}`,
            ),
          ]
        : []),
    ].join('\n'),
  );
  return 0;
}

async function postmortem(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(INCIDENT_POSTMORTEM, args);
  const incident = await readIncident(context, positionals[0]);
  const days = Number(values['lookback-days']);
  if (!Number.isFinite(days) || days < 0) throw new TollgateError('--lookback-days must be a number of days');
  const markdown = await draftPostmortem(context, incident, days);
  if (!values.write || values['dry-run']) {
    context.out(markdown);
    return 0;
  }
  const file = registryRel(context, postmortemPath(incident.id));
  if ((await readFile(join(context.repoRoot, file), 'utf8').catch(() => undefined)) === markdown) {
    context.out(`${file} is already this draft; nothing to commit`);
    return 0;
  }
  await writeAndCommit(
    context,
    [{ path: postmortemPath(incident.id), text: markdown }],
    {
      message: `Postmortem draft for ${incident.id}`,
      trailers: { 'Tollgate-Event': 'postmortem', Incident: incident.id },
    },
    context.now(),
  );
  context.out(`wrote ${registryRel(context, postmortemPath(incident.id))}`);
  return 0;
}

export const incidentCommand: Command = {
  ...INCIDENT,
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub === 'open') return open(rest, context);
    if (sub === 'resolve') return resolve(rest, context);
    if (sub === 'list') return list(rest, context);
    if (sub === 'stats') return stats(rest, context);
    if (sub === 'postmortem') return postmortem(rest, context);
    throw new TollgateError(`incident: unknown subcommand "${sub ?? ''}"`, {
      fix: 'tollgate incident open|resolve|list|stats|postmortem',
    });
  },
};
