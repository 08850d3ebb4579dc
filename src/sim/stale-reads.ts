// Stale reads explained (RAFT_READS=local). When the linearizability checker
// rejects a lin-kv history, it names the operations that cannot be ordered;
// this witness adds what the simulator alone knows: which node answered each
// of those reads, how far that node had applied the log when it answered, and
// which committed writes it had not applied though they were committed before
// the read began -- the write it missed -- and whether it was cut off from
// the leader that committed them at that moment.
//
// It only observes (no random draw, no change to the run), so a seed replays
// the same with or without it.

import type { Message, RaftNode } from '../maelstrom/node.js';
import type { HistoryEvent, LinearizabilityFailure } from '../bench/types.js';
import type { Op } from '../core/state-machine.js';
import { sameValue } from '../core/state-machine.js';

/** A node's state when it answered a read. */
interface Answer {
  readonly t: number;
  readonly node: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly lastApplied: number;
  /** Servers whose messages to the node were being dropped by a partition. */
  readonly cutOffFrom: readonly string[];
}

/** When each log index was first committed, by which leader, and what it holds. */
interface Commit {
  readonly t: number;
  readonly by: string;
  readonly term: number;
  /** Undefined if it was compacted into a snapshot before it could be read. */
  readonly op: Op | undefined;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(3)}s`;
const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

function describeEntry(op: Op | undefined): string {
  if (op === undefined) return '?';
  switch (op.f) {
    case 'write':
      return `write ${show(op.value)}`;
    case 'cas':
      return `cas ${show(op.from)} -> ${show(op.to)}`;
    default:
      return op.f;
  }
}

export class ReadWitness {
  private readonly answers = new Map<string, Answer>();
  /** commits[i]: log index i (index 0 unused). */
  private readonly commits: (Commit | undefined)[] = [];
  private maxCommitted = 0;
  /** Entries seen above the committed index, by index and term. */
  private readonly pending = new Map<number, Map<number, Op>>();

  constructor(
    private readonly servers: readonly string[],
    private readonly blocked: () => ReadonlySet<string>,
    private readonly heartbeatMs: number,
  ) {}

  /** A message a node sends: a read's answer to a client is recorded with the node's state. */
  sent(node: RaftNode, msg: Message, now: number): void {
    if (this.servers.includes(msg.dest) || msg.body.in_reply_to === undefined) return;
    if (msg.body.type !== 'read_ok' && !(msg.body.type === 'error' && msg.body.code === 20)) return;
    const ctx = node.context;
    if (!ctx) return;
    const blocked = this.blocked();
    this.answers.set(`${msg.dest}#${msg.body.in_reply_to}`, {
      t: now,
      node: msg.src,
      role: node.role ?? '?',
      term: ctx.term,
      leader: ctx.leader,
      lastApplied: ctx.lastApplied,
      cutOffFrom: this.servers.filter((s) => s !== msg.src && blocked.has(`${s}>${msg.src}`)),
    });
  }

  /**
   * After a step at a node: entries it holds above the committed index are
   * noted (by index and term), and a leader's commit index that rose commits
   * the entries it covers. Noting them first matters: a leader may commit,
   * apply and compact entries into a snapshot in one step, but every entry
   * sat uncommitted in some node's log at the end of an earlier step.
   */
  stepped(node: RaftNode, now: number): void {
    const ctx = node.context;
    if (!ctx) return;
    const log = ctx.log;
    for (let i = Math.max(this.maxCommitted + 1, log.snapshotIndex + 1); i <= log.lastIndex; i++) {
      const e = log.entry(i);
      let byTerm = this.pending.get(i);
      if (!byTerm) this.pending.set(i, (byTerm = new Map()));
      byTerm.set(e.term, e.op);
    }
    if (node.role !== 'leader' || ctx.commitIndex <= this.maxCommitted) return;
    for (let i = this.maxCommitted + 1; i <= ctx.commitIndex; i++) {
      let op: Op | undefined;
      if (log.has(i)) op = log.entry(i).op;
      else {
        // Compacted already: the entry noted at this index (one term only, or we cannot tell).
        const byTerm = this.pending.get(i);
        if (byTerm?.size === 1) op = [...byTerm.values()][0];
      }
      this.commits[i] = { t: now, by: node.id!, term: ctx.term, op };
      this.pending.delete(i);
    }
    this.maxCommitted = ctx.commitIndex;
  }

  /**
   * Lines that explain the stale reads among a failure's operations: for each
   * ok read, who answered it and which committed change of the key it had not
   * applied though it was committed before the read was invoked.
   */
  explain(history: readonly HistoryEvent[], failure: LinearizabilityFailure): string[] {
    const lines: string[] = [];
    // A client's k-th invocation carried msg_id k (src/sim/workload.ts numbers them so).
    const msgIds = new Map<number, number>();
    const count = new Map<string, number>();
    for (const ev of history) {
      if (ev.type !== 'invoke') continue;
      const n = (count.get(ev.client) ?? 0) + 1;
      count.set(ev.client, n);
      msgIds.set(ev.index, n);
    }
    for (const id of failure.ops) {
      const inv = history[id];
      if (!inv || inv.f !== 'read') continue;
      const done = history.find((e) => e.index > id && e.process === inv.process && e.type !== 'invoke');
      if (!done || done.type !== 'ok') continue;
      const a = this.answers.get(`${inv.client}#${msgIds.get(id)}`);
      if (!a) continue;
      const invokedAt = inv.time / 1e6;
      // The key's changes, replayed over the committed log.
      const changes: { index: number; value: unknown; c: Commit }[] = [];
      let value: unknown;
      let present = false;
      let unknown = 0;
      for (let i = 1; i <= this.maxCommitted; i++) {
        const c = this.commits[i];
        if (!c) continue;
        const op = c.op;
        if (op === undefined) {
          unknown++;
          continue;
        }
        if ((op.f === 'write' || op.f === 'cas') && op.key === failure.key) {
          if (op.f === 'write') {
            value = op.value;
            present = true;
            changes.push({ index: i, value, c });
          } else if (present && sameValue(value, op.from)) {
            value = op.to;
            changes.push({ index: i, value, c });
          }
        }
      }
      if (unknown > 0) {
        lines.push(`${inv.client}'s read of key ${failure.key} (history #${id}): ${unknown} committed entries were compacted before the simulator could read them; no explanation.`);
        continue;
      }
      const missed = changes.filter((ch) => ch.index > a.lastApplied && ch.c.t < invokedAt);
      const who = `${inv.client}'s read of key ${failure.key} (history #${id}, ${show(done.value ?? undefined)} between ${secs(invokedAt)} and ${secs(done.time / 1e6)})`;
      const state = `${a.node} answered it at ${secs(a.t)} from its own state machine, as ${a.role} of term ${a.term}${a.leader ? ` following ${a.leader}` : ''}, with the log applied up to index ${a.lastApplied}`;
      if (missed.length === 0) {
        lines.push(`${who}: ${state}; it missed no change committed before the read began.`);
        continue;
      }
      const last = missed[missed.length - 1]!;
      const list = missed.map((m) => `entry ${m.index} (${describeEntry(m.c.op)}, committed by ${m.c.by} in term ${m.c.term} at ${secs(m.c.t)})`).join(', ');
      const by = last.c.by;
      const lag = Math.round(a.t - last.c.t);
      let why: string;
      if (a.cutOffFrom.includes(by)) {
        why =
          `A partition cut ${a.node} off from ${by} then: it could not learn of the commit at all` +
          (a.role === 'leader' ? `, and still took itself for the leader of term ${a.term} (${by} led term ${last.c.term}).` : '.');
      } else if (a.role === 'leader' && a.node !== by) {
        why = `${a.node} still took itself for the leader of term ${a.term}, while ${by} led term ${last.c.term}: a local read skips the check that it still leads.`;
      } else if (a.leader === by) {
        why =
          `${a.node} follows ${by}, but learns of a commit only from ${by}'s next AppendEntries (a heartbeat every ${this.heartbeatMs} ms, or the next entries), ` +
          `and a local read does not wait for it: ${lag} ms after the commit, it had not heard.`;
      } else {
        why = `${a.node} had not heard of ${by}'s commit ${lag} ms after it (${a.leader ? `it followed ${a.leader}` : 'it knew no leader'}), and a local read does not ask.`;
      }
      lines.push(
        `${who}: ${state}. It had not applied ${list}, though ${missed.length > 1 ? 'they were' : 'it was'} committed before the read began, ` +
          `so it answered ${show(done.value ?? undefined)} where key ${failure.key} held ${show(last.value)}. ${why}`,
      );
    }
    return lines;
  }
}
