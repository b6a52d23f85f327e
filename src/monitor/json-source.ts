// MetricsSources over the metrics JSON (metrics-json.ts): a command that prints it (argv, no shell, the same
// contract style as the training command) or a file. Windows are aggregated from the samples the JSON records.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { MetricsSourceSpec } from '../registry/types.ts';
import { parseMetricsDocument, stageOf, type MetricsDocument } from './metrics-json.ts';
import { expandScope, MetricsSourceError, type MetricsScope, type MetricsSource } from './source.ts';
import { aggregateWindow } from './window.ts';

/** Largest metrics JSON read from a command or a file. */
export const MAX_METRICS_BYTES = 4 * 1024 * 1024;

/** A MetricsSource over metrics JSON documents, one per scope and window; windows aggregated from samples. */
export function jsonSource(
  label: string,
  load: (scope: MetricsScope, now: Date, window: number) => Promise<MetricsDocument>,
): MetricsSource {
  return {
    label,
    async instant(metrics, scope, now) {
      const section = stageOf(await load(scope, now, 0), scope.stage);
      return Object.fromEntries(
        metrics.flatMap((m) =>
          Object.prototype.hasOwnProperty.call(section.metrics, m) ? [[m, section.metrics[m]!]] : [],
        ),
      );
    },
    async range(metric, scope, now, seconds) {
      const section = stageOf(await load(scope, now, seconds), scope.stage);
      const start = now.getTime() - seconds * 1000;
      return (section.samples[metric] ?? []).filter((s) => s.at >= start && s.at <= now.getTime());
    },
    async overWindow(metric, stat, scope, now, seconds) {
      const section = stageOf(await load(scope, now, seconds), scope.stage);
      const samples = section.samples[metric];
      if (samples) return aggregateWindow(samples, stat, now.getTime(), seconds);
      // Only a current value: it stands for the window's end and covers none of it.
      const value = section.metrics[metric];
      return value === undefined ? undefined : { value, samples: 1, covered: 0 };
    },
  };
}

export interface CommandSourceOptions {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  /** Called with each run's output as printed, after it parsed: what the monitor's observe job hands on. */
  capture?: (run: { scope: MetricsScope; window: number; output: string }) => void;
}

/**
 * Runs the command once per scope and window: argv with `${model}`/`${stage}`/`${version}` expanded, in the
 * repository root, with TOLLGATE_MODEL, TOLLGATE_STAGE, TOLLGATE_VERSION, TOLLGATE_NOW and TOLLGATE_WINDOW set.
 */
export function commandSource(spec: MetricsSourceSpec, options: CommandSourceOptions): MetricsSource {
  const argv = spec.command ?? [];
  const cache = new Map<string, Promise<MetricsDocument>>();
  const label = `command ${argv.join(' ')}`;
  return jsonSource(label, (scope, now, window) => {
    const key = JSON.stringify([scope, now.getTime(), window]);
    let doc = cache.get(key);
    if (!doc) {
      doc = run(
        argv.map((a) => expandScope(a, scope)),
        scope,
        now,
        window,
      );
      cache.set(key, doc);
    }
    return doc;
  });

  function run(args: string[], scope: MetricsScope, now: Date, window: number): Promise<MetricsDocument> {
    const [file, ...rest] = args as [string, ...string[]];
    const env = {
      ...options.env,
      TOLLGATE_MODEL: scope.model,
      TOLLGATE_STAGE: scope.stage,
      TOLLGATE_VERSION: scope.version ?? '',
      TOLLGATE_NOW: now.toISOString(),
      TOLLGATE_WINDOW: String(window),
    };
    return new Promise((resolve, reject) => {
      execFile(
        file,
        rest,
        {
          cwd: options.repoRoot,
          env,
          timeout: (spec.timeout ?? 30) * 1000,
          maxBuffer: MAX_METRICS_BYTES,
          killSignal: 'SIGKILL',
        },
        (error, stdout, stderr) => {
          if (error) {
            const why = error.killed
              ? `timed out after ${spec.timeout ?? 30}s`
              : `failed: ${error.message.split('\n')[0]}`;
            reject(
              new MetricsSourceError(
                `metrics command ${args.join(' ')} ${why}${stderr ? `\n${String(stderr).trim().slice(-500)}` : ''}`,
                {
                  fix: 'run the command by hand; it must print the metrics JSON and exit 0 (docs/monitoring.md)',
                },
              ),
            );
            return;
          }
          try {
            const parsed = parseMetricsDocument(String(stdout), `metrics command ${args.join(' ')}`);
            options.capture?.({ scope, window, output: String(stdout) });
            resolve(parsed);
          } catch (parseError) {
            reject(parseError);
          }
        },
      );
    });
  }
}

/** Reads the metrics JSON from a repository-relative file (`${stage}` etc. expanded), each time it is asked. */
export function fileSource(spec: MetricsSourceSpec, options: { repoRoot: string }): MetricsSource {
  const label = `file ${spec.path}`;
  return jsonSource(label, async (scope) => {
    const path = expandScope(spec.path ?? '', scope);
    const full = isAbsolute(path) ? path : join(options.repoRoot, path);
    if (!isAbsolute(path) && relative(options.repoRoot, full).startsWith('..'))
      throw new MetricsSourceError(`metrics file ${path} is outside the repository`, {
        field: 'monitoring.source.path',
        fix: 'give a path inside the repository',
      });
    let text: string;
    try {
      const bytes = await readFile(full);
      if (bytes.length > MAX_METRICS_BYTES)
        throw new MetricsSourceError(`metrics file ${path} is larger than ${MAX_METRICS_BYTES} bytes`);
      text = bytes.toString('utf8');
    } catch (error) {
      if (error instanceof MetricsSourceError) throw error;
      throw new MetricsSourceError(`cannot read metrics file ${path}: ${(error as Error).message}`, {
        field: 'monitoring.source.path',
        fix: 'write the metrics JSON there first (docs/monitoring.md), or fix the path',
      });
    }
    return parseMetricsDocument(text, `metrics file ${path}`);
  });
}
