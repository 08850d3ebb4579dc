// A Maelstrom node running Raft: the protocol layer around the runtime. It
// takes lines or parsed messages, bounds and validates them (codec.ts,
// validate.ts), answers init, drops duplicated requests, admits client
// requests while there is room, proxies them to the leader and relays the
// answers, assigns msg_ids, and hands everything else to the runtime
// (src/runtime/runtime.ts) as chart events. It knows nothing of stdin/stdout:
// the binary, the simulator and the tests wire it to their own transport and
// clock.

import { clientRequests, limits, raftMessageTypes } from '../../spec/messages.js';
import { events as chartEvents, type Role } from '../../spec/chart.js';
import { ErrorCode } from '../core/errors.js';
import { KvStateMachine, type ReplyBody } from '../core/state-machine.js';
import type { MessageEvent, RaftConfig, RaftContext } from '../../machines/index.js';
import { defaultConfig } from '../../machines/context.js';
import type { MachineOverrides } from '../../machines/raft.js';
import type { Clock } from '../runtime/clock.js';
import { LOG_LEVELS, RaftRuntime, type LogLevel, type TransitionStep } from '../runtime/runtime.js';
import { CLIENT_DEPTH_MARGIN, decodeLine, defaultLimits, envelopeOf, excerpt, valueDepth, type Envelope, type InputLimits } from './codec.js';
import { validateBody } from './validate.js';
import type { OpenedStorage } from '../core/storage.js';

export { LOG_LEVELS, type LogLevel, type TransitionStep };

/** A Maelstrom message. */
export interface Message {
  src: string;
  dest: string;
  body: { type: string; msg_id?: number; in_reply_to?: number; [field: string]: unknown };
}

export interface NodeOptions {
  /** The transport: called with every outgoing message, in order. */
  readonly output: (msg: Message) => void;
  /**
   * Writes out what `output` buffered, now (the binary buffers a batch's
   * output until the batch ends). Called before a batch's fsync once its
   * client answers and a leader's AppendEntries are out
   * (RuntimeHost.beforeSync), so that they do not wait for the disk.
   */
  readonly flushOutput?: () => void;
  readonly clock: Clock;
  /** Called with every log line at or above `logLevel`. */
  readonly log?: (level: LogLevel, text: string) => void;
  readonly logLevel?: LogLevel;
  readonly config?: Partial<RaftConfig>;
  /** Seed of the election-timeout draws (default: derived from the node id). */
  readonly seed?: number;
  /** Test-only machine variants (the simulator's bug hunts). */
  readonly overrides?: MachineOverrides;
  /**
   * Called for every chart transition taken (its `meta.name` from
   * spec/chart.ts), with the event that selected it and the role and context
   * right after it (simulator traces, model-based test coverage). Setting it
   * turns on XState inspection for this node's actor.
   */
  readonly onTransition?: (node: RaftNode, step: TransitionStep) => void;
  /** Most proxied requests awaiting their leader's answer. */
  readonly maxProxied?: number;
  /** A proxied request whose leader has not answered in this long is forgotten (ms). */
  readonly proxyTimeoutMs?: number;
  /** Bounds on input (line length, nesting depth, entry size). */
  readonly limits?: Partial<InputLimits>;
  /**
   * Opens durable storage once init names the node (the binary: RAFT_DATA_DIR).
   * Throwing refuses to start: init gets error 13 and `onFatal` is called.
   * Without it the node keeps term, vote and log in memory only.
   */
  readonly openStorage?: (nodeId: string, nodeIds: readonly string[]) => OpenedStorage;
  /** The node cannot go on (storage could not be opened, or failed): the process should exit. */
  readonly onFatal?: (reason: string) => void;
  /** Longest snapshot accepted from a leader, in characters (default 512 Mi). */
  readonly maxSnapshotChars?: number;
}

/** How much larger, at most, JSON re-encoded from parsed text is than the text, in bytes (entryProblem). */
const MAX_REENCODE_GROWTH = 25;

interface Proxied {
  readonly client: string;
  readonly inReplyTo: number | undefined;
  readonly expires: number;
}

/** The chart's message events between servers (spec/messages.ts's peer messages). */
const RAFT_EVENTS: ReadonlySet<string> = new Set(chartEvents.filter((e) => raftMessageTypes.has(e)));
const CLIENT_EVENTS = new Set<string>(clientRequests);

export class RaftNode {
  private runtime: RaftRuntime | undefined;
  private nodeId: string | undefined;
  private nextMsgId = 0;
  private readonly proxied = new Map<number, Proxied>();
  private sweepTimer: unknown;
  /** RAFT_BATCH_MS: the timer after which the gathered proxied requests go. */
  private proxyTimer: unknown;
  private readonly levelRank: number;
  /** Counters a benchmark or test may read. */
  readonly stats = { received: 0, sent: 0, malformed: 0, ignoredReplies: 0, proxied: 0, proxyExpired: 0, duplicates: 0 };
  private readonly recent = new RecentKeys(16_384);
  readonly limits: InputLimits;
  /** Before init: the dest of the message being handled, used as our src when answering it. */
  private addressedAs: string | undefined;
  /** Nesting of handle/handleLine/batch calls: proxied requests and their answers wait for the outermost to end. */
  private handling = 0;
  /** Proxied requests to send each leader, and answers to proxied requests to send each peer, at the end of the batch. */
  private readonly proxyOut = new Map<string, Message['body'][]>();
  private readonly replyOut = new Map<string, Message['body'][]>();
  /** The InstallSnapshot being received, chunk by chunk. */
  private assembling: { src: string; term: number; index: number; snapTerm: number; parts: string[]; length: number } | undefined;

  constructor(private readonly opts: NodeOptions) {
    this.levelRank = LOG_LEVELS.indexOf(opts.logLevel ?? 'info');
    this.limits = { ...defaultLimits, ...opts.limits };
  }

  get id(): string | undefined {
    return this.nodeId;
  }

  /** Whether a handle/handleLine/batch is under way (its output not yet complete). */
  get handlingInput(): boolean {
    return this.handling > 0;
  }

  /** The chart's current role and context (undefined before init). */
  get role(): Role | undefined {
    return this.runtime?.role;
  }

  get context(): RaftContext | undefined {
    return this.runtime?.context;
  }

  /** Takes a snapshot of the state machine now, compacting the log, if anything applied is not in one. */
  snapshotNow(): void {
    this.runtime?.snapshotNow();
  }

  /** The runtime's persistence and snapshot figures (undefined before init). */
  get persistStats(): RaftRuntime['persistStats'] | undefined {
    return this.runtime?.persistStats;
  }

  /** The state machine the runtime applies entries to (undefined before init). */
  get stateMachine(): KvStateMachine | undefined {
    return this.runtime?.stateMachine;
  }

  /** Handles one line of input (a JSON message). Never throws. */
  handleLine(line: string): void {
    if (line.charCodeAt(0) !== 0x7b /* { */ && line.trim() === '') return;
    this.stats.received++;
    this.handling++;
    try {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: only a line that long may be over.
      if (line.length * 3 > this.limits.maxLineBytes && Buffer.byteLength(line, 'utf8') > this.limits.maxLineBytes) {
        this.refuseLine(`line of ${Buffer.byteLength(line, 'utf8')} bytes exceeds RAFT_MAX_LINE_BYTES=${this.limits.maxLineBytes}`, envelopeOf(line), line);
        return;
      }
      const d = decodeLine(line, this.limits);
      if (!d.ok) {
        this.refuseLine(d.text, d.envelope, line);
        return;
      }
      this.dispatch(d.message, d.depth, line);
    } catch (err) {
      this.internalError(err, line);
    } finally {
      this.endOfHandling();
    }
  }

  /**
   * A line over the length limit, dropped while it streamed in: answer its
   * sender if its first bytes say who that is.
   */
  handleOversizeLine(bytes: number, head: string): void {
    this.stats.received++;
    try {
      this.refuseLine(`line of ${bytes} bytes exceeds RAFT_MAX_LINE_BYTES=${this.limits.maxLineBytes}`, envelopeOf(head), head);
    } catch (err) {
      this.internalError(err, head);
    }
  }

  /** Handles one parsed message. Never throws. */
  handle(raw: unknown): void {
    this.stats.received++;
    this.handling++;
    try {
      // Not from a line: bound its depth here, as the codec would have.
      const depth = valueDepth(raw, this.limits.maxDepth);
      if (depth > this.limits.maxDepth) {
        const m = raw as { src?: unknown; body?: { msg_id?: unknown } };
        const env: Envelope = {
          ...(typeof m.src === 'string' ? { src: m.src } : {}),
          ...(typeof (m as { dest?: unknown }).dest === 'string' ? { dest: (m as { dest: string }).dest } : {}),
          ...(Number.isSafeInteger(m.body?.msg_id) ? { msgId: m.body!.msg_id as number } : {}),
        };
        this.refuseLine(`message nests deeper than RAFT_MAX_DEPTH=${this.limits.maxDepth}`, env, undefined);
        return;
      }
      this.dispatch(raw, depth, undefined);
    } catch (err) {
      this.internalError(err, undefined);
    } finally {
      this.endOfHandling();
    }
  }

  /** A line we cannot take: error 12 to its sender when we know who and which request, else one stderr line. */
  private refuseLine(text: string, env: Envelope, line: string | undefined): void {
    this.stats.malformed++;
    this.addressedAs = this.nodeId === undefined ? plausibleId(env.dest) : undefined;
    if (env.src !== undefined && env.src !== '' && env.msgId !== undefined) {
      this.reply(env.src, env.msgId, { type: 'error', code: ErrorCode.MalformedRequest, text });
    } else {
      this.log('warn', `${text}; no src and msg_id to answer${line === undefined ? '' : `: ${excerpt(line, 80)}`}`);
    }
  }

  private internalError(err: unknown, line: string | undefined): void {
    // The chart never throws (actions are guarded); this is a runtime bug.
    const where = err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 4).join(' | ') : String(err);
    this.log('error', `internal error handling ${line === undefined ? 'a message' : excerpt(line, 80)}: ${where}`);
  }

  /**
   * Handles everything `fn` hands the node as one batch: what it must make
   * durable is saved with one fsync at the end, before any of its output
   * goes out (group commit). Before init there is nothing to batch.
   */
  batch<T>(fn: () => T): T {
    this.handling++;
    try {
      return this.runtime ? this.runtime.batchOf(fn) : fn();
    } finally {
      this.endOfHandling();
    }
  }

  /**
   * The end of the outermost handle/handleLine/batch: the proxied requests
   * gathered for each leader go as one message (`proxy_batch`, or the request
   * itself when it is alone), and so do the answers to proxied requests
   * gathered for each follower (`proxy_batch_res`). With a batch wait
   * (RAFT_BATCH_MS), proxied requests wait that long from the first one
   * gathered, to share a message with those that follow.
   */
  private endOfHandling(): void {
    if (--this.handling > 0) return;
    this.sendGathered(this.replyOut, 'proxy_batch_res', 'replies');
    const wait = this.runtime?.context.config.batchWaitMs ?? 0;
    if (wait <= 0) this.sendGathered(this.proxyOut, 'proxy_batch', 'requests');
    else if (this.proxyOut.size > 0 && this.proxyTimer === undefined) {
      this.proxyTimer = this.opts.clock.setTimeout(() => {
        this.proxyTimer = undefined;
        this.sendGathered(this.proxyOut, 'proxy_batch', 'requests');
      }, wait);
    }
  }

  private sendGathered(out: Map<string, Message['body'][]>, type: 'proxy_batch' | 'proxy_batch_res', field: 'requests' | 'replies'): void {
    for (const [dest, bodies] of out) {
      for (let i = 0; i < bodies.length; i += limits.maxBodiesPerBatch) {
        const part = bodies.slice(i, i + limits.maxBodiesPerBatch);
        this.emit(dest, part.length === 1 ? part[0]! : { type, [field]: part });
      }
    }
    out.clear();
  }

  /** Sends `body` to `dest` at the end of the batch (inside one), together with others like it; else at once. */
  private gather(out: Map<string, Message['body'][]>, dest: string, body: Message['body']): void {
    if (this.handling === 0) {
      this.emit(dest, body);
      return;
    }
    const list = out.get(dest);
    if (list) list.push(body);
    else out.set(dest, [body]);
  }

  /** Stops timers; the node handles nothing afterwards. */
  stop(): void {
    this.runtime?.stop();
    if (this.sweepTimer !== undefined) this.opts.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    if (this.proxyTimer !== undefined) this.opts.clock.clearTimeout(this.proxyTimer);
    this.proxyTimer = undefined;
  }

  private dispatch(raw: unknown, depth: number, line: string | undefined): void {
    this.addressedAs = undefined;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.stats.malformed++;
      this.log('warn', `message is not a JSON object: ${excerpt(line ?? typeof raw, 80)}`);
      return;
    }
    const msg = raw as Partial<Message>;
    if (this.nodeId === undefined) this.addressedAs = plausibleId(msg.dest);
    const body = msg.body;
    const canReply =
      typeof msg.src === 'string' &&
      typeof body === 'object' &&
      body !== null &&
      !Array.isArray(body) &&
      Number.isSafeInteger(body.msg_id) &&
      (body.msg_id as number) >= 0;
    if (typeof msg.src !== 'string' || msg.src === '' || typeof body !== 'object' || body === null || Array.isArray(body)) {
      this.stats.malformed++;
      this.log('warn', `message lacks a src or a body object: ${excerpt(line ?? Object.keys(raw).join(','), 80)}`);
      return;
    }
    if (this.nodeId !== undefined && typeof msg.dest === 'string' && msg.dest !== this.nodeId) {
      this.log('warn', `message for ${msg.dest} delivered to ${this.nodeId}; ignored`);
      return;
    }

    // A reply to something we sent: Raft responses go to the chart; answers
    // to proxied requests are relayed; anything else (its callback gone) is ignored.
    if (body.in_reply_to !== undefined && !RAFT_EVENTS.has(body.type as string)) {
      this.handleReply(msg.src, body as Message['body']);
      return;
    }

    const v = validateBody(body);
    if (!v.ok) {
      this.stats.malformed++;
      if (canReply) {
        this.reply(msg.src, body.msg_id as number, { type: 'error', code: v.code, text: v.text });
      } else {
        this.log('warn', `${v.text} (from ${msg.src}, no msg_id to reply to)`);
      }
      return;
    }
    const type = body.type as string;

    if (type === 'init') {
      this.init(msg.src, body as Message['body']);
      return;
    }
    if (CLIENT_EVENTS.has(type) && this.refusedAsTooBig(msg.src, body as Message['body'], depth, line?.length, canReply)) return;
    if (!this.runtime) {
      // A peer initialised before us: its Raft messages are dropped (it retries).
      if (RAFT_EVENTS.has(type)) {
        this.log('debug', `${type} from ${msg.src} before init; dropped`);
        return;
      }
      if (canReply) {
        this.reply(msg.src, body.msg_id as number, {
          type: 'error',
          code: ErrorCode.TemporarilyUnavailable,
          text: 'node not initialised yet',
        });
      }
      return;
    }
    if (RAFT_EVENTS.has(type)) {
      if (!this.context!.nodes.includes(msg.src)) {
        this.log('warn', `${type} from ${msg.src}, which is not a cluster member; ignored`);
        if (canReply) this.reply(msg.src, body.msg_id as number, { type: 'error', code: ErrorCode.MalformedRequest, text: `${msg.src} is not a cluster member` });
        return;
      }
      if (type === 'install_snapshot') {
        this.snapshotChunk(msg.src, body as Message['body']);
        return;
      }
      this.deliver(type, msg.src, body);
    } else if (CLIENT_EVENTS.has(type)) {
      this.clientRequest(msg.src, body as Message['body'], canReply);
    } else if (type === 'proxy_batch' || type === 'proxy_batch_res') {
      if (!this.context!.nodes.includes(msg.src) || msg.src === this.nodeId) {
        this.stats.malformed++;
        this.log('warn', `${type} from ${msg.src}, which is not a peer; ignored`);
        return;
      }
      if (type === 'proxy_batch') {
        // Each request as if the peer had sent it alone (two levels deeper:
        // requests[i]), all in one batch of the chart's work.
        const src = msg.src;
        this.runtime.batchOf(() => {
          for (const req of body.requests as Message['body'][]) this.proxiedRequest(src, req, depth - 2, line?.length);
        });
      } else {
        for (const rep of body.replies as Message['body'][]) {
          if (Number.isSafeInteger(rep.in_reply_to)) this.handleReply(msg.src, rep);
          else {
            this.stats.malformed++;
            this.log('warn', `an answer in proxy_batch_res from ${msg.src} has no in_reply_to; ignored`);
          }
        }
      }
    } else {
      if (canReply) this.reply(msg.src, body.msg_id as number, { type: 'error', code: ErrorCode.NotSupported, text: `unsupported message type ${type}` });
    }
  }

  /** One request of a peer's proxy_batch: checked like a message of its own, then handled as a client request. */
  private proxiedRequest(src: string, req: Message['body'], depth: number, lineChars: number | undefined): void {
    const canReply = Number.isSafeInteger(req.msg_id) && (req.msg_id as number) >= 0;
    const v = validateBody(req);
    const problem = !v.ok ? v.text : !CLIENT_EVENTS.has(req.type) ? `proxy_batch may carry client requests only, not ${String(req.type).slice(0, 40)}` : undefined;
    if (problem !== undefined) {
      this.stats.malformed++;
      if (canReply) this.answer(src, req.msg_id as number, { type: 'error', code: v.ok ? ErrorCode.MalformedRequest : v.code, text: problem });
      else this.log('warn', `${problem} (in proxy_batch from ${src}, no msg_id to reply to)`);
      return;
    }
    if (!this.refusedAsTooBig(src, req, depth, lineChars, canReply)) this.clientRequest(src, req, canReply);
  }

  /** A client request (from a client, or proxied by a peer): bounded, deduplicated, admitted, then handed to the chart. */
  private clientRequest(src: string, body: Message['body'], canReply: boolean): void {
    // A duplicated request must not be appended twice, nor refused after
    // its first copy was accepted: the same (src, msg_id) is handled once.
    if (body.msg_id !== undefined && this.recent.seen(src, body.msg_id)) {
      this.stats.duplicates++;
      this.log('debug', `duplicate request ${body.msg_id} from ${src} ignored`);
      return;
    }
    // Admission: the runtime tracks a bounded number of clients awaiting their entries.
    if (this.runtime!.waitingCount >= (this.opts.config?.maxPending ?? defaultConfig.maxPending)) {
      if (canReply) this.answer(src, body.msg_id as number, { type: 'error', code: ErrorCode.TemporarilyUnavailable, text: 'too many requests pending; try again' });
      return;
    }
    this.deliver('client_request', src, body);
  }

  /** A client request too deep or too large to become a log entry: refused with 12 (true), or not (false). */
  private refusedAsTooBig(src: string, body: Message['body'], depth: number, lineChars: number | undefined, canReply: boolean): boolean {
    const tooBig = this.entryProblem(body, depth, lineChars);
    if (tooBig === undefined) return false;
    this.stats.malformed++;
    if (canReply) this.answer(src, body.msg_id as number, { type: 'error', code: ErrorCode.MalformedRequest, text: tooBig });
    else this.log('warn', `${tooBig} (from ${src}, no msg_id to reply to)`);
    return true;
  }

  /** Delivers a validated message to the chart as an event. */
  /**
   * Why a client request may not become a log entry, if it may not: too deep
   * to travel inside Raft's messages, or too large.
   */
  private entryProblem(body: object, depth: number, lineChars: number | undefined): string | undefined {
    const maxClientDepth = this.limits.maxDepth - CLIENT_DEPTH_MARGIN;
    if (depth > maxClientDepth) {
      return `request nests ${depth} deep; at most RAFT_MAX_DEPTH - ${CLIENT_DEPTH_MARGIN} = ${maxClientDepth} (Raft's messages add ${CLIENT_DEPTH_MARGIN} levels around a value)`;
    }
    // A request parsed from a line of n UTF-16 units (at most 3n bytes)
    // re-encodes to at most 25 bytes per byte of its source text: a number
    // to at most 25 characters (-0.0000012345678901234567), a string to at
    // most twice its bytes (a lone surrogate, 3 bytes, becomes \udxxx), the
    // rest to the same or less. A line that short cannot hold a request too
    // large, and is not encoded again to find out.
    if (lineChars !== undefined && lineChars * 3 * MAX_REENCODE_GROWTH <= this.limits.maxEntryBytes) return undefined;
    const bytes = Buffer.byteLength(JSON.stringify(body), 'utf8');
    if (bytes > this.limits.maxEntryBytes) return `request of ${bytes} bytes exceeds RAFT_MAX_ENTRY_BYTES=${this.limits.maxEntryBytes}`;
    return undefined;
  }

  /**
   * InstallSnapshot arrives in chunks; the chart gets the whole snapshot once
   * every chunk has come, in order (a chunk out of order starts nothing: the
   * leader sends the snapshot again later). Memory is bounded: one snapshot
   * assembles at a time, of at most maxSnapshotChars characters.
   */
  private snapshotChunk(src: string, body: Message['body']): void {
    const b = body as Message['body'] & { term: number; last_included_index: number; last_included_term: number; offset: number; data: string; done: boolean };
    const same = (a: NonNullable<typeof this.assembling>) => a.src === src && a.term === b.term && a.index === b.last_included_index && a.snapTerm === b.last_included_term;
    if (b.offset === 0) {
      this.assembling = { src, term: b.term, index: b.last_included_index, snapTerm: b.last_included_term, parts: [], length: 0 };
    } else if (!this.assembling || !same(this.assembling) || this.assembling.length !== b.offset) {
      this.log('debug', `snapshot chunk at ${b.offset} from ${src} out of order; dropped`);
      return;
    }
    const a = this.assembling!;
    a.parts.push(b.data);
    a.length += b.data.length;
    if (a.length > (this.opts.maxSnapshotChars ?? 512 * 1024 * 1024)) {
      this.log('warn', `snapshot from ${src} longer than ${this.opts.maxSnapshotChars ?? 512 * 1024 * 1024} characters; dropped`);
      this.assembling = undefined;
      return;
    }
    if (!b.done) return;
    this.assembling = undefined;
    const data = a.parts.join('');
    if (!KvStateMachine.isSnapshot(data)) {
      this.log('error', `snapshot from ${src} up to ${a.index} is not a state machine snapshot; dropped`);
      return;
    }
    const { offset: _o, done: _d, ...rest } = b;
    this.deliver('install_snapshot', src, { ...rest, data });
  }

  private deliver(type: string, src: string, body: object): void {
    // `at` is the runtime's to stamp (the node's clock when it hands the
    // event to the chart): present from the start, so that the runtime's
    // copy with it set is a copy of the same fields (V8 makes adding a field
    // to an object made by a spread slow; see withField).
    this.runtime!.deliver({ type, src, body, at: undefined } as MessageEvent);
  }

  private init(src: string, body: Message['body']): void {
    const nodeId = body.node_id as string;
    const nodeIds = body.node_ids as string[];
    if (this.runtime) {
      // Maelstrom sends init once; a repeat with the same identity is answered, anything else refused.
      if (nodeId === this.nodeId) {
        if (body.msg_id !== undefined) this.reply(src, body.msg_id, { type: 'init_ok' });
      } else if (body.msg_id !== undefined) {
        this.reply(src, body.msg_id, { type: 'error', code: ErrorCode.MalformedRequest, text: `already initialised as ${this.nodeId}` });
      }
      return;
    }
    if (!nodeIds.includes(nodeId)) {
      if (body.msg_id !== undefined) {
        this.reply(src, body.msg_id, { type: 'error', code: ErrorCode.MalformedRequest, text: 'init.node_ids must include node_id' });
      }
      return;
    }
    let opened: OpenedStorage | undefined;
    if (this.opts.openStorage) {
      try {
        opened = this.opts.openStorage(nodeId, nodeIds);
      } catch (err) {
        const reason = `cannot start as ${nodeId}: durable storage: ${err instanceof Error ? err.message : String(err)}`;
        this.log('error', reason);
        if (body.msg_id !== undefined) this.reply(src, body.msg_id, { type: 'error', code: ErrorCode.Crash, text: reason });
        this.opts.onFatal?.(reason);
        return;
      }
    }
    this.nodeId = nodeId;
    this.runtime = new RaftRuntime({
      self: nodeId,
      nodes: nodeIds,
      config: this.opts.config,
      seed: this.opts.seed,
      clock: this.opts.clock,
      overrides: this.opts.overrides,
      ...(opened ? { storage: opened.storage, recovered: opened.recovered } : {}),
      onFatal: (why) => this.opts.onFatal?.(why),
      host: {
        send: (to, b) => this.emit(to, withField(b, 'msg_id', ++this.nextMsgId)),
        reply: (to, inReplyTo, b) => this.answer(to, inReplyTo, b),
        proxy: (leader, client, inReplyTo, b, term) => this.proxy(leader, client, inReplyTo, b, term),
        log: (level, text) => this.log(level, text),
        beforeSync: () => {
          // Answers to proxied requests go to their followers now too.
          this.sendGathered(this.replyOut, 'proxy_batch_res', 'replies');
          this.opts.flushOutput?.();
        },
      },
      ...(this.opts.onTransition ? { onTransition: (step: TransitionStep) => this.opts.onTransition!(this, step) } : {}),
    });
    for (const note of opened?.notes ?? []) this.log('warn', note);
    if (!opened) this.log('info', 'no durable storage: term, vote and log are kept in memory only, so a restarted node comes back empty');
    this.log('info', `initialised as ${nodeId} of ${nodeIds.join(',')}`);
    if (body.msg_id !== undefined) this.reply(src, body.msg_id, { type: 'init_ok' });
    this.scheduleSweep();
  }

  private proxy(leader: string, client: string, inReplyTo: number | undefined, body: ReplyBody, term: number | undefined): void {
    const max = this.opts.maxProxied ?? 4096;
    if (this.proxied.size >= max) {
      this.sweep();
      if (this.proxied.size >= max) {
        // Nothing was forwarded, so a definite error is safe.
        if (inReplyTo !== undefined) {
          this.reply(client, inReplyTo, { type: 'error', code: ErrorCode.TemporarilyUnavailable, text: 'too many requests in flight to the leader' });
        }
        return;
      }
    }
    const msgId = ++this.nextMsgId;
    // A client's own proxy_term (a field only a forwarding node may set) goes no further.
    const { msg_id: _drop, proxy_term: _term, ...rest } = body as { msg_id?: number; proxy_term?: unknown };
    this.proxied.set(msgId, {
      client,
      inReplyTo,
      expires: this.opts.clock.now() + (this.opts.proxyTimeoutMs ?? 5000),
    });
    this.stats.proxied++;
    const forwarded = withField(rest as { type: string }, 'msg_id', msgId);
    this.gather(this.proxyOut, leader, term === undefined ? forwarded : withField(forwarded, 'proxy_term', term));
  }

  private handleReply(src: string, body: Message['body']): void {
    const id = body.in_reply_to as number;
    const waiting = this.proxied.get(id);
    if (!waiting) {
      this.stats.ignoredReplies++;
      this.log('debug', `ignoring reply to ${id} from ${src} with no callback`);
      return;
    }
    this.proxied.delete(id);
    if (waiting.inReplyTo === undefined) return;
    const { msg_id: _m, in_reply_to: _r, ...rest } = body;
    this.reply(waiting.client, waiting.inReplyTo, rest as { type: string });
  }

  /** Forgets proxied requests whose leader never answered: their fate is unknown, so no error is sent. */
  private sweep(): void {
    const now = this.opts.clock.now();
    for (const [id, p] of this.proxied) {
      if (p.expires <= now) {
        this.proxied.delete(id);
        this.stats.proxyExpired++;
      }
    }
  }

  private scheduleSweep(): void {
    this.sweepTimer = this.opts.clock.setTimeout(() => {
      this.sweep();
      this.scheduleSweep();
    }, 1000);
  }

  private reply(to: string, inReplyTo: number, body: { type: string; [k: string]: unknown }): void {
    this.emit(to, withField(body, 'in_reply_to', inReplyTo));
  }

  /**
   * An answer of the chart (or a refusal) to a request: to a client at once;
   * to a peer, when it is not a Raft answer (so the answer to a request the
   * peer proxied), with the others of the batch.
   */
  private answer(to: string, inReplyTo: number, body: { type: string; [k: string]: unknown }): void {
    if (!RAFT_EVENTS.has(body.type) && this.nodeId !== undefined && to !== this.nodeId && this.context?.nodes.includes(to)) {
      this.gather(this.replyOut, to, withField(body, 'in_reply_to', inReplyTo));
    } else {
      this.reply(to, inReplyTo, body);
    }
  }

  private emit(dest: string, body: Message['body']): void {
    // Before init we have no id of our own: answer as whom the message was
    // addressed to, or not at all (a message must never carry an empty src).
    const src = this.nodeId ?? this.addressedAs;
    if (src === undefined) {
      this.log('warn', `cannot answer ${dest} before init: no node id yet`);
      return;
    }
    this.stats.sent++;
    this.opts.output({ src, dest, body });
  }

  private log(level: LogLevel, text: string): void {
    if (LOG_LEVELS.indexOf(level) > this.levelRank) return;
    this.opts.log?.(level, this.nodeId ? `${this.nodeId} ${text}` : text);
  }
}

/**
 * `{ ...o, [key]: value }`, made without a spread. In Node 20's V8 an object
 * made by a spread that then gets another field takes a slow path (about
 * 1 µs where this takes 0.05: `npm run bench:cpu` shows it per operation).
 * Object.assign onto `{}` copies the same own enumerable fields in the same
 * order; only a field named `__proto__` (JSON.parse makes one an own field)
 * would set the copy's prototype instead, so such an object takes the
 * spread.
 */
export function withField<T extends object, K extends string, V>(o: T, key: K, value: V): T & Record<K, V> {
  if (Object.prototype.hasOwnProperty.call(o, '__proto__')) return { ...o, [key]: value } as T & Record<K, V>;
  const out = Object.assign({}, o) as Record<string, unknown>;
  out[key] = value;
  return out as T & Record<K, V>;
}

/** A string that may serve as a node id (to answer as, before init). */
function plausibleId(v: unknown): string | undefined {
  return typeof v === 'string' && /^[A-Za-z0-9][\w.-]{0,63}$/.test(v) ? v : undefined;
}

/**
 * A bounded set of the most recent requests, each known by its sender and
 * msg_id: `seen` records one and says whether it was already there. The
 * oldest is forgotten once `capacity` are held. Kept as a set of msg_ids per
 * sender (numbers hash and compare cheaply; a string key per request would
 * be built and hashed for every request).
 */
export class RecentKeys {
  private readonly bySrc = new Map<string, Set<number>>();
  /** The requests held, oldest at `next` once the ring is full. */
  private readonly ringSrc: (string | undefined)[];
  private readonly ringId: Float64Array;
  private next = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.ringSrc = new Array<string | undefined>(capacity);
    this.ringId = new Float64Array(capacity);
  }

  seen(src: string, msgId: number): boolean {
    let ids = this.bySrc.get(src);
    if (ids !== undefined && ids.has(msgId)) return true;
    const old = this.ringSrc[this.next];
    if (old !== undefined) {
      const oldIds = this.bySrc.get(old)!;
      oldIds.delete(this.ringId[this.next]!);
      if (oldIds.size === 0) {
        this.bySrc.delete(old);
        if (old === src) ids = undefined;
      }
    }
    if (ids === undefined) {
      ids = new Set();
      this.bySrc.set(src, ids);
    }
    ids.add(msgId);
    this.ringSrc[this.next] = src;
    this.ringId[this.next] = msgId;
    this.next = (this.next + 1) % this.capacity;
    return false;
  }
}
