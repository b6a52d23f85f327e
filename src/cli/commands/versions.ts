// `tollgate versions MODEL [--stage S] [--status passed|failed|held] [--since DATE] [--format json]`: the model's
// recorded versions, newest first, with the stages each one serves, its validation and its hold.
import { fileSystemReader, loadFiles } from '../../registry/load.ts';
import { assertSafeName } from '../../registry/names.ts';
import type { ModelVersion } from '../../registry/types.ts';
import { parseCommandArgs, type Command } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';
import { sinceOption } from './incident-list.ts';
import { assertKnownModel } from './registry-prefix.ts';

const VERSIONS = commandSpec({
  name: 'versions',
  summary: "a model's versions, newest first: stages served, validation, hold",
  args: 'MODEL',
  positionals: [1, 1],
  options: {
    stage: { type: 'string', value: 'STAGE', description: 'only the version a stage points at' },
    status: {
      type: 'string',
      choices: ['passed', 'failed', 'held'],
      description: 'only versions whose validation passed or failed, or that are held',
    },
    since: { type: 'string', value: 'DATE', description: 'only versions recorded at or after DATE' },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate versions fraud-detector', 'every version with its metrics and stages'],
    ['tollgate versions fraud-detector --stage production --format json', 'the live version as JSON'],
  ],
});

export const versionsCommand: Command = {
  ...VERSIONS,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(VERSIONS, args);
    const model = assertSafeName('model', positionals[0]);
    assertKnownModel(context, model);
    const reader = fileSystemReader(context.registryDir);
    const files = (await reader.list(`models/${model}`)).filter(
      (f) => f.endsWith('/model.yaml') || f.endsWith('/stages.yaml') || /\/versions\/[^/]+\.yaml$/.test(f),
    );
    const { registry } = await loadFiles(reader, files);
    const entry = registry.models.get(model);
    const pointers = Object.entries(entry?.stages?.stages ?? {}).flatMap(([stage, p]) =>
      p?.version ? [[stage, p.version] as const] : [],
    );
    const stagesOf = (id: string) => pointers.filter(([, v]) => v === id).map(([s]) => s);
    const since = sinceOption(values.since);
    const chosen = [...(entry?.versions.values() ?? [])]
      .filter((v) => values.stage === undefined || stagesOf(v.id).includes(values.stage))
      .filter(
        (v) =>
          values.status === undefined ||
          (values.status === 'held'
            ? v.held !== undefined
            : v.validation.passed === (values.status === 'passed')),
      )
      .filter((v) => since === undefined || Date.parse(v.created_at) >= since.getTime())
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id.localeCompare(a.id));
    if (values.format === 'json') {
      context.out(
        JSON.stringify(
          chosen.map((v) => ({ ...v, stages: stagesOf(v.id) })),
          null,
          2,
        ),
      );
      return 0;
    }
    if (chosen.length === 0) {
      context.out(`no versions of ${model}${values.stage || values.status || values.since ? ' match' : ''}`);
      return 0;
    }
    const line = (v: ModelVersion) => {
      const stages = stagesOf(v.id);
      const metrics = Object.entries(v.metrics)
        .map(([k, x]) => `${k}=${x}`)
        .join(', ');
      return (
        `${v.id.padEnd(12)} ${v.created_at}  ${v.validation.passed ? 'passed' : 'FAILED'}` +
        `${stages.length ? `  [${stages.join(', ')}]` : ''}${v.held ? `  held: ${v.held.reason}` : ''}` +
        `${metrics ? `  ${metrics}` : ''}`
      );
    };
    context.out(chosen.map(line).join('\n'));
    return 0;
  },
};
