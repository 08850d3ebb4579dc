// The step-through viewer in headless Chromium: a failing bug-variant seed
// stepped to its violation (what the nodes, the chart and the logs show
// there), the URL keeping the position, jumps and play, the page made from a
// trace file, and bench runs (logged at RAFT_LOG=trace, and at the default
// level) opened from their index.html: no console error, no network request.
// Screenshots land in store/screenshots/ (docs/viewer.png is one of them).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunReport } from '../../src/viz/report.js';
import { chartData, renderViewerHtml } from '../../src/viz/viewer/html.js';
import { modelFromTrace } from '../../src/viz/viewer/model.js';
import { writeTraceViewer } from '../../src/viz/viewer/trace-file.js';
import { FIXTURE_LABEL, writeHandmadeRun } from '../viz/fixture.js';
import { chromiumPath, launch, NO_CHROMIUM_MESSAGE, SCREENSHOT_DIR, watch, type Session } from './chromium.js';

const root = join(import.meta.dirname, '..', '..');
const FIG8_ARGS = ['--seed', '1777', '--faults', 'partition,pause', '--nemesis-interval', '2', '--max-batch', '1', '--bug', 'commit-earlier-term'];

if (!chromiumPath) process.stderr.write(`\n*** ${NO_CHROMIUM_MESSAGE} ***\n\n`);

describe.skipIf(!chromiumPath)(chromiumPath ? `viewer in headless Chromium (${chromiumPath})` : NO_CHROMIUM_MESSAGE, () => {
  let session: Session;
  const dir = mkdtempSync(join(tmpdir(), 'raftchart-viewer-browser-'));
  const fig8 = join(dir, 'fig8.html');
  const fig8Trace = join(dir, 'fig8.ndjson');
  const fig8FromTrace = join(dir, 'fig8-from-trace.html');
  let benchTraced = '';
  let benchPlain = '';

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'viewer-assets.json'))) {
      spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
    }
    const sim = spawnSync(process.execPath, [join(root, 'bin', 'raftchart'), 'sim', ...FIG8_ARGS, '--html', fig8, '--trace', fig8Trace], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(sim.status, sim.stderr).toBe(1); // the seed fails: that is the point
    expect(sim.stdout).toContain('LeaderCompleteness violated');
    await writeTraceViewer(fig8Trace, fig8FromTrace);
    // A short bench run of our node with trace logging.
    const store = join(dir, 'store');
    const bench = spawnSync(
      process.execPath,
      [join(root, 'bin', 'raftchart'), 'test', '--store', store, '-w', 'lin-kv', '--bin', join(root, 'bin', 'raft'), '--node-count', '3', '--concurrency', '2n', '--rate', '30', '--time-limit', '3', '--nemesis', 'partition', '--nemesis-interval', '1', '--recovery-time', '1', '--seed', '5'],
      { cwd: root, encoding: 'utf8', timeout: 90_000, env: { ...process.env, RAFT_LOG: 'trace' } },
    );
    const m = /results: (\S+?)\/? \(/.exec(bench.stdout + bench.stderr);
    if (![0, 1, 2].includes(bench.status ?? -1) || !m) throw new Error(`bench failed (${bench.status}): ${bench.stderr.slice(-2000)}`);
    benchTraced = m[1]!;
    // A run logged at the default level: the hand-written fixture (role lines only).
    benchPlain = join(dir, 'plain', 'lin-kv', '20260101T000100.000Z');
    mkdirSync(benchPlain, { recursive: true });
    writeHandmadeRun(benchPlain, { invalid: true });
    await writeRunReport(benchPlain);
    session = await launch();
  }, 180_000);

  afterAll(async () => {
    await session?.close();
  });

  async function open(file: string, hash = ''): Promise<{ page: Page; problems: string[] }> {
    const page = await session.context.newPage();
    const problems = watch(page);
    await page.goto(pathToFileURL(file).href + hash);
    await page.waitForSelector('body[data-ready=true]', { state: 'attached', timeout: 30_000 });
    return { page, problems };
  }

  const data = (page: Page) =>
    page.evaluate(() => JSON.parse(document.getElementById('run-data')!.textContent!) as { violation: { step: number; detail: string } | null; steps: unknown[] });
  const stepOf = async (page: Page): Promise<number> => Number(await page.locator('body').getAttribute('data-step'));
  const hashOf = (page: Page): string => new URL(page.url()).hash;

  it('a failing bug-variant seed: step to the violation; the roles, the transition taken, the logs and the violation are shown', async () => {
    const { page, problems } = await open(fig8);
    const { violation } = await data(page);
    expect(violation).not.toBeNull();
    await page.locator('#jump-violation').click();
    expect(await stepOf(page)).toBe(violation!.step + 1);
    await expect.poll(() => hashOf(page)).toBe(`#step=${violation!.step + 1}`);
    expect(await page.locator('#now').getAttribute('data-kind')).toBe('V');
    expect(await page.locator('#now').textContent()).toContain('LeaderCompleteness violated');
    expect(await page.locator('#violation-banner').isVisible()).toBe(true);
    expect(await page.locator('#violation-banner').textContent()).toContain(violation!.detail);
    // What the invariant checker said, read off the page.
    const m = /(n\d), leader of term (\d+), has an entry of term (\d+) at index (\d+), where an entry of term (\d+) was committed in term \d+ by (n\d)/.exec(violation!.detail)!;
    const [, leader, term, badTerm, index, goodTerm, committer] = m;
    const card = page.locator(`#node-${leader}`);
    expect(await card.getAttribute('data-role')).toBe('leader');
    expect(await card.getAttribute('data-term')).toBe(term);
    expect(await card.locator('[data-cid="state_leader"].role-on').count()).toBe(1);
    expect(await card.locator('[data-cid="transition_becomeLeader"].tr-last').count()).toBe(1);
    expect(await card.locator('.role-on').count()).toBe(1);
    const cell = (node: string) => page.locator(`.log-row[data-node="${node}"] .e[data-index="${index}"]`);
    expect(await cell(leader!).getAttribute('data-term')).toBe(badTerm);
    expect(await cell(committer!).getAttribute('data-term')).toBe(goodTerm);
    expect(await cell(committer!).getAttribute('class')).toMatch(/\bc\b/); // committed there
    expect(await cell(leader!).getAttribute('class')).not.toMatch(/\bc\b/); // not on the new leader
    // Every node shows a role, a term and a chart with exactly one role lit.
    for (const n of ['n0', 'n1', 'n2']) {
      expect(await page.locator(`#node-${n}`).getAttribute('data-role')).toMatch(/^(follower|precandidate|candidate|leader)$/);
      expect(await page.locator(`#node-${n} .role-on`).count()).toBe(1);
    }
    await page.setViewportSize({ width: 1280, height: 1260 });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'viewer-sim-violation.png') }); // docs/viewer.png
    await page.setViewportSize({ width: 1280, height: 900 });
    // One step back: the election that made the bad leader, the transition lit as taken now.
    await page.locator('#step-back').click();
    expect(await stepOf(page)).toBe(violation!.step);
    expect(await page.locator('#now').textContent()).toContain('becomeLeader');
    expect(await card.locator('[data-cid="transition_becomeLeader"].tr-on').count()).toBe(1);
    expect(await page.locator('#violation-banner').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the URL keeps the position: a shared #step=N opens at that step, and stepping updates it', async () => {
    const { page, problems } = await open(fig8, '#step=500');
    expect(await stepOf(page)).toBe(500);
    expect(await page.locator('#now').getAttribute('data-step')).toBe('500');
    for (let i = 0; i < 3; i++) await page.locator('#step-forward').click();
    await expect.poll(() => hashOf(page)).toBe('#step=503');
    const text = await page.locator('#now').textContent();
    const again = await open(fig8, hashOf(page));
    expect(await stepOf(again.page)).toBe(503);
    expect(await again.page.locator('#now').textContent()).toBe(text);
    // A time works too: #t=SECONDS opens at the first step from then on.
    const byTime = await open(fig8, '#t=5');
    expect(Number(await byTime.page.locator('#time-input').inputValue())).toBeGreaterThanOrEqual(5);
    expect(await stepOf(byTime.page)).toBeGreaterThan(1);
    // Typing a step number goes there.
    await again.page.locator('#step-input').fill('42');
    await again.page.locator('#step-input').press('Enter');
    expect(await stepOf(again.page)).toBe(42);
    expect([...problems, ...again.problems, ...byTime.problems]).toEqual([]);
    await Promise.all([page.close(), again.page.close(), byTime.page.close()]);
  });

  it('jumps to the next transition of a chosen kind, steps only where asked, and plays', async () => {
    const { page, problems } = await open(fig8);
    await page.locator('#jump-kind').selectOption('transition:becomeLeader');
    await page.locator('#jump-next').click();
    const first = await stepOf(page);
    expect(await page.locator('#now').textContent()).toContain('becomeLeader');
    expect(await page.locator('.node.acting [data-cid="transition_becomeLeader"].tr-on').count()).toBe(1);
    await page.locator('#jump-next').click();
    expect(await stepOf(page)).toBeGreaterThan(first);
    await page.locator('#jump-prev').click();
    expect(await stepOf(page)).toBe(first);
    // With only "network" checked, forward goes to the next nemesis action.
    for (const k of ['transitions', 'messages', 'clients', 'other']) await page.locator(`#stop-at input[value=${k}]`).uncheck();
    await page.locator('#step-forward').click();
    expect(await page.locator('#now').getAttribute('data-kind')).toBe('N');
    for (const k of ['transitions', 'messages', 'clients', 'other']) await page.locator(`#stop-at input[value=${k}]`).check();
    // Play for a moment.
    const before = await stepOf(page);
    await page.locator('#speed').selectOption('steps:250');
    await page.locator('#play').click();
    await page.waitForTimeout(600);
    await page.locator('#play').click();
    expect(await stepOf(page)).toBeGreaterThan(before + 10);
    await expect.poll(() => hashOf(page)).toBe(`#step=${await stepOf(page)}`);
    // At the run's own pace, run time moves on about as fast as wall time (no faster).
    const t0 = Number(await page.locator('#time-input').inputValue());
    await page.locator('#speed').selectOption('time:1');
    const wall0 = Date.now();
    await page.locator('#play').click();
    await page.waitForTimeout(800);
    await page.locator('#play').click();
    const ran = Number(await page.locator('#time-input').inputValue()) - t0;
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThanOrEqual((Date.now() - wall0) / 1000 + 0.3);
    // Messages in flight are drawn and listed.
    expect(Number(await page.locator('#inflight-count').getAttribute('data-count'))).toBeGreaterThanOrEqual(0);
    await page.locator('#jump-kind').selectOption('kind:N');
    await page.locator('#jump-next').click();
    expect(await page.locator('#net-svg .link').count()).toBe(3);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a made-up trace of things the simulator does not write yet (crash, restart, snapshot, a new transition) opens and shows them', async () => {
    // Synthetic lines in the shapes the simulator may grow into; the page must not depend on them being known.
    const vars = (extra: Record<string, unknown>) => ({ currentTerm: 2, state: 'follower', votedFor: null, leader: 'n1', commitIndex: 5, lastApplied: 5, preVotes: [], votesGranted: [], nextIndex: {}, matchIndex: {}, ...extra });
    const lines = [
      { header: true, servers: ['n0', 'n1'], seed: 0 },
      { i: 1, t: 1, node: 'n0', transition: 'acceptAppendEntries', tla: 'HandleAppendEntriesRequest', event: { mtype: 'append_entries', msource: 'n1', mterm: 2 }, vars: vars({ log: { len: 5, from: 4, entries: [[2, 'Noop'], [2, { f: 'write', key: 1, value: 3 }]], snapshotIndex: 3 } }) },
      { kind: 'crash', t: 2, node: 'n0' },
      { kind: 'restart', t: 3, node: 'n0', vars: vars({ commitIndex: 3, lastApplied: 3, log: { len: 5, from: 4, entries: [[2, 'Noop'], [2, { f: 'write', key: 1, value: 3 }]], snapshotIndex: 3 } }) },
      { i: 2, t: 4, node: 'n0', transition: 'installSnapshot', tla: 'InstallSnapshot', event: { mtype: 'install_snapshot', msource: 'n1', mterm: 2, mlastIncludedIndex: 8 }, vars: vars({ commitIndex: 8, lastApplied: 8, log: { len: 8, from: 9, entries: [], snapshotIndex: 8 } }) },
      { i: 3, t: 5, node: 'n0', transition: 'transferLeadership', tla: 'TransferLeadership', event: { mtype: 'timeout_now', msource: 'n1', mterm: 2 }, vars: vars({ commitIndex: 8, lastApplied: 8, log: { len: 8, snapshotIndex: 8 } }) },
    ].map((l) => JSON.stringify(l));
    const file = join(dir, 'synthetic.html');
    writeFileSync(file, renderViewerHtml(modelFromTrace(lines, chartData(), { title: 'SYNTHETIC trace (test/browser/viewer.test.ts)' })));
    const { page, problems } = await open(file, '#step=1');
    expect(await page.locator('.log-row[data-node="n0"] .e.snap').count()).toBe(3);
    expect(await page.locator('.log-row[data-node="n0"] .e[data-index="5"]').getAttribute('data-term')).toBe('2');
    await page.locator('#step-forward').click();
    expect(await page.locator('#node-n0').getAttribute('class')).toMatch(/\bdown\b/);
    expect(await page.locator('#node-n0 .badge.down').count()).toBe(1);
    await page.locator('#step-forward').click();
    expect(await page.locator('#node-n0').getAttribute('class')).not.toMatch(/\bdown\b/);
    expect(await page.locator('#node-n0').getAttribute('data-term')).toBe('2');
    await page.locator('#step-forward').click();
    expect(await page.locator('#now').textContent()).toContain('installSnapshot');
    expect(await page.locator('#now').textContent()).toContain('install_snapshot from n1: term 2, lastIncludedIndex=8');
    expect(await page.locator('.log-row[data-node="n0"] .e.snap').count()).toBe(8);
    expect(await page.locator('#jump-kind option[value="transition:installSnapshot"]').count()).toBe(1);
    // A transition the chart does not have (yet) is shown as such.
    await page.locator('#step-forward').click();
    expect(await page.locator('#now').textContent()).toContain('transferLeadership');
    expect(await page.locator('#node-n0 .node-last').textContent()).toContain('not in this chart');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a page made afterwards from the trace file shows the same run', async () => {
    const a = await open(fig8);
    const b = await open(fig8FromTrace);
    const da = await data(a.page);
    const db = await data(b.page);
    expect(db.steps.length).toBe(da.steps.length);
    expect(db.violation).toEqual(da.violation);
    expect([...a.problems, ...b.problems]).toEqual([]);
    await Promise.all([a.page.close(), b.page.close()]);
  });

  it('a bench run logged at RAFT_LOG=trace: linked from index.html; transitions, logs and messages; no console error, no network', async () => {
    const page = await session.context.newPage();
    const problems = watch(page);
    await page.goto(pathToFileURL(join(benchTraced, 'index.html')).href);
    await page.locator('#viewer-link a').click();
    await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
    expect(page.url()).toMatch(/viewer\.html/);
    expect(await page.locator('#notes').textContent()).not.toMatch(/no transition lines/);
    await page.locator('#jump-kind').selectOption('transition:becomeLeader');
    await page.locator('#jump-next').click();
    expect(await page.locator('#now').textContent()).toContain('becomeLeader');
    expect(await page.locator('.node[data-role="leader"]').count()).toBeGreaterThanOrEqual(1);
    // Later on, the leader's log has entries, with terms, committed.
    await page.locator('#step-last').click();
    expect(await page.locator('.log-row .e.c[data-term]').count()).toBeGreaterThan(0);
    const d = (await page.evaluate(() => JSON.parse(document.getElementById('run-data')!.textContent!))) as { msgs: unknown[]; has: { messages: boolean; ops: boolean } };
    expect(d.has).toMatchObject({ messages: true, ops: true });
    expect(d.msgs.length).toBeGreaterThan(50);
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowLeft');
    expect(await page.locator('#net-svg .srv').count()).toBe(3);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'viewer-bench-trace.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a bench run at the default log level (HAND-WRITTEN fixture): roles and terms, the operations the checker flagged, and what is missing', async () => {
    const { page, problems } = await open(join(benchPlain, 'viewer.html'));
    const notes = (await page.locator('#notes').textContent()) ?? '';
    expect(notes).toContain(FIXTURE_LABEL);
    expect(notes).toContain('RAFT_LOG=trace');
    await page.locator('#step-last').click();
    for (const n of ['n0', 'n1', 'n2']) expect(await page.locator(`#node-${n}`).getAttribute('data-role')).toMatch(/^(follower|candidate|leader)$/);
    expect(await page.locator('.node[data-role="leader"]').count()).toBeGreaterThanOrEqual(1);
    await page.locator('#jump-flagged-next').click();
    expect(await page.locator('#now').textContent()).toContain('could not linearise');
    expect(await page.locator('#ops tr.op.flagged').count()).toBeGreaterThan(0);
    expect(await page.locator('#inflight').textContent()).toContain('messages in flight are not known');
    expect(problems).toEqual([]);
    await page.close();
  });
});
