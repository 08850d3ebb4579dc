// The runtime: interprets the Raft chart for one node. It runs the XState
// actor, fed with events (Raft messages and client requests, already
// validated by the protocol layer) and with timer expiries from an injected
// clock, and carries out what the chart asks for, in the order it asked:
// messages go to a host (the Maelstrom protocol layer), committed entries
// are applied to the state machine this runtime owns, and the clients it
// tracks are answered from the results.
//
// It knows nothing of stdin/stdout nor of the Maelstrom envelope: the binary,
// the simulator and the tests wire it through src/maelstrom/node.ts.

import { createActor, type Actor, type InspectionEvent } from 'xstate';
import type { Role } from '../../spec/chart.js';
import type { Effect, EffectsEmitted, MessageEvent, RaftConfig, RaftContext } from '../../machines/index.js';
import { createRaftMachine, type MachineOverrides, type RaftMachine } from '../../machines/raft.js';
import { guards } from '../../machines/guards.js';
import type { Op } from '../core/state-machine.js';
import { errorBody, KvStateMachine, type ReplyBody } from '../core/state-machine.js';
import { ErrorCode } from '../core/errors.js';
import type { LogTracker } from '../core/log.js';
import type { DurableState, HardState, Snapshot, Storage, StorageUpdate } from '../core/storage.js';
import type { Clock } from './clock.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** Where the runtime's output goes: the protocol layer assigns msg_ids and writes messages. */
export interface RuntimeHost {
  /** A new message to a peer. */
  send(to: string, body: ReplyBody): void;
  /** An answer to a message. */
  reply(to: string, inReplyTo: number, body: ReplyBody): void;
  /**
   * Forward a client request to the leader and relay its answer to `client`;
   * a forwarded read goes with our term (`term`, the request's `proxy_term`).
   */
  proxy(leader: string, client: string, inReplyTo: number | undefined, body: ReplyBody, term?: number): void;
  log(level: LogLevel, text: string): void;
  /**
   * What the runtime handed over so far in this batch may go out now: it is
   * about to make the batch durable (fsync), and none of it depends on what
   * it saves (RaftRuntime.beforeSync: client answers from committed state,
   * and a leader's AppendEntries). The host writes it out before it returns
   * (the binary flushes its buffered output). Without it, everything waits
   * for the fsync.
   */
  beforeSync?(): void;
}

/** Replies that answer a client (a Raft response never goes before the fsync). */
const CLIENT_ANSWERS: ReadonlySet<string> = new Set(['error', 'read_ok', 'write_ok', 'cas_ok', 'txn_ok']);

/** One chart transition taken, as reported to `onTransition`. */
export interface TransitionStep {
  /** The transition's name in spec/chart.ts. */
  readonly name: string;
  /** The event that selected it (a message event, a timer's `xstate.after.*`, or the message re-raised). */
  readonly event: { readonly type: string; readonly src?: string; readonly body?: MessageEvent['body'] };
  readonly role: Role;
  readonly context: RaftContext;
}

export interface RuntimeOptions {
  readonly self: string;
  readonly nodes: readonly string[];
  readonly config?: Partial<RaftConfig>;
  /** Seed of the election-timeout draws. */
  readonly seed?: number;
  readonly clock: Clock;
  readonly host: RuntimeHost;
  /** Test-only machine variants (the simulator's bug hunts). */
  readonly overrides?: MachineOverrides;
  /** Called for every chart transition taken; turns on XState inspection. */
  readonly onTransition?: (step: TransitionStep) => void;
  /**
   * Durable storage for term, vote and log. Without it the node keeps them in
   * memory only (a restart comes back empty).
   */
  readonly storage?: Storage;
  /** What the storage held when the node started (it starts from it, through the chart's `restart`). */
  readonly recovered?: DurableState;
  /** Called when the node cannot go on safely (storage failed): it has stopped and sent nothing more. */
  readonly onFatal?: (why: string) => void;
}

/** Rewrite the write-ahead log whole once this much was appended (and at least its last whole size). */
const REWRITE_AFTER_BYTES = 16 * 1024 * 1024;

/** A client waiting for the entry it asked for to be applied. */
interface Waiting {
  readonly term: number;
  readonly to: string;
  readonly inReplyTo: number;
}

const FLUSH = (self: string): MessageEvent => ({ type: 'flush', src: self, body: { type: 'flush' } });

export class RaftRuntime {
  readonly stateMachine = new KvStateMachine();
  private applied = 0;
  private readonly waiting = new Map<number, Waiting>();
  private readonly actor: Actor<RaftMachine>;
  private batch: Effect[] = [];
  private lastRole: Role | undefined;
  private lastTerm = -1;
  /** Nested `hold` calls: while above 0, effects and persistence wait for the end of the batch. */
  private holds = 0;
  private failed = false;
  /** RAFT_BATCH_MS: the timer after which a leader's waiting `flush` goes, and whether it went off. */
  private flushTimer: unknown = undefined;
  private flushWaited = false;
  private durable: HardState;
  /** The snapshot index the storage's log starts after. */
  private durableBase = 0;
  /** The last log index the storage holds (as of the last save, snapshot or restore). */
  private durableLast = 0;
  /** Whether the node was leader when its previous step ended (the role at the start of this batch). */
  private leaderBefore = false;
  private readonly logChanges: LogTracker;
  /** The latest snapshot of the state machine (taken here, or installed from the leader). */
  private snapshot: Snapshot | undefined;
  /** Figures a benchmark or test may read. */
  readonly persistStats = { saves: 0, rewrites: 0, snapshots: 0, snapshotsInstalled: 0, snapshotsSent: 0 };

  constructor(private readonly opts: RuntimeOptions) {
    const machine = createRaftMachine(opts.overrides);
    const snap = opts.recovered?.snapshot;
    if (snap) {
      // Restarting from a snapshot: the state machine is as it was at its index.
      this.stateMachine.restore(snap.data);
      this.applied = snap.index;
      this.snapshot = snap;
      this.durableBase = snap.index;
    }
    this.actor = createActor(machine, {
      input: {
        self: opts.self,
        nodes: opts.nodes,
        config: opts.config,
        seed: opts.seed,
        startedAt: opts.clock.now(),
        ...(opts.recovered
          ? { recovered: { hardState: opts.recovered.hardState, entries: opts.recovered.entries, ...(snap ? { snapshot: { index: snap.index, term: snap.term } } : {}) } }
          : {}),
      },
      clock: opts.clock,
      ...(opts.onTransition ? { inspect: (ev: InspectionEvent) => this.inspected(ev) } : {}),
    });
    this.durable = opts.recovered?.hardState ?? { term: 0, votedFor: null };
    // Changes to the log from here on are what the storage has not seen.
    this.logChanges = this.actor.getSnapshot().context.raft.log.track();
    this.durableLast = this.actor.getSnapshot().context.raft.log.lastIndex;
    // Effects are emitted at the end of a macrostep, then observers are told:
    // gather them, then carry them out as one batch.
    this.actor.on('effects', (e: EffectsEmitted) => {
      for (const x of e.effects) this.batch.push(x);
    });
    this.actor.subscribe({
      next: () => this.endOfStep(),
      error: (err) => opts.host.log('error', `chart actor error: ${String(err)}`),
    });
    this.actor.start();
  }

  get role(): Role {
    return this.actor.getSnapshot().value as Role;
  }

  get context(): RaftContext {
    return this.actor.getSnapshot().context.raft;
  }

  /** The index up to which entries have been applied to the state machine. */
  get appliedIndex(): number {
    return this.applied;
  }

  /** Clients waiting for their entries (bounded by the protocol layer's admission). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Hands one event to the chart (a batch of one, unless inside batchOf). */
  deliver(event: MessageEvent): void {
    if (this.failed) return;
    this.holds++;
    try {
      this.send(event);
    } finally {
      this.release();
    }
  }

  private send(event: MessageEvent): void {
    // Every event carries its time on the node's clock (leases count on it).
    this.actor.send({ ...event, at: this.opts.clock.now() });
    const snap = this.actor.getSnapshot();
    if (snap.status !== 'active') this.opts.host.log('error', `the chart actor stopped (${snap.status}): ${String(snap.error)}`);
  }

  stop(): void {
    if (this.flushTimer !== undefined) this.opts.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.actor.stop();
  }

  /**
   * Runs `fn` (which may hand the chart many events) as one batch: what must
   * be persisted is saved once, with one fsync, at the end, then every effect
   * is carried out in order (group commit).
   */
  batchOf<T>(fn: () => T): T {
    this.holds++;
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  /**
   * The end of a batch: a leader is told (`flush`) that every event of the
   * batch is in, so that it sends each follower what the batch made due in
   * one AppendEntries rather than one per event; then the step ends.
   */
  private release(): void {
    if (this.holds === 1 && !this.failed && this.role === 'leader') this.endOfBatch();
    if (--this.holds === 0) this.endOfStep();
  }

  /**
   * A leader's `flush`: at once, or with a batch wait (RAFT_BATCH_MS), once
   * that long has passed since the first batch that left it anything to send
   * (entries due to a follower, or reads to confirm); batches in between add
   * to what the one `flush` sends.
   */
  private endOfBatch(): void {
    const wait = this.context.config.batchWaitMs;
    if (wait <= 0 || this.flushWaited) {
      this.flushWaited = false;
      this.send(FLUSH(this.opts.self));
      return;
    }
    if (this.flushTimer !== undefined) return;
    if (!guards.hasReplicationWork(this.context) && !guards.hasUnsentReadRound(this.context)) return;
    this.flushTimer = this.opts.clock.setTimeout(() => {
      this.flushTimer = undefined;
      if (this.failed || this.role !== 'leader') return;
      this.flushWaited = true;
      this.batchOf(() => undefined);
    }, wait);
  }

  /**
   * After a macrostep (or a batch of them): first make durable what changed
   * (term, vote, log entries), then carry out the effects in the order the
   * chart emitted them. Nothing leaves the node before what it depends on is
   * on disk: a vote granted, an AppendEntries acknowledged, a leader's own
   * entry counted in a quorum and answered. What depends on nothing the
   * batch saves goes before the fsync (beforeSync).
   */
  private endOfStep(): void {
    if (this.holds > 0 || this.failed) return;
    let effects = this.batch;
    this.batch = [];
    if (this.opts.host.beforeSync && this.opts.nodes.length > 1 && this.saveDue()) effects = this.beforeSync(effects);
    if (this.failed) return;
    try {
      this.persist();
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const e of effects) this.perform(e);
    this.leaderBefore = this.role === 'leader';
    this.observe();
    this.maybeSnapshot();
  }

  /**
   * Once enough applied entries are not in a snapshot: snapshot the state
   * machine at the applied index, make it durable (the storage then drops
   * the log it covers), and tell the chart, which compacts its log.
   */
  private maybeSnapshot(force = false): void {
    if (this.failed || this.holds > 0) return;
    const ctx = this.context;
    const index = this.applied;
    if (index - ctx.log.snapshotIndex < (force ? 1 : ctx.config.snapshotEntries) || !ctx.log.has(index)) return;
    const snap: Snapshot = { index, term: ctx.log.termAt(index)!, data: this.stateMachine.snapshot() };
    try {
      this.opts.storage?.saveSnapshot(snap, { term: ctx.term, votedFor: ctx.votedFor }, ctx.log.slice(index + 1, Infinity));
    } catch (err) {
      this.fail(err);
      return;
    }
    this.durable = { term: ctx.term, votedFor: ctx.votedFor };
    this.durableBase = index;
    this.durableLast = ctx.log.lastIndex;
    this.logChanges.take();
    this.snapshot = snap;
    this.persistStats.snapshots++;
    this.opts.host.log('info', `snapshot index=${index} term=${snap.term} bytes=${snap.data.length} entries=${index - ctx.log.snapshotIndex}`);
    this.deliver({ type: 'snapshot_taken', src: this.opts.self, body: { type: 'snapshot_taken', index, term: snap.term } });
  }

  /** Takes a snapshot now if anything applied is not in one (tests; an operator's command). */
  snapshotNow(): void {
    this.maybeSnapshot(true);
  }

  private fail(err: unknown, cause = 'storage failed'): void {
    // Never send what depends on state that did not reach the disk (or that would diverge).
    this.failed = true;
    this.batch = [];
    const why = err instanceof Error ? err.message : String(err);
    this.opts.host.log('error', `${cause}, node stops: ${why}`);
    this.actor.stop();
    this.opts.onFatal?.(`${cause}: ${why}`);
  }

  /** Whether persist() has anything to save (an fsync is coming). */
  private saveDue(): boolean {
    if (!this.opts.storage) return false;
    const ctx = this.context;
    if (ctx.term !== this.durable.term || ctx.votedFor !== this.durable.votedFor) return true;
    return ctx.log.snapshotIndex === this.durableBase && this.logChanges.peek() !== Infinity;
  }

  /**
   * Before a batch's fsync: carry out the effects that depend on nothing the
   * fsync makes durable, let the host send what they produced and what it
   * holds of its own (beforeSync: a follower relays the leader's answers to
   * its clients), and return the rest, in order, for after the fsync. Two
   * kinds go first.
   *
   * Client answers from committed state (applying committed entries and
   * answering those who wait for them, reads, errors to clients): a
   * client's answer then does not wait for the fsync of entries that other
   * requests of the same batch appended, nor a relayed answer the fsync of
   * the AppendEntries that came with it. Safe with two or more servers (the
   * caller checks): an entry commits only once a follower acknowledged it,
   * which it can do only after this leader sent it, which happens only once
   * the batch that appended it ended, fsync included (the fsync is
   * synchronous: no input is handled before it returns); so what a
   * committed answer rests on is already on this disk and on a majority's.
   * Order is kept where it matters: an `apply` that could reach an index a
   * `track` of this batch registers waits, and so does every state-machine
   * effect after it; a snapshot restored in the batch keeps everything in
   * order. (The first rule alone already keeps a single server's answers
   * after its fsync, where an entry commits in the batch that appends it;
   * the caller's two-server condition says the same for the whole method.)
   *
   * A leader's AppendEntries (config leaderSync `parallel`, Raft thesis 10.2.1),
   * when the batch only appended entries past what is durable while the
   * node led throughout (leader before and after, term and vote unchanged,
   * so already durable): the leader writes its disk while they travel. It
   * still counts itself in a commit quorum only for durable entries: by the
   * argument above, an entry a follower acknowledged was synced here before
   * the acknowledgement could arrive. A crash between the send and the fsync
   * loses entries followers may hold; they were not committed, and the
   * restarted node is a follower of the same term with its vote kept, so
   * neither it nor anyone else leads that term again (tla/Raft.tla Restart).
   * Votes, acknowledgements and every other Raft message wait for the fsync.
   */
  private beforeSync(effects: Effect[]): Effect[] {
    let tracked = Infinity;
    for (const e of effects) {
      if (e.kind === 'restore') return effects;
      if (e.kind === 'track' && e.index < tracked) tracked = e.index;
    }
    const appends = this.appendsMayGoFirst();
    const rest: Effect[] = [];
    let held = false;
    for (const e of effects) {
      const first =
        e.kind === 'reply'
          ? CLIENT_ANSWERS.has(e.body.type)
          : e.kind === 'send'
            ? appends && e.body.type === 'append_entries'
            : e.kind === 'apply'
              ? !held && e.upTo < tracked
              : (e.kind === 'read' || e.kind === 'readTxn') && !held;
      if (first) {
        this.perform(e);
      } else {
        if (e.kind === 'apply') held = true;
        rest.push(e);
      }
    }
    // Even with nothing of ours: the host may hold answers of its own (a
    // follower relaying the leader's answers to its clients).
    if (!this.failed) this.opts.host.beforeSync!();
    return rest;
  }

  /**
   * Whether this batch's AppendEntries may go before its fsync: the node led
   * before the batch and leads after it, its term and vote are the durable
   * ones, and its log only grew past what is durable (no snapshot since).
   */
  private appendsMayGoFirst(): boolean {
    if (this.context.config.leaderSync !== 'parallel') return false;
    if (!this.leaderBefore || this.role !== 'leader') return false;
    const ctx = this.context;
    if (ctx.term !== this.durable.term || ctx.votedFor !== this.durable.votedFor) return false;
    return ctx.log.snapshotIndex === this.durableBase && this.logChanges.peek() > this.durableLast;
  }

  /** Saves the hard state and the log from its lowest changed index, if anything changed. */
  private persist(): void {
    const storage = this.opts.storage;
    if (!storage) return;
    const ctx = this.context;
    const hs: HardState = { term: ctx.term, votedFor: ctx.votedFor };
    const hsChanged = hs.term !== this.durable.term || hs.votedFor !== this.durable.votedFor;
    // A log that now starts after another snapshot (one the leader sent) is
    // written whole by the `restore` effect; only the hard state goes now.
    const rebased = ctx.log.snapshotIndex !== this.durableBase;
    const from = rebased ? Infinity : this.logChanges.take();
    if (!hsChanged && from === Infinity) return;
    const update: { -readonly [K in keyof StorageUpdate]: StorageUpdate[K] } = {};
    if (hsChanged) update.hardState = hs;
    if (from !== Infinity) {
      const f = Math.min(from, ctx.log.lastIndex + 1);
      update.from = f;
      update.entries = ctx.log.slice(f, Infinity);
    }
    storage.save(update);
    this.durable = hs;
    if (!rebased) this.durableLast = ctx.log.lastIndex;
    this.persistStats.saves++;
    if (!rebased && storage.appendedBytes > Math.max(REWRITE_AFTER_BYTES, storage.rewrittenBytes)) {
      storage.rewrite({ hardState: hs, ...(this.snapshot && this.snapshot.index === this.durableBase ? { snapshot: this.snapshot } : {}), entries: ctx.log.slice(ctx.log.snapshotIndex + 1, Infinity) });
      this.persistStats.rewrites++;
    }
  }

  private perform(e: Effect): void {
    if (this.failed) return;
    const host = this.opts.host;
    switch (e.kind) {
      case 'send':
        host.send(e.to, e.body);
        break;
      case 'reply':
        host.reply(e.to, e.inReplyTo, e.body);
        break;
      case 'proxy':
        host.proxy(e.to, e.client, e.inReplyTo, e.body, e.term);
        break;
      case 'log':
        host.log(e.level, e.text);
        break;
      case 'track':
        this.waiting.set(e.index, { term: e.term, to: e.to, inReplyTo: e.inReplyTo });
        break;
      case 'apply':
        this.applyUpTo(e.from, e.upTo, e.entries);
        break;
      case 'sendSnapshot':
        this.sendSnapshot(e.to);
        break;
      case 'restore':
        this.restore({ index: e.index, term: e.term, data: e.data });
        break;
      case 'read': {
        if (this.leaseEnded(e)) break;
        const found = this.stateMachine.peek(e.key);
        host.reply(
          e.to,
          e.inReplyTo,
          found.found ? { type: 'read_ok', value: found.value } : errorBody(ErrorCode.KeyDoesNotExist, `key ${String(e.key)} does not exist`),
        );
        break;
      }
      case 'readTxn':
        if (this.leaseEnded(e)) break;
        host.reply(e.to, e.inReplyTo, this.stateMachine.readOnly(e.txn));
        break;
    }
  }

  /**
   * A lease read whose lease ran out before its answer could be written (a
   * slow disk write in the same batch): answer 11 instead, which is safe for
   * a read (nothing changed).
   */
  private leaseEnded(e: { readonly to: string; readonly inReplyTo: number; readonly leaseUntil?: number }): boolean {
    if (e.leaseUntil === undefined || this.opts.clock.now() < e.leaseUntil) return false;
    this.opts.host.reply(e.to, e.inReplyTo, errorBody(ErrorCode.TemporarilyUnavailable, 'the leader lease ended before the read was answered'));
    return true;
  }

  /** Our latest snapshot to a follower, in chunks of at most snapshotChunkBytes characters of data each. */
  private sendSnapshot(to: string): void {
    const snap = this.snapshot;
    const ctx = this.context;
    if (!snap || snap.index !== ctx.log.snapshotIndex) {
      this.opts.host.log('warn', `no snapshot at index ${ctx.log.snapshotIndex} to send to ${to}`);
      return;
    }
    const size = Math.max(1, ctx.config.snapshotChunkBytes);
    this.persistStats.snapshotsSent++;
    for (let offset = 0; ; offset += size) {
      const done = offset + size >= snap.data.length;
      this.opts.host.send(to, {
        type: 'install_snapshot',
        term: ctx.term,
        leader_id: ctx.self,
        last_included_index: snap.index,
        last_included_term: snap.term,
        offset,
        data: snap.data.slice(offset, offset + size),
        done,
      });
      if (done) break;
    }
  }

  /**
   * A snapshot from the leader replaces the state machine; it becomes durable
   * (the storage's log rewritten to start after it) before anything that
   * follows it in the batch, its acknowledgement included, goes out.
   */
  private restore(snap: Snapshot): void {
    try {
      this.stateMachine.restore(snap.data);
    } catch (err) {
      // The protocol layer checked the data; if it still does not restore, going on would diverge.
      this.fail(err);
      return;
    }
    this.applied = snap.index;
    for (const index of [...this.waiting.keys()]) if (index <= snap.index) this.waiting.delete(index);
    this.snapshot = snap;
    this.persistStats.snapshotsInstalled++;
    this.opts.host.log('info', `installed snapshot index=${snap.index} term=${snap.term} bytes=${snap.data.length}`);
    const ctx = this.context;
    try {
      this.opts.storage?.saveSnapshot(snap, { term: ctx.term, votedFor: ctx.votedFor }, ctx.log.slice(snap.index + 1, Infinity));
    } catch (err) {
      this.fail(err);
      return;
    }
    this.durable = { term: ctx.term, votedFor: ctx.votedFor };
    this.durableBase = snap.index;
    this.durableLast = ctx.log.lastIndex;
    this.logChanges.take();
  }

  /**
   * Applies entries one at a time, each exactly once: the applied index moves
   * past an entry before its result is used, and the state machine never
   * throws, so no failure can make an entry apply twice or stall the rest.
   */
  private applyUpTo(from: number, upTo: number, entries: readonly { term: number; op: Op }[]): void {
    if (this.applied < upTo && (this.applied + 1 < from || upTo - from + 1 !== entries.length)) {
      // The chart and the runtime disagree on what was applied: going on would diverge.
      this.fail(new Error(`apply ${from}..${upTo} (${entries.length} entries) does not follow the applied index ${this.applied}`), 'internal error');
      return;
    }
    while (this.applied < upTo) {
      const index = ++this.applied;
      const entry = entries[index - from]!;
      const result = this.stateMachine.apply(entry.op);
      const w = this.waiting.get(index);
      if (w) {
        this.waiting.delete(index);
        // Same index, other term: that client's entry was overwritten and never
        // commits. It gets no answer (it times out: indefinite, always safe).
        if (w.term === entry.term) this.opts.host.reply(w.to, w.inReplyTo, result);
      }
    }
  }

  private inspected(ev: InspectionEvent): void {
    if (ev.type !== '@xstate.microstep') return;
    const micro = ev as InspectionEvent & {
      event: TransitionStep['event'];
      snapshot: { value: unknown; context: { raft: RaftContext } };
      _transitions?: readonly { meta?: { name?: string } }[];
    };
    for (const t of micro._transitions ?? []) {
      const name = t.meta?.name;
      if (name === undefined) continue;
      this.opts.onTransition!({ name, event: micro.event, role: micro.snapshot.value as Role, context: micro.snapshot.context.raft });
    }
  }

  /** Logs role and term changes in a fixed, parseable form: `role=leader term=3`. */
  private observe(): void {
    const role = this.role;
    const term = this.context.term;
    if (role !== this.lastRole || term !== this.lastTerm) {
      this.lastRole = role;
      this.lastTerm = term;
      this.opts.host.log('info', `role=${role} term=${term}`);
    }
  }
}
