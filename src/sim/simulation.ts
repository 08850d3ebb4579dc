// One deterministic simulation run: a whole raftchart cluster (the real
// machines and runtime, one RaftNode per server) on one VirtualClock, a
// seeded network with faults, a nemesis, and lin-kv or txn-list-append
// clients. After every
// step (one timer: a delivery, a node's timer, a client or nemesis action)
// the Raft invariants are checked on the node the step touched; at the end
// the client history is checked with the bench's checker (linearizability
// for lin-kv, Elle-style strict serializability for txn-list-append). Nothing here reads the wall clock or Math.random: the seed
// decides everything, so a run replays byte for byte.

import { VirtualClock } from '../runtime/clock.js';
import { RaftNode, type Message, type TransitionStep } from '../maelstrom/node.js';
import { checkLinearizable } from '../bench/checker/linearizable.js';
import type { HistoryEvent } from '../bench/types.js';
import type { Effect, RaftConfig } from '../../machines/index.js';
import { BUGS, type BugName, type BugVariant } from './bugs.js';
import { InvariantChecker, type Violation } from './invariants.js';
import { NodeClock, SimNetwork, type FaultName, type StepLabel } from './network.js';
import { Rng } from '../core/random.js';
import { recordingOverrides, TraceWriter } from '../runtime/trace.js';
import { TraceEvents } from './trace-events.js';
import { SimDisk } from './disk.js';
import { openNodeStorage, type Storage } from '../core/storage.js';
import { LinKvClients } from './workload.js';
import { TxnClients } from './txn-workload.js';
import { ReadWitness } from './stale-reads.js';
import { defaultConfig, leaseConfigProblem } from '../../machines/context.js';
import { checkListAppend, type AnomalyName, type ConsistencyModel } from '../bench/checker/list-append.js';
import { toCheckerResult } from '../bench/workloads/txn-list-append.js';

export const SIM_WORKLOADS = ['lin-kv', 'txn-list-append'] as const;
export type SimWorkload = (typeof SIM_WORKLOADS)[number];

export interface SimOptions {
  readonly seed: number;
  readonly nodes: number;
  /** The clients' workload (default lin-kv). */
  readonly workload: SimWorkload;
  /** txn-list-append: the consistency model checked at the end. */
  readonly consistencyModel: ConsistencyModel;
  /** Simulated seconds of client load and faults (a recovery period follows). */
  readonly duration: number;
  readonly faults: readonly FaultName[];
  /** Client operations per simulated second, over all clients. */
  readonly rate: number;
  /** Client threads. */
  readonly concurrency: number;
  readonly clientTimeoutMs: number;
  readonly perKeyLimit: number;
  readonly latencyMs: number;
  /** Probability a server message is lost, with the `loss` fault. */
  readonly lossRate: number;
  /** Mean simulated seconds between nemesis actions (partition, pause). */
  readonly nemesisInterval: number;
  /** Simulated seconds after the load, with faults healed, before the end. */
  readonly recovery: number;
  /** A test-only bug variant of the machine. */
  readonly bug?: BugName;
  readonly config?: Partial<RaftConfig>;
  /** Check linearizability at the end. */
  readonly checkLinearizability: boolean;
  /**
   * Most steps per simulated second per node before the run is stopped as a
   * message storm (a correct cluster takes ~100; a storm is a bug too).
   */
  readonly stepBudget: number;
  /** How many recent steps to keep for the failure trace. */
  readonly recentSteps: number;
  /** Record chart transitions in the recent steps (slower; used to explain a failure). */
  readonly explain?: boolean;
  /** Write an NDJSON trace of chart transitions (slower). */
  readonly trace?: (line: string) => void;
  /** With `trace`: also the viewer's lines (messages, client operations, nemesis, verdicts; src/runtime/trace.ts). */
  readonly traceEvents?: boolean;
}

export const defaultSimOptions: Omit<SimOptions, 'seed'> = {
  nodes: 3,
  workload: 'lin-kv',
  consistencyModel: 'strict-serializable',
  duration: 20,
  faults: [],
  rate: 30,
  concurrency: 6,
  clientTimeoutMs: 2000,
  perKeyLimit: 40,
  latencyMs: 5,
  lossRate: 0.05,
  nemesisInterval: 4,
  recovery: 5,
  checkLinearizability: true,
  stepBudget: 1000,
  recentSteps: 40,
  // Low, so that snapshots, log compaction and InstallSnapshot happen in most runs.
  config: { snapshotEntries: 40 },
};

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violation?: Violation & { readonly time: number; readonly step: number };
  /** Linearizability verdict, lin-kv (undefined when not checked or a violation stopped the run). */
  readonly linearizable?: boolean | 'unknown';
  /** txn-list-append: the verdict under the model checked, and the anomaly classes found. */
  readonly consistency?: { readonly model: ConsistencyModel; readonly valid: boolean | 'unknown'; readonly anomalies: readonly AnomalyName[] };
  readonly linearizabilityProblems: readonly string[];
  /** Readable lines for the last steps before the end (or the violation). */
  readonly recent: readonly string[];
  readonly simSeconds: number;
  readonly steps: number;
  readonly net: SimNetwork['stats'];
  readonly ops: LinKvClients['stats'];
  readonly elections: number;
  readonly maxTerm: number;
  readonly committed: number;
  readonly nemesis: number;
  /** Snapshots taken (log compactions) and installed from a leader, over all nodes. */
  readonly snapshots: number;
  readonly installs: number;
  /** Crash faults: processes that died, restarts, and unsynced bytes a crash left as a torn tail. */
  readonly crashes: number;
  readonly restarts: number;
  readonly tornBytes: number;
  /**
   * Leaders that died in the write making a batch durable after that batch's
   * AppendEntries had gone out (RAFT_LEADER_SYNC=parallel): the window where
   * followers hold entries the restarted leader may have lost.
   */
  readonly crashesAfterSend: number;
  /** Log entries those leaders came back without (sent, not synced). */
  readonly entriesLostAfterSend: number;
}

interface Recent {
  t: number;
  label: StepLabel | undefined;
  node: string | undefined;
  /** role, term, last index, last term, commit, applied, votedFor, leader of the touched node after the step. */
  after: unknown[];
  transitions: string[];
}

export function runSimulation(options: Partial<SimOptions> & { seed: number }): SimResult {
  const o: SimOptions = { ...defaultSimOptions, ...options, config: { ...defaultSimOptions.config, ...options.config } };
  const root = new Rng(o.seed);
  const netRng = root.fork(1);
  const clientRng = root.fork(2);
  const nemesisRng = root.fork(3);
  const nodeSeedRng = root.fork(4);
  const diskRng = root.fork(5);
  // The crash nemesis's choices about a leader's early AppendEntries (apart, so that the other draws stay as they were).
  const windowRng = root.fork(6);

  const clock = new VirtualClock();
  const sim: { label: StepLabel | undefined; touched: string | undefined } = { label: undefined, touched: undefined };
  const faults = new Set(o.faults);
  const net = new SimNetwork(clock, netRng, { latencyMs: o.latencyMs, faults, lossRate: o.lossRate, duplicateRate: 0.05, delayRate: 0.02 }, sim);
  const ids = Array.from({ length: o.nodes }, (_, i) => `n${i}`);
  const checker = new InvariantChecker(ids);
  const nodes = new Map<string, RaftNode>();
  const tracer = o.trace ? new TraceWriter(o.trace) : undefined;
  let stepTransitions: string[] = [];

  if (tracer) {
    tracer.header({
      servers: ids,
      seed: o.seed,
      bug: o.bug ?? null,
      faults: [...faults],
      // Variables of tla/Raft.tla not written per line: appliedLog[i] is SubSeq(log[i], 1, lastApplied[i]);
      // msgs is the network (each line's event is the message received); elected and committed are history.
      derived: { appliedLog: 'SubSeq(log, 1, lastApplied)' },
      maxBatch: o.config?.maxBatch ?? defaultConfig.maxBatch,
      // Reads (or read-only txns) served by leader leases: the spec's Leases.
      leases: o.config?.reads === 'lease' || o.config?.txnReads === 'lease',
    });
  }

  const events = tracer && o.traceEvents ? new TraceEvents(tracer, net, () => clock.now(), ids) : undefined;

  // With a trace, each node's chart actions report their effects, so that a
  // trace line can list the messages its transition sent.
  const effectsOf = new Map<string, Effect[]>();
  /** Whether the node being restarted took the chart's `restart` transition (it does when it recovers durable state). */
  let restartTraced = false;
  const onTransition =
    tracer || o.explain
      ? (node: RaftNode, step: TransitionStep) => {
          if (o.explain) stepTransitions.push(`${node.id}:${step.name}`);
          if (step.name === 'restart') restartTraced = true;
          if (tracer) {
            const sent = effectsOf.get(node.id!) ?? [];
            effectsOf.set(node.id!, []);
            const watch = checker.watchOf(node as never);
            // A restart writes the whole log recovered: it may be shorter than before the crash.
            tracer.transition(clock.now(), node.id!, step, step.name === 'restart' ? undefined : watch?.traces, sent);
          }
        }
      : undefined;

  // With crashes, every node keeps its term, vote and log on a simulated disk
  // (the same write-ahead log as the binary's RAFT_DATA_DIR); a crash loses
  // what it had not synced, and a restarted node recovers from the rest.
  const crashes = faults.has('crash');
  const bug: BugVariant | undefined = o.bug ? BUGS[o.bug] : undefined;
  // An unsafe lease is refused, as the binary refuses it (a bug variant may break it on purpose).
  const leaseProblem = leaseConfigProblem({ ...defaultConfig, ...o.config });
  if (leaseProblem !== undefined && !bug) throw new Error(leaseProblem);
  const disks = new Map<string, SimDisk>();
  const down = new Set<string>();
  const clocks = new Map<string, NodeClock>();
  const seeds = new Map<string, number>();
  /** Server messages that reached a node while it was down. */
  const missed = new Map<string, Message[]>();
  let restarts = 0;
  // With local reads, what each node held when it answered a read, to explain stale reads.
  const witness =
    o.workload === 'lin-kv' && o.config?.reads === 'local'
      ? new ReadWitness(ids, () => net.blockedLinks, o.config.heartbeatMs ?? defaultConfig.heartbeatMs)
      : undefined;
  // Nodes whose process died inside `save`, the write that makes a step's
  // term, vote and log durable before the step's other effects. Most of the
  // time nothing of that step happened (no message left, nothing survives),
  // so the trace leaves out its transitions. But a leader sends its
  // AppendEntries before that write (RAFT_LEADER_SYNC=parallel): then the
  // step happened up to the save (its messages are in the network), and the
  // trace keeps its transitions up to there (diedAfterSend: where the held
  // lines were when the save began); the restart shows what the disk kept.
  // A death in a later write of the step (a snapshot) comes after the step's
  // messages went out: its lines stay.
  const diedInSave = new Set<string>();
  const diedAfterSend = new Map<string, number>();
  let crashesAfterSend = 0;
  /** AppendEntries each node sent in this step since its last save or output flush. */
  const appendsOut = new Map<string, number>();
  /** Nodes whose AppendEntries went out before the save now coming (beforeSync flushed them). */
  const sentBeforeSave = new Set<string>();
  /** Leaders the crash nemesis will kill in the next save that follows an early AppendEntries. */
  const crashAfterSend = new Set<string>();
  const watchSave = (id: string, disk: SimDisk, storage: Storage): Storage => ({
    save: (update) => {
      const wasDead = disk.dead;
      const early = sentBeforeSave.delete(id);
      const mark = tracer?.heldLines ?? 0;
      appendsOut.set(id, 0);
      try {
        storage.save(update);
      } finally {
        appendsOut.set(id, 0);
        // A disk dies inside one of its operations; the process goes on until the step ends, its writes lost.
        if (disk.dead && !wasDead) {
          if (early) {
            crashesAfterSend++;
            diedAfterSend.set(id, mark);
          } else {
            diedInSave.add(id);
          }
        }
      }
    },
    get appendedBytes() {
      return storage.appendedBytes;
    },
    get rewrittenBytes() {
      return storage.rewrittenBytes;
    },
    rewrite: (state) => storage.rewrite(state),
    saveSnapshot: (snapshot, hardState, entriesAfter) => storage.saveSnapshot(snapshot, hardState, entriesAfter),
  });
  /** The node's output before its fsync went out (RuntimeHost.beforeSync): did it hold AppendEntries? */
  const flushedBeforeSave = (id: string): void => {
    if ((appendsOut.get(id) ?? 0) === 0) return;
    appendsOut.set(id, 0);
    sentBeforeSave.add(id);
    if (crashAfterSend.delete(id)) {
      // Die in the save that follows: in its append (torn or lost) or its sync (the unsynced tail kept or not).
      disks.get(id)?.armCrash(1 + windowRng.int(2));
    }
  };
  const makeNode = (id: string): RaftNode => {
    const disk = disks.get(id);
    effectsOf.set(id, []);
    const overrides = tracer
      ? recordingOverrides(bug, (effects) => {
          const list = effectsOf.get(id) ?? [];
          list.push(...effects);
          effectsOf.set(id, list);
        })
      : bug;
    const node: RaftNode = new RaftNode({
      clock: clocks.get(id)!,
      // A process that died in the middle of a step sends nothing more.
      output: (msg: Message) => {
        if (disk?.dead || down.has(id)) return;
        if (msg.body.type === 'append_entries') appendsOut.set(id, (appendsOut.get(id) ?? 0) + 1);
        witness?.sent(node, msg, clock.now());
        if (events) events.send(msg, () => net.send(msg));
        else net.send(msg);
      },
      flushOutput: () => flushedBeforeSave(id),
      logLevel: 'error',
      seed: seeds.get(id)!,
      ...(o.config ? { config: o.config } : {}),
      ...(overrides ? { overrides } : {}),
      ...(onTransition ? { onTransition } : {}),
      ...(disk
        ? {
            openStorage: (nid: string, nids: readonly string[]) => {
              const opened = openNodeStorage(disk, nid, nids);
              const storage = bug?.storage ? bug.storage(opened.storage) : opened.storage;
              return { ...opened, storage: watchSave(id, disk, storage) };
            },
          }
        : {}),
    });
    nodes.set(id, node);
    node.handle({ src: 'c-init', dest: id, body: { type: 'init', msg_id: 1, node_id: id, node_ids: ids } });
    return node;
  };
  for (const id of ids) {
    const nc = new NodeClock(clock, id, sim);
    clocks.set(id, nc);
    seeds.set(id, nodeSeedRng.u32() | 1);
    if (crashes) disks.set(id, new SimDisk(diskRng.fork(ids.indexOf(id))));
    net.addNode(
      id,
      {
        deliver: (msg) => {
          if (down.has(id)) {
            // Lost: the process is not running (kept a short while: the nemesis may replay it later).
            const m = missed.get(id) ?? [];
            m.push(msg);
            if (m.length > 64) m.shift();
            missed.set(id, m);
            return;
          }
          if (events) events.deliver(msg);
          nodes.get(id)!.handle(msg);
        },
      },
      nc,
    );
  }
  for (const id of ids) {
    makeNode(id);
    checker.watchOf(nodes.get(id) as never);
  }
  const liveNodes = (): RaftNode[] => ids.filter((id) => !down.has(id)).map((id) => nodes.get(id)!);

  /** The process of `id` dies: its memory is gone, its disk keeps what was synced (and maybe a torn tail). */
  const snapshotStats = { taken: 0, installed: 0 };
  const countSnapshots = (n: RaftNode): void => {
    const st = n.persistStats;
    if (st) {
      snapshotStats.taken += st.snapshots;
      snapshotStats.installed += st.snapshotsInstalled;
    }
  };
  /** The last log index of a node that died after its early AppendEntries, when it died. */
  const lastIndexAtDeath = new Map<string, number>();
  let entriesLostAfterSend = 0;
  const crash = (id: string): void => {
    if (diedAfterSend.has(id)) lastIndexAtDeath.set(id, nodes.get(id)!.context?.log.lastIndex ?? 0);
    countSnapshots(nodes.get(id)!);
    nodes.get(id)!.stop();
    down.add(id);
    disks.get(id)!.crash();
    checker.crashed(id);
    events?.crash(id);
  };
  /** A crashed node starts again from its disk, and is told init again (as Maelstrom would a new process). */
  const restart = (id: string): void => {
    if (!down.has(id)) return;
    down.delete(id);
    restarts++;
    const nc = new NodeClock(clock, id, sim);
    clocks.set(id, nc);
    net.replaceClock(id, nc);
    events?.restart(id);
    restartTraced = false;
    const node = makeNode(id);
    const before = lastIndexAtDeath.get(id);
    lastIndexAtDeath.delete(id);
    if (before !== undefined) entriesLostAfterSend += Math.max(0, before - (node.context?.log.lastIndex ?? 0));
    // A process that had made nothing durable (it died in term 0) starts as
    // new and takes no `restart` transition; for the spec it is still a
    // Restart (its volatile state is gone), so the trace says so.
    if (tracer && !restartTraced) {
      tracer.transition(clock.now(), id, { name: 'restart', event: { type: 'xstate.init' }, role: node.role!, context: node.context! }, undefined);
    }
    sim.touched = id;
  };

  const clients =
    o.workload === 'txn-list-append'
      ? new TxnClients(clock, clientRng, net, ids, { concurrency: o.concurrency, rate: o.rate, timeoutMs: o.clientTimeoutMs }, sim)
      : new LinKvClients(
          clock,
          clientRng,
          net,
          ids,
          { concurrency: o.concurrency, rate: o.rate, timeoutMs: o.clientTimeoutMs, perKeyLimit: o.perKeyLimit },
          sim,
        );
  net.addClient('c-init', { deliver: () => {} });

  const loadEnd = o.duration * 1000;
  const end = loadEnd + o.recovery * 1000;
  let nemesisCount = 0;
  let partitionEpoch = 0;

  // ---- the nemesis: partitions and pauses, healed before the recovery period.
  const nemesisKinds = (['partition', 'pause', 'crash'] as const).filter((k) => faults.has(k));
  const paused = new Set<string>();
  const heal = (): void => {
    if (net.partitioned) net.heal();
    for (const p of [...paused].sort()) {
      net.resume(p);
      paused.delete(p);
    }
    for (const d of disks.values()) d.disarm();
    for (const id of [...down].sort()) restart(id);
  };
  const nemesis = (): void => {
    if (clock.now() >= loadEnd) return;
    const kind = nemesisRng.pick(nemesisKinds);
    nemesisCount++;
    let text: string;
    // Half the time the nemesis goes for the current leader (as Jepsen's
    // partition-leader / pause-primary do): that is where Raft's corner cases are.
    let leader: string | undefined;
    let leaderTerm = -1;
    for (const [id, n] of nodes) {
      if (n.role === 'leader' && !paused.has(id) && !down.has(id) && (n.context?.term ?? 0) > leaderTerm) {
        leader = id;
        leaderTerm = n.context!.term;
      }
    }
    const atLeader = leader !== undefined && nemesisRng.chance(0.5);
    if (kind === 'partition') {
      const shuffled = nemesisRng.shuffle(ids);
      const mode = atLeader ? 0 : nemesisRng.int(3);
      if (atLeader) shuffled.splice(shuffled.indexOf(leader!), 1), shuffled.unshift(leader!);
      let groups: string[][];
      if (mode === 0) groups = [[shuffled[0]!], shuffled.slice(1)]; // isolate one node (maybe the leader)
      else if (mode === 1) {
        const cut = Math.floor(ids.length / 2);
        groups = [shuffled.slice(0, cut), shuffled.slice(cut)]; // majority | minority
      } else {
        groups = shuffled.map((x) => [x]); // everyone alone
      }
      groups = groups.map((g) => g.sort());
      net.partition(groups);
      partitionEpoch++;
      text = `partition ${groups.map((g) => g.join(' ')).join(' | ')}`;
    } else if (kind === 'crash') {
      const target = atLeader ? leader! : nemesisRng.pick(ids);
      if (down.has(target)) {
        text = `crash ${target} (already down)`;
      } else if (nemesisRng.chance(0.5)) {
        // Die in the middle of one of its next disk writes: the write is torn
        // or lost, and nothing after it reaches the disk or the network.
        const n = 1 + nemesisRng.int(3);
        if (target === leader && windowRng.chance(0.8)) {
          // The leader: mostly in the write of its next batch that sent
          // AppendEntries before its fsync (followers may hold entries its disk lost).
          crashAfterSend.add(target);
          text = `crash ${target} in its next disk write after it sent AppendEntries`;
        } else {
          disks.get(target)!.armCrash(n);
          text = `crash ${target} during its disk operation #${n} from now`;
        }
      } else {
        crash(target);
        text = `crash ${target}`;
      }
    } else {
      const target = atLeader ? leader! : nemesisRng.pick(ids);
      if (!paused.has(target)) {
        paused.add(target);
        net.pause(target);
      }
      text = `pause ${target}`;
    }
    sim.label = { kind: 'nemesis', text };
    sim.touched = undefined;
    // A crashed process comes back after a while, or at once (a supervisor
    // restarting it within an election round, with its peers' messages still
    // in flight: where a forgotten vote or entry shows).
    const dur =
      kind === 'crash' && nemesisRng.chance(0.5)
        ? nemesisRng.range(1, 10 * o.latencyMs)
        : nemesisRng.range(0.5, 2.5) * o.nemesisInterval * 1000 * 0.5;
    const epoch = partitionEpoch;
    clock.setTimeout(() => {
      if (kind === 'partition') {
        if (epoch !== partitionEpoch) return; // a later partition replaced this one
        net.heal();
        sim.label = { kind: 'nemesis', text: 'heal partition' };
      } else if (kind === 'crash') {
        const t = [...down].sort();
        for (const d of disks.values()) d.disarm();
        crashAfterSend.clear();
        for (const id of t) restart(id);
        sim.label = { kind: 'nemesis', text: t.length > 0 ? `restart ${t.join(' ')}` : 'restart (nobody down)' };
        return;
      } else {
        const t = [...paused].sort();
        for (const p of t) net.resume(p);
        paused.clear();
        sim.label = { kind: 'nemesis', text: `resume ${t.join(' ')}` };
      }
      sim.touched = undefined;
    }, Math.min(dur, Math.max(0, loadEnd - clock.now())));
    clock.setTimeout(nemesis, Math.max(1, nemesisRng.exponential(o.nemesisInterval * 1000)));
  };
  if (nemesisKinds.length > 0) clock.setTimeout(nemesis, Math.max(1, nemesisRng.exponential(o.nemesisInterval * 1000)));

  // With partitions, the nemesis also reacts to elections: now and then it cuts
  // a freshly elected leader off a few milliseconds after it won, before (or
  // while) its first AppendEntries spread -- the moment Figure 8 is about.
  const lastRole = new Map<string, string | undefined>();
  const onElected = (id: string): void => {
    if (!faults.has('partition') || clock.now() >= loadEnd || !nemesisRng.chance(0.5)) return;
    const after = nemesisRng.range(0, 3 * o.latencyMs);
    const dur = nemesisRng.range(0.25, 1.25) * o.nemesisInterval * 1000;
    clock.setTimeout(() => {
      if (clock.now() >= loadEnd) return;
      nemesisCount++;
      const rest = ids.filter((x) => x !== id);
      net.partition([[id], rest]);
      const epoch = ++partitionEpoch;
      sim.label = { kind: 'nemesis', text: `partition ${id} | ${rest.join(' ')} (the new leader)` };
      sim.touched = undefined;
      clock.setTimeout(() => {
        if (epoch !== partitionEpoch) return; // a later partition replaced this one
        net.heal();
        sim.label = { kind: 'nemesis', text: 'heal partition' };
        sim.touched = undefined;
      }, Math.min(dur, Math.max(0, loadEnd - clock.now())));
    }, after);
  };
  // With crashes, the nemesis also goes for votes: when a node has just voted
  // while another candidate of the same term is still collecting votes, it
  // sometimes crashes the voter and restarts it at once, so the other
  // candidate's request finds it freshly restarted -- where a vote that was
  // not made durable would be given twice.
  const lastVote = new Map<string, string>();
  const onVoted = (id: string): void => {
    const ctx = nodes.get(id)!.context;
    if (!ctx) return;
    const vote = `${ctx.term}:${ctx.votedFor ?? ''}`;
    if (lastVote.get(id) === vote) return;
    lastVote.set(id, vote);
    if (ctx.votedFor === null || clock.now() >= loadEnd) return;
    const rival = ids.some((o2) => o2 !== id && o2 !== ctx.votedFor && !down.has(o2) && nodes.get(o2)!.role === 'candidate' && nodes.get(o2)!.context!.term === ctx.term);
    if (!rival || !nemesisRng.chance(0.5)) return;
    nemesisCount++;
    crash(id);
    sim.touched = undefined;
    sim.label = { kind: 'nemesis', text: `crash ${id} just after it voted for ${ctx.votedFor} in term ${ctx.term}` };
    // Vote requests of that term that the crash made it miss, or that it had
    // already refused, come again after the restart (late duplicates, which
    // any network may deliver and Raft must tolerate).
    const term = ctx.term;
    const votedFor = ctx.votedFor;
    missed.delete(id);
    clock.setTimeout(() => {
      restart(id);
      sim.label = { kind: 'nemesis', text: `restart ${id}` };
      const again = [...net.recentlyDelivered(id), ...(missed.get(id) ?? [])].filter((m) => m.body.type === 'request_vote' && m.body.term === term && m.src !== votedFor);
      missed.delete(id);
      for (const m of again) net.redeliver(m);
    }, nemesisRng.range(0.1, 2 * o.latencyMs));
  };

  clock.setTimeout(() => {
    sim.label = { kind: 'nemesis', text: 'end of load: heal everything, clients stop' };
    sim.touched = undefined;
    clients.stop();
    heal();
  }, loadEnd);

  clients.start();

  // ---- the loop: one timer per step, invariants after each.
  const recent: (Recent | undefined)[] = new Array(o.recentSteps);
  let steps = 0;
  let violation: SimResult['violation'];
  let storm: string | undefined;
  const record = o.recentSteps > 0;
  const budget = o.stepBudget * o.nodes;
  for (;;) {
    const at = clock.nextDeadline();
    if (at === undefined || at > end) break;
    sim.label = undefined;
    sim.touched = undefined;
    if (o.explain) stepTransitions = [];
    // The trace holds the step's lines: a process that dies while making the
    // step durable loses all of it, so its transitions are left out.
    tracer?.hold();
    diedInSave.clear();
    diedAfterSend.clear();
    // AppendEntries of earlier steps went out after those steps' saves: only this step's count.
    appendsOut.clear();
    sentBeforeSave.clear();
    clock.step(end);
    steps++;
    // A process that died during this step (in the middle of a disk write) is down now.
    if (crashes) {
      for (const [id, d] of disks) {
        if (d.dead && !down.has(id)) {
          crash(id);
          if (sim.touched === id) sim.touched = undefined;
          sim.label = { kind: 'nemesis', text: `${id} crashed in the middle of a disk write` };
        }
      }
    }
    tracer?.release(diedInSave, diedAfterSend);
    let v: Violation | undefined;
    const touched = sim.touched;
    // Only the node a step touched can have changed (client and nemesis steps touch none);
    // every 1024 steps all nodes are checked anyway, as a safety net.
    if (touched !== undefined) {
      v = checker.check(nodes.get(touched) as never);
    } else if ((steps & 1023) === 0) {
      for (const n of liveNodes()) if ((v = checker.check(n as never))) break;
    }
    if (touched !== undefined && !down.has(touched)) {
      witness?.stepped(nodes.get(touched)!, clock.now());
      const role = nodes.get(touched)!.role;
      if (role === 'leader' && lastRole.get(touched) !== 'leader') onElected(touched);
      lastRole.set(touched, role);
      if (crashes) onVoted(touched);
    }
    if (record) {
      const n = touched !== undefined ? nodes.get(touched) : undefined;
      const c = n?.context;
      let r = recent[steps % o.recentSteps];
      if (!r) r = recent[steps % o.recentSteps] = { t: 0, label: undefined, node: undefined, after: [], transitions: [] };
      r.t = clock.now();
      r.label = sim.label;
      r.node = touched;
      r.transitions = stepTransitions;
      if (c) {
        r.after = [n!.role, c.term, c.log.lastIndex, c.log.lastTerm, c.commitIndex, c.lastApplied, c.votedFor, c.leader];
      } else {
        r.after = [];
      }
    }
    events?.afterStep(sim.label, clients.history);
    if (v) {
      violation = { ...v, time: clock.now(), step: steps };
      events?.violation(violation, touched);
      break;
    }
    if ((steps & 1023) === 0 && steps > budget * (1 + clock.now() / 1000)) {
      storm = `message storm: ${steps} steps by ${(clock.now() / 1000).toFixed(3)} s (budget ${o.stepBudget} per node per simulated second); run stopped`;
      break;
    }
  }

  const simSeconds = clock.now() / 1000;
  clients.finish();
  events?.history(clients.history);
  let linearizable: boolean | 'unknown' | undefined;
  let consistency: SimResult['consistency'];
  const problems: string[] = [];
  if (storm) problems.push(storm);
  if (!violation && !storm && o.checkLinearizability && clients instanceof TxnClients) {
    const r = checkListAppend(clients.history, { consistencyModel: o.consistencyModel });
    consistency = { model: r.model, valid: r.valid, anomalies: r.anomalyTypes };
    events?.checker(toCheckerResult(r));
    if (r.valid === false) {
      // No timing figures here: the simulator's output is the same bytes for the same seed.
      problems.push(`${r.model}: NOT valid: ${r.anomalyTypes.map((n) => `${n} x${r.anomalyCounts[n]}`).join(', ')}`);
      for (const name of r.anomalyTypes) {
        const a = r.anomalies.find((x) => x.name === name)!;
        problems.push(`${name}:`, ...a.explanation.map((l) => `  ${l}`));
      }
    }
    for (const u of r.unknownReasons) problems.push(`${r.model}: unknown: ${u}`);
  } else if (!violation && !storm && o.checkLinearizability && clients instanceof LinKvClients) {
    const r = checkLinearizable(clients.history, { timeLimit: 60 });
    linearizable = r.valid;
    events?.checker(r);
    for (const f of r.failures) {
      problems.push(`key ${f.key}: ${f.culprit}`, ...f.explanation.map((l) => `  ${l}`));
      if (witness) problems.push(...witness.explain(clients.history as HistoryEvent[], f).map((l) => `  why: ${l}`));
    }
    if (r.unknownKeys.length > 0) problems.push(`linearizability unknown for keys ${r.unknownKeys.join(', ')} (search budget)`);
  }
  if (!violation && !storm) {
    const drift = checker.verifyShadows(liveNodes() as never);
    if (drift) problems.push(`simulator: ${drift}`);
  }

  const lines: string[] = [];
  if (record) {
    const first = Math.max(1, steps - o.recentSteps + 1);
    for (let s = first; s <= steps; s++) {
      const r = recent[s % o.recentSteps];
      if (r) lines.push(formatRecent(s, r));
    }
  }
  let maxTerm = 0;
  for (const n of nodes.values()) maxTerm = Math.max(maxTerm, n.context?.term ?? 0);
  for (const n of liveNodes()) countSnapshots(n);
  for (const n of liveNodes()) n.stop();

  return {
    seed: o.seed,
    ok: !violation && linearizable !== false && consistency?.valid !== false && problems.length === 0,
    ...(violation ? { violation } : {}),
    ...(linearizable !== undefined ? { linearizable } : {}),
    ...(consistency !== undefined ? { consistency } : {}),
    linearizabilityProblems: problems,
    recent: lines,
    simSeconds,
    steps,
    net: net.stats,
    ops: clients.stats,
    elections: checker.stats.elections,
    maxTerm,
    committed: checker.stats.committed,
    nemesis: nemesisCount,
    snapshots: snapshotStats.taken,
    installs: snapshotStats.installed,
    crashes: [...disks.values()].reduce((n, d) => n + d.stats.crashes, 0),
    restarts,
    tornBytes: [...disks.values()].reduce((n, d) => n + d.stats.tornBytes, 0),
    crashesAfterSend,
    entriesLostAfterSend,
  };
}

function summary(a: readonly unknown[]): string {
  if (a.length === 0) return '';
  const [role, term, lastIndex, lastTerm, commit, applied, voted, leader] = a as [string, number, number, number, number, number, string | null, string | null];
  return `${role} term=${term} log=${lastIndex}${lastIndex > 0 ? `@${lastTerm}` : ''} commit=${commit} applied=${applied}${voted ? ` voted=${voted}` : ''}${leader ? ` leader=${leader}` : ''}`;
}

function describeMessage(m: Message): string {
  const b = m.body;
  const parts: string[] = [`${m.src}->${m.dest} ${b.type}`];
  if (b.msg_id !== undefined) parts.push(`#${b.msg_id}`);
  if (b.in_reply_to !== undefined) parts.push(`re #${b.in_reply_to}`);
  for (const k of ['term', 'candidate_id', 'last_log_index', 'last_log_term', 'vote_granted', 'prev_log_index', 'prev_log_term', 'leader_commit', 'success', 'match_index', 'hint', 'key', 'value', 'from', 'to', 'code']) {
    if (b[k] !== undefined) parts.push(`${k}=${JSON.stringify(b[k])}`);
  }
  if (Array.isArray(b.entries)) {
    const es = b.entries as { term: number }[];
    parts.push(`entries=${es.length}${es.length > 0 ? `[terms ${es[0]!.term}..${es[es.length - 1]!.term}]` : ''}`);
  }
  return parts.join(' ');
}

function formatRecent(step: number, r: Recent): string {
  const t = `${(r.t / 1000).toFixed(3)}s`;
  let what: string;
  const l = r.label;
  if (!l) what = '(idle timer)';
  else if (l.kind === 'deliver') {
    what = `${l.dropped ? `drop (${l.dropped})` : 'deliver'}${l.copy ? ' (duplicate)' : ''} ${describeMessage(l.msg)}`;
  }
  else if (l.kind === 'timer') what = `timer at ${l.node}`;
  else if (l.kind === 'resume') what = l.msg ? `resumed ${l.node} gets ${describeMessage(l.msg)}` : `resumed ${l.node} runs a late timer`;
  else what = l.text;
  const tr = r.transitions.length > 0 ? ` [${r.transitions.join(', ')}]` : '';
  const after = r.after.length > 0 ? `  => ${r.node}: ${summary(r.after)}` : '';
  return `#${step} ${t} ${what}${tr}${after}`;
}
