// The one way tests reach a real browser: Debian's Chromium at /usr/bin/chromium (installed by
// scripts/ensure-chromium.sh when missing, never downloaded by a test tool), with the flags that let it start on
// a machine with a closed network. Under CI=true a Chromium that cannot be had fails the test instead of skipping.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Without the background-networking flags Chromium's own connections are refused here, many at a time. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Chromium's path, installing Debian's package when it is missing. Outside CI a machine that cannot install it
 * gets undefined and a loud warning (the caller skips); under CI=true it is an error.
 */
export function ensureChromium(what: string): string | undefined {
  if (!existsSync(CHROMIUM)) {
    const r = spawnSync('sh', [resolve('scripts/ensure-chromium.sh')], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (r.status !== 0 || !existsSync(CHROMIUM)) {
      const why = `Chromium could not be installed at ${CHROMIUM}: ${r.stderr || r.error?.message || 'unknown'}`;
      if (process.env.CI === 'true') throw new Error(`${what} needs a real Chromium under CI: ${why}`);
      console.warn(`\n!!!!! SKIPPING ${what}: ${why} !!!!!\n`);
      return undefined;
    }
  }
  return CHROMIUM;
}

/** A headless Chromium driven by playwright-core (no browser download: it runs the Debian binary). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS.filter((f) => f !== '--headless') });
}
