// Finds Debian's Chromium and launches it headless through playwright-core
// (browser downloads do not work here; playwright-core drives the system one).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (p): p is string => typeof p === 'string' && p !== '',
);

/** The Chromium executable, or null when none is installed. */
export const chromiumPath: string | null = CANDIDATES.find((p) => existsSync(p)) ?? null;

export const NO_CHROMIUM_MESSAGE =
  `BROWSER TESTS SKIPPED: no Chromium at ${CANDIDATES.join(' or ')}. ` +
  'Install it with `apt-get update && apt-get install -y chromium` (.ci/run does) or set CHROMIUM_PATH.';

/** Where screenshots go (store/ is gitignored). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'store', 'screenshots');

export interface Session {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(): Promise<Session> {
  if (!chromiumPath) throw new Error(NO_CHROMIUM_MESSAGE);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const userDataDir = mkdtempSync(join(tmpdir(), 'raftchart-chromium-'));
  // A persistent context is how playwright passes a fresh --user-data-dir.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Problems a page reported: console errors, uncaught exceptions, any request that is not a local file. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network request: ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return problems;
}
