// `tollgate retrains list [MODEL]` and `tollgate retrains show ID`: the recorded retrain requests. A command of its
// own, not `retrain list|show`: `tollgate retrain MODEL` takes the model as its first argument, so a model named
// `list` or `show` (a valid name) would be unreachable or ambiguous there.
import { TollgateError } from '../../errors.ts';
import { fileSystemReader, loadFiles } from '../../registry/load.ts';
import { assertSafeName } from '../../registry/names.ts';
import { retrainPath } from '../../registry/paths.ts';
import type { RetrainRequest, RetrainStatus } from '../../registry/types.ts';
import { describeRetrain, RETRAIN_STATUSES, retrainRow, selectRetrains } from '../../retrain/list.ts';
import { parseCommandArgs, type CliContext, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { renderTable } from '../table.ts';
import { sinceOption } from './incident-list.ts';
import { assertKnownModel } from './registry-prefix.ts';

const RETRAINS_LIST = commandSpec({
  name: 'retrains list',
  summary: 'recorded retrain requests, newest first: status, trigger, the version made or the error',
  args: '[MODEL]',
  positionals: [0, 1],
  options: {
    status: { type: 'string', choices: [...RETRAIN_STATUSES], description: 'only requests in this status' },
    since: { type: 'string', value: 'DATE', description: 'only requests created at or after DATE' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate retrains list', 'every retrain request of every model'],
    [
      'tollgate retrains list fraud-detector --status failed --format json',
      "fraud-detector's failed retrains",
    ],
  ],
});

const RETRAINS_SHOW = commandSpec({
  name: 'retrains show',
  summary: 'one retrain request: reason, trigger, run, outcome',
  args: 'ID',
  positionals: [1, 1],
  options: { ...FORMAT_OPTION },
  examples: [['tollgate retrains show rt-20261124-033000-ab12', 'everything recorded about that retrain']],
});

const RETRAINS = commandSpec({
  name: 'retrains',
  summary: 'list recorded retrain requests or show one (retrains list [MODEL], retrains show ID)',
  options: {},
  subcommands: [RETRAINS_LIST, RETRAINS_SHOW],
  defaultSubcommand: 'list',
  examples: [...RETRAINS_LIST.examples, ...RETRAINS_SHOW.examples],
});

interface Found {
  request: RetrainRequest;
  /** Registry-relative path. */
  file: string;
}

async function loadRetrains(context: CliContext, model?: string): Promise<Found[]> {
  const reader = fileSystemReader(context.registryDir);
  const files = (await reader.list(model ? `models/${model}` : 'models')).filter(
    (f) => f.endsWith('/model.yaml') || /\/retrains\/[^/]+\.yaml$/.test(f),
  );
  const { registry } = await loadFiles(reader, files);
  return [...registry.models.values()].flatMap((entry) =>
    [...entry.retrains.entries()].map(([id, request]) => ({
      request,
      file: retrainPath(entry.model.name, id),
    })),
  );
}

async function list(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(RETRAINS_LIST, args);
  const model = positionals[0] === undefined ? undefined : assertSafeName('model', positionals[0]);
  if (model !== undefined) assertKnownModel(context, model);
  const since = sinceOption(values.since);
  const chosen = selectRetrains(
    (await loadRetrains(context, model)).map((f) => f.request),
    {
      ...(model !== undefined ? { model } : {}),
      ...(values.status !== undefined ? { status: values.status as RetrainStatus } : {}),
      ...(since !== undefined ? { since } : {}),
    },
  );
  if (values.format === 'json') {
    context.out(JSON.stringify(chosen, null, 2));
    return 0;
  }
  if (chosen.length === 0) {
    const filtered = values.status !== undefined || values.since !== undefined;
    context.out(`no retrain requests${model ? ` of ${model}` : ''}${filtered ? ' match' : ''}`);
    return 0;
  }
  const header = ['ID', 'MODEL', 'STATUS', 'CREATED', 'TRIGGER', 'OUTCOME'];
  context.out(renderTable([header, ...chosen.map(retrainRow)], { width: context.columns, flexible: [5] }));
  return 0;
}

async function show(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(RETRAINS_SHOW, args);
  const id = assertSafeName('request', positionals[0]);
  const found = (await loadRetrains(context)).find(
    (f) => f.request.id === id || f.file.endsWith(`/${id}.yaml`),
  );
  if (!found)
    throw new TollgateError(`no retrain request ${id}`, { fix: 'tollgate retrains list shows their ids' });
  if (values.format === 'json') context.out(JSON.stringify({ file: found.file, ...found.request }, null, 2));
  else context.out(describeRetrain(found.request, found.file));
  return 0;
}

export const retrainsCommand: Command = {
  ...RETRAINS,
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub === 'show') return show(rest, context);
    if (sub === 'list') return list(rest, context);
    if (sub === undefined || sub.startsWith('-')) return list(args, context);
    throw new TollgateError(`retrains: unknown subcommand "${sub}"`, {
      kind: 'usage',
      fix: 'tollgate retrains list [MODEL] | tollgate retrains show ID',
    });
  },
};
