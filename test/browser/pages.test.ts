// The chart page and run reports, rendered in headless Chromium (Debian's
// package, driven by playwright-core): the expected elements are there, the
// page logs no console error and fetches nothing from the network; a
// screenshot of each lands in store/screenshots/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles, transitions } from '../../spec/chart.js';
import { writeRunReport } from '../../src/viz/report.js';
import { writeHandmadeRun, FIXTURE_LABEL } from '../viz/fixture.js';
import { chromiumPath, launch, NO_CHROMIUM_MESSAGE, SCREENSHOT_DIR, watch, type Session } from './chromium.js';

const root = join(import.meta.dirname, '..', '..');

if (!chromiumPath) {
  // Said loudly, on stderr and in the skipped suite's name: never a silent pass.
  process.stderr.write(`\n*** ${NO_CHROMIUM_MESSAGE} ***\n\n`);
}

describe.skipIf(!chromiumPath)(chromiumPath ? `in headless Chromium (${chromiumPath})` : NO_CHROMIUM_MESSAGE, () => {
  let session: Session;
  beforeAll(async () => {
    session = await launch();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('renders docs/chart.html: every state and transition, the table, no console errors', async () => {
    const page = await session.context.newPage();
    const problems = watch(page);
    await page.goto(pathToFileURL(join(root, 'docs', 'chart.html')).href);
    expect(await page.locator('#chart svg').isVisible()).toBe(true);
    for (const s of [...roles, 'raft']) {
      expect(await page.locator(`#state_${s}`).count(), `state ${s}`).toBe(1);
    }
    for (const t of transitions) {
      const n = await page.locator(`#transition_${t.name}, #a_transition_${t.name}`).count();
      expect(n, `transition ${t.name} drawn`).toBeGreaterThan(0);
    }
    expect(await page.locator('#transitions tbody tr').count()).toBe(transitions.length);
    // Hovering a row highlights its edge.
    await page.locator('#row-becomeLeader').hover();
    expect(await page.locator('#transition_becomeLeader.hl').count()).toBe(1);
    const box = await page.locator('#chart svg').boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'chart-page.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders docs/chart.svg on its own', async () => {
    const page = await session.context.newPage();
    const problems = watch(page);
    await page.goto(pathToFileURL(join(root, 'docs', 'chart.svg')).href);
    expect(await page.locator('g.node').count()).toBe(roles.length + 2); // the roles, "any role", the initial dot
    expect(await page.locator('g.edge').count()).toBe(transitions.filter((t) => t.target).length + 1);
    const text = await page.locator('svg').textContent();
    expect(text).toContain('TLA+ BecomeLeader');
    await page.locator('svg').screenshot({ path: join(SCREENSHOT_DIR, 'chart-svg.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  describe('run reports from short real bench runs (bin/raftchart test)', () => {
    const store = mkdtempSync(join(tmpdir(), 'raftchart-bench-report-'));
    const dirs: Record<'wrong' | 'raft', string> = {} as never;

    /** Runs the bench CLI; returns the run directory it wrote. */
    function bench(args: string[]): string {
      const r = spawnSync(process.execPath, [join(root, 'bin', 'raftchart'), 'test', '--store', store, ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const m = /results: (\S+?)\/? \(/.exec(r.stdout + r.stderr);
      if (![0, 1, 2].includes(r.status ?? -1) || !m) throw new Error(`bench failed (${r.status}): ${r.stderr.slice(-2000)}`);
      return m[1]!;
    }

    beforeAll(async () => {
      if (!existsSync(join(root, 'dist', 'raftchart.js'))) {
        spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
      }
      // A deliberately wrong node (no replication): invalid, with operations to flag; no role log lines.
      dirs.wrong = bench(['--bin', join(root, 'test', 'fixtures', 'local-kv-node.mjs'), '--node-count', '3', '--concurrency', '2n', '--rate', '60', '--time-limit', '2', '--seed', '1']);
      // Our node under partitions: role lanes from its logs.
      dirs.raft = bench(['-w', 'lin-kv', '--bin', join(root, 'bin', 'raft'), '--node-count', '3', '--concurrency', '2n', '--rate', '30', '--time-limit', '5', '--nemesis', 'partition', '--nemesis-interval', '1.5', '--recovery-time', '1', '--seed', '7']);
    }, 120_000);

    it('the bench wrote index.html into each run directory itself', () => {
      for (const dir of Object.values(dirs)) expect(existsSync(join(dir, 'index.html'))).toBe(true);
    });

    async function open(dir: string) {
      const page = await session.context.newPage();
      const problems = watch(page);
      await page.goto(pathToFileURL(join(dir, 'index.html')).href);
      const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { verdict: string; linearizability: { failures: { ops: number[] }[] } };
      const history = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
      const completions = history.filter((e) => e.type !== 'invoke').length;
      expect((await page.locator('#verdict').textContent())?.trim()).toBe(results.verdict);
      expect(await page.locator('#fixture-banner').count()).toBe(0);
      expect(await page.locator('#stats .card').count()).toBe(4);
      expect(await page.locator('#latency-plot .points .op').count()).toBe(completions);
      expect(await page.locator('#ops-timeline .op').count()).toBe(history.length - completions);
      return { page, problems, results };
    }

    it('a wrong node: invalid, the operations the checker could not linearise highlighted, no role lanes', async () => {
      const { page, problems, results } = await open(dirs.wrong);
      expect(results.verdict).toBe('invalid');
      const flagged = new Set(results.linearizability.failures.flatMap((f) => f.ops));
      expect(flagged.size).toBeGreaterThan(0);
      for (const id of flagged) {
        expect(await page.locator(`#ops-timeline .op.flagged[data-op="${id}"]`).count(), `op ${id} flagged`).toBe(1);
      }
      expect(await page.locator('#failures .failure').count()).toBe(results.linearizability.failures.length);
      expect(await page.locator('#role-timeline').count()).toBe(0);
      expect(await page.locator('#roles').textContent()).toContain('no role lane');
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'report-bench-wrong-node.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    });

    it('our node under partitions: role and term lanes per node, partitions shaded', async () => {
      const { page, problems } = await open(dirs.raft);
      expect(await page.locator('#role-timeline .role-lane').count()).toBe(3);
      expect(await page.locator('#role-timeline .role-span.role-leader').count()).toBeGreaterThan(0);
      const partitions = JSON.parse(readFileSync(join(dirs.raft, 'results.json'), 'utf8')).partitions as unknown[];
      expect(partitions.length).toBeGreaterThan(0);
      expect(await page.locator('#latency-plot rect.partition').count()).toBe(partitions.length);
      expect(await page.locator('#role-timeline rect.partition').count()).toBe(partitions.length);
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'report-bench-raft.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    });

    it('store/latest/index.html opens the newest run', async () => {
      expect(readdirSync(store)).toContain('latest');
      const page = await session.context.newPage();
      const problems = watch(page);
      await page.goto(pathToFileURL(join(store, 'latest', 'index.html')).href);
      expect(await page.locator('#role-timeline .role-lane').count()).toBe(3); // the raft run, not the wrong node's
      expect(await page.title()).toBe(readFileSync(join(dirs.raft, 'index.html'), 'utf8').match(/<title>(.*)<\/title>/)![1]!.replace(/&amp;/g, '&'));
      expect(problems).toEqual([]);
      await page.close();
    });
  });

  describe('run report from a HAND-WRITTEN fixture (test/viz/fixture.ts): every element, incl. a stale read', () => {
    const store = mkdtempSync(join(tmpdir(), 'raftchart-report-'));
    const runs: Record<'valid' | 'invalid', { dir: string; flagged: number[] }> = {} as never;
    beforeAll(async () => {
      for (const kind of ['valid', 'invalid'] as const) {
        const dir = join(store, 'lin-kv', kind === 'valid' ? '20260101T000000.000Z' : '20260101T000100.000Z');
        mkdirSync(dir, { recursive: true });
        const { flagged } = writeHandmadeRun(dir, { invalid: kind === 'invalid' });
        await writeRunReport(dir);
        runs[kind] = { dir, flagged };
      }
      // As the bench does: store/latest points at the newest run.
      symlinkSync(join('lin-kv', '20260101T000100.000Z'), join(store, 'latest'));
    });

    for (const kind of ['valid', 'invalid'] as const) {
      it(`renders the ${kind} report: verdict, stats, latency, roles, operations${kind === 'invalid' ? ', flagged operations' : ''}`, async () => {
        const page = await session.context.newPage();
        const problems = watch(page);
        await page.goto(pathToFileURL(join(runs[kind].dir, 'index.html')).href);
        expect((await page.locator('#verdict').textContent())?.trim()).toBe(kind);
        expect((await page.locator('#fixture-banner').textContent())?.trim()).toBe(FIXTURE_LABEL);
        expect(await page.locator('#stats .card').count()).toBe(4);
        // Latency: a point per completed operation, partition shaded.
        const history = JSON.parse(readFileSync(join(runs[kind].dir, 'history.json'), 'utf8')) as { type: string }[];
        const completions = history.filter((e) => e.type !== 'invoke').length;
        expect(await page.locator('#latency-plot .points .op').count()).toBe(completions);
        expect(await page.locator('#latency-plot rect.partition').count()).toBe(1);
        // Roles: one lane per node, a leader somewhere, with terms.
        expect(await page.locator('#role-timeline .role-lane').count()).toBe(3);
        expect(await page.locator('#role-timeline .role-span.role-leader').count()).toBeGreaterThanOrEqual(3);
        expect(await page.locator('#role-timeline .role-span[data-term="4"]').count()).toBeGreaterThan(0);
        // Operations: one bar per invocation.
        const invokes = history.length - completions;
        expect(await page.locator('#ops-timeline .op').count()).toBe(invokes);
        // Hover shows details.
        await page.locator('#ops-timeline .op').first().hover();
        expect(await page.locator('#op-details').isVisible()).toBe(true);
        expect((await page.locator('#op-details').textContent()) ?? '').toMatch(/^#\d+ /);
        await page.mouse.move(0, 0);
        expect(await page.locator('#op-details').isVisible()).toBe(false);
        // Toggling a function hides its points.
        await page.locator('.toggle-f[data-f="read"]').uncheck();
        expect(await page.locator('#latency-plot .op.f-read:not(.hidden-f)').count()).toBe(0);
        await page.locator('.toggle-f[data-f="read"]').check();

        if (kind === 'invalid') {
          const flagged = runs[kind].flagged;
          expect(flagged.length).toBe(3);
          for (const id of flagged) {
            expect(await page.locator(`#ops-timeline .op.flagged[data-op="${id}"]`).count(), `op ${id} flagged`).toBe(1);
          }
          expect(await page.locator('#ops-timeline .op.culprit').count()).toBe(1);
          expect(await page.locator('#failures .failure').count()).toBe(1);
          expect(await page.locator('#failure-0-timeline .op').count()).toBe(3);
          await page.locator('#failures').screenshot({ path: join(SCREENSHOT_DIR, 'report-fixture-failures.png') });
        } else {
          expect(await page.locator('.op.flagged').count()).toBe(0);
          expect(await page.locator('#failures').count()).toBe(0);
        }
        await page.screenshot({ path: join(SCREENSHOT_DIR, `report-fixture-${kind}.png`), fullPage: true });
        expect(problems).toEqual([]);
        await page.close();
      });
    }

    it('store/latest/index.html opens the newest run', async () => {
      const page = await session.context.newPage();
      const problems = watch(page);
      await page.goto(pathToFileURL(join(store, 'latest', 'index.html')).href);
      expect((await page.locator('#verdict').textContent())?.trim()).toBe('invalid');
      // Links to the raw files resolve through the symlink too.
      const href = await page.locator('footer a', { hasText: 'results.json' }).getAttribute('href');
      expect(href).toBe('results.json');
      expect(problems).toEqual([]);
      await page.close();
    });
  });
});
