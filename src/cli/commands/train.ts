// `tollgate train -- CMD ARGS...`: runs a training command under the contract (docs/retrain.md) and shows what
// a retrain would record, without touching the registry. For checking a trainer before wiring it into model.yaml.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TollgateError } from '../../errors.ts';
import { assertSafeName } from '../../registry/names.ts';
import { formatMetric } from '../../retrain/record.ts';
import { retrainRequestId } from '../../retrain/request.ts';
import { runTraining, trainingEnv } from '../../retrain/training.ts';
import { parseDuration } from '../../scheduler/schedule.ts';
import type { Command } from '../context.ts';
import { parseCommandArgs } from '../context.ts';
import { commandSpec, FORMAT_OPTION } from '../spec.ts';

const USAGE =
  'tollgate train [--model NAME] [--timeout 30m] [--output DIR] [--format json] -- COMMAND [ARGS...]';

const TRAIN = commandSpec({
  name: 'train',
  summary: 'run a training command under the contract and show its metrics and artifact (records nothing)',
  args: '-- COMMAND [ARGS...]',
  positionals: [0, 0],
  needsRegistry: false,
  options: {
    model: {
      type: 'string',
      value: 'NAME',
      default: 'example',
      description: 'the model name the trainer sees',
    },
    timeout: {
      type: 'string',
      value: 'DURATION',
      default: '1h',
      description: 'stop the trainer after this long',
    },
    output: {
      type: 'string',
      value: 'DIR',
      description: 'where the trainer writes (default: a temporary folder)',
    },
    ...FORMAT_OPTION,
  },
  examples: [
    ['tollgate train -- python train.py', 'run a trainer and show the metrics and artifact it reports'],
    [
      'tollgate train --model fraud-detector --timeout 30m -- ./train.sh',
      'as that model, stopped after 30 min',
    ],
  ],
});

export const train: Command = {
  ...TRAIN,
  async run(args, context) {
    const split = args.indexOf('--');
    const own = split === -1 ? args : args.slice(0, split);
    const command = split === -1 ? [] : args.slice(split + 1);
    const { values } = parseCommandArgs(TRAIN, own);
    if (command.length === 0) {
      throw new TollgateError('train needs the command after `--`', { kind: 'usage', fix: USAGE });
    }
    if (values.format !== 'text' && values.format !== 'json') {
      throw new TollgateError(`--format must be text or json, not ${JSON.stringify(values.format)}`, {
        kind: 'usage',
        fix: USAGE,
      });
    }
    const model = assertSafeName('model', values.model);
    const now = context.now();
    const outputDir = values.output
      ? resolve(context.cwd, values.output)
      : await mkdtemp(join(tmpdir(), 'tollgate-train-'));
    const controller = new AbortController();
    const cancel = () => controller.abort();
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    try {
      const result = await runTraining({
        command,
        cwd: context.cwd,
        env: trainingEnv({ model, requestId: retrainRequestId(now, model) }),
        timeoutSeconds: parseDuration(values.timeout),
        outputDir,
        onOutput: (line) => context.err(line),
        signal: controller.signal,
      });
      if (values.format === 'json') {
        const { outputTail: _t, ...shown } = result;
        context.out(JSON.stringify(shown, null, 2));
        return 0;
      }
      const width = Math.max(...Object.keys(result.metrics).map((k) => k.length));
      context.out(
        [
          `training succeeded in ${(result.durationMs / 1000).toFixed(1)}s`,
          `artifact: ${result.artifact.path} (${result.artifact.size} bytes, sha256 ${result.artifact.sha256})`,
          'metrics:',
          ...Object.entries(result.metrics).map(([k, v]) => `  ${k.padEnd(width)}  ${formatMetric(v)}`),
        ].join('\n'),
      );
      return 0;
    } finally {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
    }
  },
};
