// The step-through viewer without a browser: the simulator's extra trace
// lines, the run model, the indexes the page uses (checked against naive
// replays of the same data), the bench reader, the node's trace log level,
// and the page's self-containment. Browser tests: test/browser/viewer.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { transitions } from '../../spec/chart.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { modelFromRunDir, readNodeLog } from '../../src/viz/viewer/bench.js';
import { chartData, chartTemplate, renderViewerHtml, viewerAssets } from '../../src/viz/viewer/html.js';
import { eventText, modelFromTrace, ModelBuilder, type ViewerModel } from '../../src/viz/viewer/model.js';
import { IntervalIndex, RunIndex } from '../../src/viz/viewer/client/run-index.js';
import { writeHandmadeRun } from './fixture.js';

const root = join(import.meta.dirname, '..', '..');
const FIG8 = { seed: 1777, faults: ['partition', 'pause'] as const, nemesisInterval: 2, config: { maxBatch: 1 }, bug: 'commit-earlier-term' as const };

function trace(opts: Parameters<typeof runSimulation>[0], events = true): { lines: string[]; result: ReturnType<typeof runSimulation> } {
  const lines: string[] = [];
  const result = runSimulation({ ...opts, trace: (l) => lines.push(l), traceEvents: events });
  return { lines, result };
}

describe('simulator trace lines for the viewer', () => {
  const opts = { seed: 9, duration: 3, recovery: 1, faults: ['partition', 'loss', 'duplicate', 'pause'] as never, nemesisInterval: 0.7 };
  const withEvents = trace(opts);
  const without = trace(opts, false);

  it('change nothing in the run and leave the transition lines as they were', () => {
    const plain = runSimulation(opts);
    expect(JSON.stringify(withEvents.result)).toBe(JSON.stringify(plain));
    const transitionLines = withEvents.lines.filter((l) => !l.startsWith('{"kind":'));
    expect(transitionLines).toEqual(without.lines);
    expect(withEvents.lines.length).toBeGreaterThan(without.lines.length);
  });

  it('tie every delivery and drop to a send, and record ops, nemesis actions and the verdict', () => {
    const recs = withEvents.lines.slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
    const kinds = new Map<string, number>();
    for (const r of recs) if (typeof r.kind === 'string') kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    for (const k of ['send', 'deliver', 'drop', 'duplicate', 'op', 'nemesis', 'checker']) expect(kinds.get(k), k).toBeGreaterThan(0);
    const sent = new Map<number, number>();
    let lastT = -Infinity;
    for (const r of recs) {
      expect(r.t as number).toBeGreaterThanOrEqual(lastT - 0.002);
      lastT = Math.max(lastT, r.t as number);
      if (r.kind === 'send') {
        expect(sent.has(r.id as number)).toBe(false);
        sent.set(r.id as number, 1);
      } else if (r.kind === 'duplicate') {
        sent.set(r.id as number, sent.get(r.id as number)! + 1);
      } else if (r.kind === 'deliver' || r.kind === 'drop') {
        const left = sent.get(r.id as number);
        expect(left, `${r.kind} of message ${r.id} without a send`).toBeGreaterThan(0);
        sent.set(r.id as number, left! - 1);
      }
    }
    // Every client history event is in the trace, in order.
    const ops = recs.filter((r) => r.kind === 'op');
    expect(ops.map((o) => o.index)).toEqual(ops.map((_, i) => i));
    expect(ops.length).toBe(withEvents.result.ops.invoked + withEvents.result.ops.ok + withEvents.result.ops.fail + withEvents.result.ops.info);
    const nem = recs.filter((r) => r.kind === 'nemesis');
    expect(nem.some((r) => (r.blocked as string[]).length > 0)).toBe(true);
    expect(nem.some((r) => (r.paused as string[]).length > 0)).toBe(true);
  });
});

describe('the run model and its indexes', () => {
  const fig8 = trace(FIG8);
  const model = modelFromTrace(fig8.lines, chartData(), { title: 'seed 1777' });
  const storedAsDeltas = model.steps.filter((st) => st[1] === 'T' && !Array.isArray(st[6])).length;
  const ix = new RunIndex(model);

  it('the Figure 8 seed: the violation, and the logs it is about, as the invariant checker saw them', () => {
    expect(fig8.result.violation?.invariant).toBe('LeaderCompleteness');
    const v = model.violation!;
    expect(v.invariant).toBe('LeaderCompleteness');
    expect(model.steps[v.step]![1]).toBe('V');
    // The detail names the leader, its term, the index and both terms (the checker's words, not ours).
    const m = /(n\d), leader of term (\d+), has an entry of term (\d+) at index (\d+), where an entry of term (\d+) was committed in term \d+ by (n\d)/.exec(v.detail)!;
    expect(m).not.toBeNull();
    const [, leader, term, badTerm, index, goodTerm, committer] = m;
    const li = model.servers.indexOf(leader!);
    const st = ix.stateAt(li, v.step);
    expect(model.roles[st.vars![1]]).toBe('leader');
    expect(st.vars![0]).toBe(Number(term));
    expect(ix.entryAt(li, Number(index), v.step)![0]).toBe(Number(badTerm));
    expect(ix.entryAt(model.servers.indexOf(committer!), Number(index), v.step)![0]).toBe(Number(goodTerm));
    // The step before is the leader's election, named as in the chart.
    const lastTr = ix.lastTransition(li, v.step);
    expect(model.transitions[(model.steps[lastTr] as unknown as [number, 'T', number, number])[3]]!.name).toBe('becomeLeader');
    expect(model.checker).toBeNull(); // the run stopped at the violation
  });

  it('logs at every step match a naive replay of the trace', () => {
    const logs = new Map<string, [number, unknown][]>();
    const snapshotAt = new Map<string, number>();
    const tr = fig8.lines.slice(1).map((l) => JSON.parse(l)).filter((r) => typeof r.transition === 'string');
    let k = 0;
    let checked = 0;
    expect(storedAsDeltas).toBeGreaterThan(1000);
    for (let s = 0; s < model.steps.length; s++) {
      const st = model.steps[s]!;
      if (st[1] !== 'T') continue;
      const r = tr[k++];
      expect(r.node).toBe(model.servers[st[2]]);
      // The stored deltas expand to the variables the trace line carries.
      const v = ix.steps[s]![6] as unknown[];
      expect([v[0], model.roles[v[1] as number], v[2], v[3], v[4], v[5], v[6]]).toEqual([
        r.vars.currentTerm, r.vars.state, r.vars.votedFor, r.vars.leader, r.vars.commitIndex, r.vars.lastApplied, r.vars.log.len,
      ]);
      const log = logs.get(r.node) ?? [];
      if (r.vars.log.from !== undefined) {
        // After a snapshot the entries it covers are not listed: their places stay, unknown.
        while (log.length < r.vars.log.from - 1) log.push([-1, null]);
        log.splice(r.vars.log.from - 1, Infinity, ...r.vars.log.entries);
      }
      log.length = r.vars.log.len;
      logs.set(r.node, log);
      snapshotAt.set(r.node, r.vars.log.snapshotIndex ?? 0);
      if (s % 7 !== 0) continue;
      for (const [node, l] of logs) {
        const i = model.servers.indexOf(node);
        const len = ix.stateAt(i, s).vars![6]!;
        expect(len).toBe(l.length);
        for (let idx = (snapshotAt.get(node) ?? 0) + 1; idx <= len; idx++) expect(ix.entryAt(i, idx, s)![0]).toBe(l[idx - 1]![0]);
        checked++;
      }
    }
    expect(k).toBe(tr.length);
    expect(checked).toBeGreaterThan(100);
  });

  it('messages in flight and operations in progress match a scan of all intervals at every step', () => {
    expect(model.msgs.length).toBeGreaterThan(500);
    let busy = 0;
    for (let s = 0; s < model.steps.length; s++) {
      const want = model.msgs.flatMap((m, i) => (m[0] <= s && (m[1] === -1 || s < m[1]) ? [i] : []));
      expect(ix.inFlight(s, Infinity).items).toEqual(want);
      if (want.length > 0) busy++;
      const ops = model.ops.flatMap((o, i) => (o[0] <= s && (o[1] === -1 || s < o[1]) ? [i] : []));
      expect(ix.opsOpen(s, Infinity).items).toEqual(ops);
    }
    expect(busy).toBeGreaterThan(model.steps.length / 2);
  });

  it('interval index against brute force on random intervals, including never-ending ones', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const steps = 3000;
    const start: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = rnd(steps);
      start.push(s);
      end.push(rnd(10) === 0 ? -1 : Math.min(steps, s + rnd(rnd(5) === 0 ? 2000 : 40)));
    }
    const idx = new IntervalIndex(start, end, steps, 64);
    for (let s = 0; s < steps; s += 3) {
      const want = start.map((_, i) => i).filter((i) => start[i]! <= s && (end[i] === -1 || s < end[i]!));
      want.sort((a, b) => start[a]! - start[b]! || a - b);
      expect(idx.at(s).items).toEqual(want);
    }
    // A limit keeps the latest never-ending ones and says how many it left out.
    const all = idx.at(steps - 1);
    const limited = idx.at(steps - 1, 5);
    const open = start.filter((_, i) => end[i] === -1).length;
    expect(limited.more).toBe(open - 5);
    expect(limited.items.length).toBe(all.items.length - (open - 5));
  });

  it('jump lists: every becomeLeader transition, roles, the flagged operations', () => {
    const leaders = model.steps.flatMap((s, i) => (s[1] === 'T' && model.transitions[s[3]]!.name === 'becomeLeader' ? [i] : []));
    expect(leaders.length).toBeGreaterThan(3);
    let s = -1;
    const seen: number[] = [];
    while ((s = ix.jump('transition:becomeLeader', s, 1)) >= 0) seen.push(s);
    expect(seen).toEqual(leaders);
    expect(ix.jump('transition:becomeLeader', leaders[1]!, -1)).toBe(leaders[0]);
    expect(ix.jump('role:leader', -1, 1)).toBe(leaders[0]);
    expect(ix.jump('no-such-key', 0, 1)).toBe(-1);
  });
});

describe('the model builder takes what it does not know', () => {
  it('unknown transitions, roles, variables and line kinds become part of the model, not errors', () => {
    const lines = [
      JSON.stringify({ header: true, servers: ['n0', 'n1'], seed: 1 }),
      JSON.stringify({ i: 1, t: 1, node: 'n0', transition: 'someNewTransition', tla: 'NewAction', event: { timer: 'electionTimeout' }, vars: { currentTerm: 1, state: 'learner', votedFor: null, leader: null, commitIndex: 0, lastApplied: 0, log: { len: 2, from: 1, entries: [[1, 'Noop'], [1, { f: 'write', key: 1, value: 2 }]], snapshotIndex: 0 }, snapshotTerm: 0 } }),
      JSON.stringify({ kind: 'crash', t: 2, node: 'n1' }),
      JSON.stringify({ kind: 'restart', t: 3, node: 'n1' }),
      JSON.stringify({ kind: 'someday', t: 4, what: 'who knows' }),
      'not json at all',
      JSON.stringify([1, 2, 3]),
    ];
    const m = modelFromTrace(lines, chartData(), { title: 't' });
    const tr = m.transitions.find((t) => t.name === 'someNewTransition')!;
    expect(tr).toMatchObject({ inChart: false, tla: 'NewAction' });
    for (const t of transitions) expect(m.transitions.find((x) => x.name === t.name)?.inChart).toBe(true);
    expect(m.roles).toContain('learner');
    const first = m.steps[0] as [number, 'T', number, number, number, number, unknown[]];
    expect(first[1]).toBe('T');
    expect(first[6][13]).toEqual({ snapshotTerm: 0, 'log.snapshotIndex': 0 });
    const ix = new RunIndex(m);
    expect(ix.isDown(1, 1)).toBe(true);
    expect(ix.isDown(1, 2)).toBe(false);
    expect(m.steps.filter((s) => s[1] === 'E').length).toBe(4);
    expect(m.notes.join(' ')).toMatch(/1 line\(s\) of the trace are not JSON/);
    expect(ix.entryAt(0, 2, 0)).not.toBeNull();
    expect(m.strs[ix.entryAt(0, 2, 0)![1]]).toBe('write 1=2');
  });

  it('describes TLA+ events in words, whatever their fields', () => {
    expect(eventText({ mtype: 'append_entries', msource: 'n0', mdest: 'n1', mterm: 3, mprevLogIndex: 9, mprevLogTerm: 2, mentries: [[3, 'Noop']], mcommitIndex: 8 })).toBe(
      'append_entries from n0: term 3, prev 9@2, 1 entry (term 3), commit 8',
    );
    expect(eventText({ mtype: 'append_entries_res', msource: 'n1', mterm: 3, msuccess: false, mhint: 4 })).toBe('append_entries_res from n1: term 3, refused, hint 4');
    expect(eventText({ mtype: 'install_snapshot', msource: 'n0', mterm: 5, mlastIncludedIndex: 40 })).toBe('install_snapshot from n0: term 5, lastIncludedIndex=40');
    expect(eventText({ timer: 'heartbeatInterval' })).toBe('timer heartbeatInterval');
  });

  it('a checker line names operations by history index; they become flagged operations with their invocation steps', () => {
    const op = (index: number, type: string, process: number, t: number, value: unknown) => ({ kind: 'op', t, index, type, process, client: `c${process}`, node: 'n0', f: 'write', key: 1, value, time: t * 1e6 });
    const lines = [
      { header: true, servers: ['n0'] },
      op(0, 'invoke', 0, 1, 1),
      op(1, 'invoke', 1, 2, 2),
      op(2, 'ok', 0, 3, 1),
      op(3, 'info', 1, 4, 2),
      { kind: 'checker', t: 5, valid: false, failures: [{ key: 1, culprit: 'c1 write 2 [history #1]', explanation: ['because'], ops: [1] }], unknownKeys: [] },
    ].map((l) => JSON.stringify(l));
    const m = modelFromTrace(lines, chartData(), { title: 't' });
    const ix = new RunIndex(m);
    expect(m.checker?.valid).toBe(false);
    expect([...ix.flaggedOps]).toEqual([1]);
    expect([...ix.culpritOps]).toEqual([1]);
    expect([...ix.flaggedSteps]).toEqual([m.ops[1]![0]]);
    expect(m.ops.map((o) => o[7])).toEqual(['ok', 'info']);
    expect(ix.jump('flagged', 0, 1)).toBe(m.ops[1]![0]);
    expect(ix.opsOpen(m.ops[1]![0], Infinity).items).toEqual([0, 1]);
  });

  it('the step times stay ordered even when the input is not', () => {
    const b = new ModelBuilder(chartData(), { source: 'sim', title: 't', servers: ['n0'] });
    b.add({ kind: 'nemesis', t: 10, text: 'a', blocked: [], paused: [] });
    b.add({ kind: 'nemesis', t: 5, text: 'b', blocked: [], paused: [] });
    const m = b.build();
    expect(m.steps.map((s) => s[0])).toEqual([10, 10]);
    expect(m.notes.join(' ')).toMatch(/out of time order/);
  });
});

describe('bench runs', () => {
  it('our node logs transitions and messages at RAFT_LOG=trace, and nothing of the kind otherwise', () => {
    const input = [
      { src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0', 'n1'] } },
      { src: 'n1', dest: 'n0', body: { type: 'request_vote', msg_id: 1, term: 1, candidate_id: 'n1', last_log_index: 0, last_log_term: 0 } },
      { src: 'n1', dest: 'n0', body: { type: 'append_entries', msg_id: 2, term: 1, leader_id: 'n1', prev_log_index: 0, prev_log_term: 0, entries: [{ term: 1, op: { f: 'noop' } }], leader_commit: 0 } },
    ]
      .map((m) => JSON.stringify(m))
      .join('\n');
    const run = (level: string) =>
      spawnSync(process.execPath, [join(root, 'dist', 'raft.js')], { input: `${input}\n`, encoding: 'utf8', env: { ...process.env, RAFT_LOG: level, RAFT_ELECTION_MS: '5000-6000' }, timeout: 20_000 });
    const traced = run('trace');
    const json = traced.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json[0]).toMatchObject({ header: true, node: 'n0', servers: ['n0', 'n1'], clock: 'unix-ms' });
    const names = json.filter((r) => typeof r.transition === 'string').map((r) => r.transition);
    expect(names).toEqual(['updateTerm', 'grantVote', 'acceptAppendEntries']);
    const ae = json.find((r) => r.transition === 'acceptAppendEntries')!;
    expect((ae.vars as { log: unknown }).log).toEqual({ len: 1, from: 1, entries: [[1, 'Noop']] });
    expect(Math.abs((ae.t as number) - Date.now())).toBeLessThan(60_000);
    expect(json.filter((r) => r.kind === 'deliver').map((r) => r.type)).toEqual(['request_vote', 'append_entries']);
    expect(json.filter((r) => r.kind === 'send').map((r) => r.type)).toEqual(['request_vote_res', 'append_entries_res']);
    // The lines the viewer pairs: a receipt followed by the transition it caused.
    const log = readNodeLog('n0.log', traced.stderr);
    expect(log.trace.filter((t) => t.rec.deliver).map((t) => t.rec.transition)).toEqual(['updateTerm', 'acceptAppendEntries']);
    for (const level of ['info', 'debug']) {
      const quiet = run(level);
      expect(quiet.stderr).toContain('role=follower term=1');
      expect(quiet.stderr.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    }
  });

  it('a run logged at the default level: roles and terms from role lines, the history, the flagged operations, and what is missing', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'raftchart-viewer-')), 'run');
    mkdirSync(dir);
    const { flagged } = writeHandmadeRun(dir, { invalid: true });
    const m = modelFromRunDir(dir);
    expect(m.source).toBe('bench');
    expect(m.has).toMatchObject({ transitions: false, roles: true, ops: true, messages: false });
    expect(m.steps.some((s) => s[1] === 'L')).toBe(true);
    expect(m.notes.join(' ')).toMatch(/RAFT_LOG=trace/);
    const ix = new RunIndex(m);
    const leaders = m.servers.map((_, i) => ix.stateAt(i, m.steps.length - 1).vars).filter((v) => v && m.roles[v[1]] === 'leader');
    expect(leaders.length).toBeGreaterThan(0);
    // The checker's flagged operations (history indices) are found among the operations.
    expect([...ix.flaggedOps].map((o) => m.ops[o]![9]).sort((a, b) => a - b)).toEqual([...flagged].sort((a, b) => a - b));
    expect(ix.flaggedSteps.length).toBeGreaterThan(0);
    expect(m.net.length).toBeGreaterThan(0);
  });

  it('an empty or broken run directory still gives a page that says what is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftchart-viewer-empty-'));
    writeFileSync(join(dir, 'results.json'), '{ not json');
    const m = modelFromRunDir(dir);
    expect(m.steps.length).toBe(1); // the end
    expect(m.notes.join(' ')).toMatch(/results\.json unreadable/);
    expect(m.notes.join(' ')).toMatch(/no history/);
    expect(m.notes.join(' ')).toMatch(/no node logs/);
    expect(() => renderViewerHtml(m)).not.toThrow();
  });
});

describe('the page', () => {
  it('is self-contained: no external URL, the model round-trips, and text cannot close the script', () => {
    const m: ViewerModel = modelFromTrace(
      [JSON.stringify({ header: true, servers: ['n0'] }), JSON.stringify({ kind: 'weird', t: 1, node: 'n0', text: '</script><script>alert(1)</script>' })],
      chartData(),
      { title: '</title>x' },
    );
    const html = renderViewerHtml(m);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(http/);
    expect(html.match(/<\/script>/g)!.length).toBe(2); // the data's and the code's own
    const data = /<script type="application\/json" id="run-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(data)).toEqual(m);
    expect(html).toContain('<title>raftchart viewer: &lt;/title&gt;x</title>');
  });

  it('carries the chart drawing of docs/chart.svg, with data-cid for ids and no links', () => {
    const svg = readFileSync(join(root, 'docs', 'chart.svg'), 'utf8');
    expect(viewerAssets().chartSvg).toBe(svg); // run `npm run build` after `npm run chart`
    const t = chartTemplate(svg);
    expect(t).not.toMatch(/\sid="/);
    expect(t).not.toMatch(/xlink:href/);
    for (const tr of transitions) expect(t).toMatch(new RegExp(`data-cid="(a_)?transition_${tr.name}"`));
  });
});
