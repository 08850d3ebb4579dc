// Holds machines/actions.ts to its declaration in spec/action-writes.ts, on
// which the mirror check rests: simulated clusters run with every chart
// action wrapped, and each write an action makes (a context field it
// assigns, the log it changes in place and where the log starts (its
// snapshot index and term), the kinds of effects it emits) must
// be declared; each declared write must be seen at least once, so that the
// declaration is exact, not merely safe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions } from '../../machines/actions.ts';
import { initialContext, type Effect, type MessageEvent } from '../../machines/context.ts';
import { actionWrites, type Write } from '../../spec/action-writes.ts';
import { events } from '../../spec/chart.ts';
import { RaftLog } from '../../src/core/log.ts';
import { FAULTS } from '../../src/sim/network.ts';
import { runSimulation } from '../../src/sim/simulation.ts';

const RAFT_REPLIES = new Set<string>(events.filter((e) => e.endsWith('_res')));

/** The kind of write an effect is (undefined: a log line, not a write). */
export function effectWrite(e: Effect): Write | undefined {
  switch (e.kind) {
    case 'send':
      return 'send';
    case 'reply':
      if (RAFT_REPLIES.has(e.body.type)) return 'send';
      return e.body.type === 'error' && e.body.code === 11 ? 'refuse' : 'answer';
    case 'proxy':
      // with our term: a forwarded read, the spec's ForwardedRead message
      return e.term === undefined ? 'proxy' : 'forward';
    case 'apply':
    case 'track':
    case 'read':
    case 'sendSnapshot':
    case 'restore':
      return e.kind;
    default:
      return undefined;
  }
}

const flags = { log: false };
const seen = new Map<string, Set<Write>>();
const undeclared: string[] = [];
const restore: (() => void)[] = [];

function patch<T extends object>(obj: T, key: keyof T & string, make: (orig: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown): void {
  const orig = obj[key] as unknown as (...a: unknown[]) => unknown;
  (obj as Record<string, unknown>)[key] = make(orig);
  restore.push(() => {
    (obj as Record<string, unknown>)[key] = orig;
  });
}

beforeAll(() => {
  for (const m of ['append', 'appendFrom', 'truncateFrom', 'installSnapshot', 'compactTo'] as const) {
    patch(RaftLog.prototype, m, (orig) =>
      function (this: unknown, ...a: unknown[]) {
        flags.log = true;
        return orig.apply(this, a);
      },
    );
  }
  for (const name of Object.keys(actions)) {
    patch(actions as Record<string, unknown>, name, (orig) => (ctx: unknown, ev: unknown) => {
      flags.log = false;
      const log = (ctx as { log?: RaftLog }).log;
      const start = log ? [log.snapshotIndex, log.snapshotTerm] : undefined;
      const result = orig(ctx, ev as MessageEvent) as { assign?: object; effects?: readonly Effect[] };
      const writes = new Set<Write>();
      for (const k of Object.keys(result.assign ?? {})) writes.add(k as Write);
      if (flags.log) writes.add('log');
      if (log && start && (log.snapshotIndex !== start[0] || log.snapshotTerm !== start[1])) writes.add('logStart');
      for (const e of result.effects ?? []) {
        const w = effectWrite(e);
        if (w) writes.add(w);
      }
      const set = seen.get(name) ?? new Set<Write>();
      for (const w of writes) {
        set.add(w);
        const msg = `${name} wrote ${w}, which spec/action-writes.ts does not declare`;
        if (!(actionWrites[name] ?? []).includes(w) && !undeclared.includes(msg)) undeclared.push(msg);
      }
      seen.set(name, set);
      return result;
    });
  }
});

afterAll(() => {
  for (const r of restore.reverse()) r();
});

describe('spec/action-writes.ts against machines/actions.ts', () => {
  it('declares every action of the machine, and nothing else', () => {
    const declared = Object.keys(actionWrites).filter((a) => a !== 'reprocessEvent');
    expect(declared.sort()).toEqual(Object.keys(actions).sort());
  });

  it('every write an action makes in simulated runs is declared, and every declared write happens', { timeout: 240_000 }, () => {
    let runs = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const r = runSimulation({ seed, duration: 8, recovery: 2, faults: [...FAULTS], checkLinearizability: false });
      expect(r.violation, `seed ${seed}`).toBeUndefined();
      runs++;
    }
    // Local reads (RAFT_READS=local, the unsafe exercise) are off by default: one run with them on.
    const local = runSimulation({ seed: 1, duration: 8, recovery: 2, faults: [...FAULTS], checkLinearizability: false, config: { reads: 'local', txnReads: 'local' } });
    expect(local.violation).toBeUndefined();
    runs++;
    // Leader leases (RAFT_READS=lease) are off by default too: one run with them on.
    const lease = runSimulation({ seed: 2, duration: 8, recovery: 2, faults: [...FAULTS], checkLinearizability: false, config: { reads: 'lease', txnReads: 'lease' } });
    expect(lease.violation).toBeUndefined();
    runs++;
    expect(runs).toBe(32);
    // A stale InstallSnapshot is rare in short runs: its refusal is run once directly.
    if (!seen.has('rejectSnapshot')) {
      const ctx = initialContext({ self: 'n0', nodes: ['n0', 'n1', 'n2'] });
      (actions as Record<string, (c: unknown, e: unknown) => unknown>).rejectSnapshot!({ ...ctx, term: 2 }, {
        type: 'install_snapshot',
        src: 'n1',
        body: { type: 'install_snapshot', term: 1, msg_id: 7, last_included_index: 3, last_included_term: 1, data: '' },
      });
    }
    expect(undeclared).toEqual([]);
    const missing: string[] = [];
    for (const [name, writes] of Object.entries(actionWrites)) {
      if (name === 'reprocessEvent') continue;
      for (const w of writes) if (!seen.get(name)?.has(w)) missing.push(`${name}: ${w} declared but never written`);
    }
    expect(missing).toEqual([]);
  });

  it('catches an action that writes what it does not declare (known-bad declaration)', () => {
    // The same observations, checked against a declaration that forgot a write.
    const forgot = { ...actionWrites, grantVote: ['send'] as Write[] };
    const observed = seen.get('grantVote') ?? new Set<Write>();
    expect([...observed].filter((w) => !forgot.grantVote!.includes(w))).toEqual(['votedFor']);
  });
});
