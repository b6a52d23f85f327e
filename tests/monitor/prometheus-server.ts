// A real Prometheus for tests: Debian's `prometheus` package (scripts/ensure-prometheus.sh installs it), started
// on a free port over a temporary tsdb whose history `promtool tsdb create-blocks-from openmetrics` loaded from a
// fixture written relative to now, so "the last 15 minutes" holds real data without any scrape.
// Outside CI a machine without it gets undefined and a loud warning (the caller skips); under CI=true it fails.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

export interface Series {
  name: string;
  labels: Record<string, string>;
  /** Value at `secondsAgo` (called every `step` seconds over the history). */
  value: (secondsAgo: number) => number;
}

export interface PrometheusServer {
  url: string;
  /** The instant the fixture's "now" stands for (ms). */
  now: number;
  stop: () => Promise<void>;
}

export function ensurePrometheus(what: string): boolean {
  if (existsSync(PROMETHEUS) && existsSync(PROMTOOL)) return true;
  const r = spawnSync('bash', [resolve('scripts/ensure-prometheus.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status === 0 && existsSync(PROMETHEUS) && existsSync(PROMTOOL)) return true;
  const why = `prometheus could not be installed: ${r.stderr || r.error?.message || 'unknown'}`;
  if (process.env.CI === 'true') throw new Error(`${what} needs a real Prometheus under CI: ${why}`);
  console.warn(`\n!!!!! SKIPPING ${what}: ${why} !!!!!\n`);
  return false;
}

const labelText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/["\\]/g, '\\$&')}"`)
    .join(',');

/** The OpenMetrics text of `series` sampled every `step` seconds over `history` seconds ending at `now`. */
export function openMetricsFixture(series: Series[], now: number, history: number, step: number): string {
  const lines: string[] = [];
  const names = [...new Set(series.map((s) => s.name))];
  for (const name of names) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of series.filter((x) => x.name === name)) {
      for (let ago = history; ago >= 0; ago -= step) {
        const at = Math.floor(now / 1000) - ago;
        lines.push(`${name}{${labelText(s.labels)}} ${s.value(ago)} ${at}`);
      }
    }
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startPrometheus(
  series: Series[],
  options: { history?: number; step?: number } = {},
): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-prom-'));
  const now = Date.now();
  const fixture = join(dir, 'fixture.om');
  await writeFile(fixture, openMetricsFixture(series, now, options.history ?? 3600, options.step ?? 15));
  const data = join(dir, 'data');
  const created = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', fixture, data], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (created.status !== 0) throw new Error(`promtool failed: ${created.stderr}`);
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, 'global:\n  evaluation_interval: 1m\nscrape_configs: []\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not become ready in 30 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    now,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
