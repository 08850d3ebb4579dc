// Durable Raft state: the persistence interface, and a write-ahead log that
// implements it over any Disk (a directory of real files in the binary, an
// in-memory disk that models lost and torn writes in the simulator).
//
// What is durable is Figure 2's persistent state: currentTerm, votedFor and
// the log. Every `save` appends one record and makes it durable (fsync)
// before it returns; the runtime saves before it sends anything that depends
// on what it saves (src/runtime/runtime.ts).
//
// The write-ahead log is a sequence of records:
//   [length u32 LE] [CRC-32 of the payload u32 LE] [payload: JSON, UTF-8]
// A payload carries the hard state {"h":[term, votedFor]}, where the log
// starts {"s":[snapshotIndex, snapshotTerm]} (after a snapshot), and/or a log
// change {"f": from, "e": [[term, op], ...]}: delete the entries from index
// `from` on, then append `e` there. Recovery replays the records in order.
//
// A snapshot of the state machine (Raft §7) is a separate file,
// `snapshot.bin`, one record {"i": index, "t": term, "d": data} replaced
// whole and atomically; the write-ahead log is then rewritten to start after
// it. A crash between the two leaves the new snapshot and the old log, whose
// entries up to the snapshot index recovery simply drops.
// A crash can only leave the last record incomplete or, on a real disk,
// garbled: such a tail is cut off (it was never acknowledged, since
// acknowledging waits for the fsync). Anything else that does not read back
// (a bad record followed by more data, a record that is not valid JSON)
// means the files are damaged: recovery refuses, with a message saying
// where, rather than start empty and forget votes and entries.

import type { Entry } from './log.js';
import type { Op } from './state-machine.js';

export interface HardState {
  readonly term: number;
  readonly votedFor: string | null;
}

/** A snapshot of the state machine: everything applied up to (index, term), as data. */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly data: string;
}

/** What a node finds on disk when it starts. */
export interface DurableState {
  readonly hardState: HardState;
  readonly snapshot?: Snapshot;
  /** The log after the snapshot (from index snapshot.index + 1, or 1). */
  readonly entries: readonly Entry<Op>[];
}

/** One durable change: the hard state, and/or the log from index `from` on. */
export interface StorageUpdate {
  readonly hardState?: HardState;
  /** Entries from this index on are replaced by `entries` (none: the log ends before `from`). */
  readonly from?: number;
  readonly entries?: readonly Entry<Op>[];
}

/** The persistence interface the runtime writes through. */
export interface Storage {
  /** Appends the update and makes it durable before returning. */
  save(update: StorageUpdate): void;
  /** Bytes appended since the files were last written whole (see `rewrite`). */
  readonly appendedBytes: number;
  /** Bytes of the last whole rewrite. */
  readonly rewrittenBytes: number;
  /** Replaces the files with the given state, atomically (used to drop what later records superseded). */
  rewrite(state: DurableState): void;
  /**
   * Makes a snapshot durable (atomically), then rewrites the log to start
   * after it with the given hard state and later entries.
   */
  saveSnapshot(snapshot: Snapshot, hardState: HardState, entriesAfter: readonly Entry<Op>[]): void;
}

/**
 * Files as the write-ahead log needs them. `append` may stay in a cache
 * until `sync`; `replace` writes a whole file atomically (a temporary file,
 * synced, then renamed over the old one, and the directory synced). A disk
 * may preallocate the files it appends to with zero bytes and leave them out
 * when it reads (src/runtime/file-disk.ts), so a file's content must not end
 * with a zero byte: a record ends with its JSON payload.
 */
export interface Disk {
  read(name: string): Uint8Array | undefined;
  append(name: string, data: Uint8Array): void;
  sync(name: string): void;
  truncate(name: string, size: number): void;
  replace(name: string, data: Uint8Array): void;
}

export class StorageCorruption extends Error {}

const WAL = 'raft.wal';
const SNAPSHOT = 'snapshot.bin';
const HEADER = 8;

// ---- CRC-32 (IEEE), table-driven -----------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- records -------------------------------------------------------------------

interface Payload {
  h?: [number, string | null];
  s?: [number, number];
  f?: number;
  e?: [number, Op][];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function record(p: Payload): Uint8Array {
  const body = encoder.encode(JSON.stringify(p));
  const out = new Uint8Array(HEADER + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, true);
  view.setUint32(4, crc32(body), true);
  out.set(body, HEADER);
  return out;
}

function payloadOf(u: StorageUpdate): Payload {
  const p: Payload = {};
  if (u.hardState) p.h = [u.hardState.term, u.hardState.votedFor];
  if (u.from !== undefined) {
    p.f = u.from;
    p.e = (u.entries ?? []).map((e) => [e.term, e.op]);
  }
  return p;
}

/** The log a write-ahead log describes: where it starts, and the entries after that. */
interface WalState {
  readonly hardState: HardState;
  readonly base: number;
  readonly baseTerm: number;
  readonly entries: Entry<Op>[];
}

/** Reads a write-ahead log: the state it holds, and where a torn tail starts (if any). */
export function readWal(data: Uint8Array): { state: WalState; tornAt?: number; records: number } {
  let term = 0;
  let votedFor: string | null = null;
  let base = 0;
  let baseTerm = 0;
  let entries: Entry<Op>[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  let records = 0;
  const result = (tornAt?: number) => ({ state: { hardState: { term, votedFor }, base, baseTerm, entries }, ...(tornAt !== undefined ? { tornAt } : {}), records });
  while (at < data.length) {
    if (data.length - at < HEADER) return result(at);
    const len = view.getUint32(at, true);
    const crc = view.getUint32(at + 4, true);
    const end = at + HEADER + len;
    if (end > data.length) return result(at);
    const body = data.subarray(at + HEADER, end);
    if (crc32(body) !== crc) {
      if (end === data.length) return result(at);
      throw new StorageCorruption(`${WAL}: record ${records + 1} at byte ${at} fails its checksum and is followed by ${data.length - end} more bytes: the file is damaged, not just cut short`);
    }
    let p: Payload;
    try {
      p = JSON.parse(decoder.decode(body)) as Payload;
    } catch {
      throw new StorageCorruption(`${WAL}: record ${records + 1} at byte ${at} has a valid checksum but is not JSON`);
    }
    if (p.h) {
      if (!Array.isArray(p.h) || !Number.isSafeInteger(p.h[0]) || (p.h[1] !== null && typeof p.h[1] !== 'string')) {
        throw new StorageCorruption(`${WAL}: record ${records + 1} has a malformed hard state`);
      }
      term = p.h[0];
      votedFor = p.h[1];
    }
    if (p.s) {
      if (!Array.isArray(p.s) || !Number.isSafeInteger(p.s[0]) || !Number.isSafeInteger(p.s[1])) {
        throw new StorageCorruption(`${WAL}: record ${records + 1} has a malformed log start`);
      }
      base = p.s[0];
      baseTerm = p.s[1];
      entries = [];
    }
    if (p.f !== undefined) {
      if (!Number.isSafeInteger(p.f) || p.f < base + 1 || p.f > base + entries.length + 1 || !Array.isArray(p.e)) {
        throw new StorageCorruption(`${WAL}: record ${records + 1} changes the log from index ${String(p.f)}, but the log holds ${base + 1}..${base + entries.length}`);
      }
      entries.length = p.f - base - 1;
      for (const e of p.e) entries.push({ term: e[0], op: e[1] });
    }
    records++;
    at = end;
  }
  return result();
}

/** Reads a snapshot file (written whole, so any damage is corruption). */
export function readSnapshot(data: Uint8Array): Snapshot {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < HEADER || HEADER + view.getUint32(0, true) !== data.length) {
    throw new StorageCorruption(`${SNAPSHOT}: ${data.length} bytes do not hold one whole record`);
  }
  const body = data.subarray(HEADER);
  if (crc32(body) !== view.getUint32(4, true)) throw new StorageCorruption(`${SNAPSHOT}: fails its checksum`);
  let p: { i?: unknown; t?: unknown; d?: unknown };
  try {
    p = JSON.parse(decoder.decode(body)) as typeof p;
  } catch {
    throw new StorageCorruption(`${SNAPSHOT}: not JSON`);
  }
  if (!Number.isSafeInteger(p.i) || !Number.isSafeInteger(p.t) || typeof p.d !== 'string') throw new StorageCorruption(`${SNAPSHOT}: malformed`);
  return { index: p.i as number, term: p.t as number, data: p.d };
}

/** The write-ahead log on a Disk. */
export class WalStorage implements Storage {
  private appended = 0;
  private whole = 0;

  private constructor(private readonly disk: Disk) {}

  /**
   * Opens the log on `disk`: returns the storage and what it held (undefined
   * when there was nothing yet). Cuts off a torn tail; throws
   * StorageCorruption if anything else does not read back.
   */
  static open(disk: Disk): { storage: WalStorage; recovered: DurableState | undefined; tornBytes: number } {
    const storage = new WalStorage(disk);
    const snapBytes = disk.read(SNAPSHOT);
    const snapshot = snapBytes !== undefined && snapBytes.length > 0 ? readSnapshot(snapBytes) : undefined;
    const data = disk.read(WAL);
    if ((data === undefined || data.length === 0) && !snapshot) return { storage, recovered: undefined, tornBytes: 0 };
    const { state, tornAt, records } = data ? readWal(data) : { state: { hardState: { term: 0, votedFor: null }, base: 0, baseTerm: 0, entries: [] as Entry<Op>[] }, records: 0 };
    let tornBytes = 0;
    if (data && tornAt !== undefined) {
      tornBytes = data.length - tornAt;
      disk.truncate(WAL, tornAt);
      disk.sync(WAL);
    }
    storage.appended = tornAt ?? data?.length ?? 0;
    if (records === 0 && !snapshot) return { storage, recovered: undefined, tornBytes };
    let entries = state.entries;
    if (snapshot) {
      if (state.base > snapshot.index) {
        throw new StorageCorruption(`${WAL} starts after index ${state.base}, past the snapshot at ${snapshot.index}: entries in between are lost`);
      }
      // The log as of before the snapshot was taken (a crash before the rewrite): drop what the snapshot covers.
      const skip = snapshot.index - state.base;
      if (skip > entries.length) {
        throw new StorageCorruption(`the snapshot covers up to ${snapshot.index}, but ${WAL} ends at ${state.base + entries.length}`);
      }
      if (skip > 0 && entries[skip - 1]!.term !== snapshot.term) {
        throw new StorageCorruption(`${WAL} holds an entry of term ${entries[skip - 1]!.term} at the snapshot index ${snapshot.index}, whose term is ${snapshot.term}`);
      }
      entries = entries.slice(skip);
    } else if (state.base > 0) {
      throw new StorageCorruption(`${WAL} starts after index ${state.base}, but there is no ${SNAPSHOT}`);
    }
    return { storage, recovered: { hardState: state.hardState, ...(snapshot ? { snapshot } : {}), entries }, tornBytes };
  }

  get appendedBytes(): number {
    return this.appended;
  }

  get rewrittenBytes(): number {
    return this.whole;
  }

  save(update: StorageUpdate): void {
    const r = record(payloadOf(update));
    this.disk.append(WAL, r);
    this.disk.sync(WAL);
    this.appended += r.length;
  }

  rewrite(state: DurableState): void {
    const base = state.snapshot?.index ?? 0;
    const r = record({
      h: [state.hardState.term, state.hardState.votedFor],
      s: [base, state.snapshot?.term ?? 0],
      f: base + 1,
      e: state.entries.map((e) => [e.term, e.op]),
    });
    this.disk.replace(WAL, r);
    this.appended = 0;
    this.whole = r.length;
  }

  saveSnapshot(snapshot: Snapshot, hardState: HardState, entriesAfter: readonly Entry<Op>[]): void {
    const body = encoder.encode(JSON.stringify({ i: snapshot.index, t: snapshot.term, d: snapshot.data }));
    const out = new Uint8Array(HEADER + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length, true);
    view.setUint32(4, crc32(body), true);
    out.set(body, HEADER);
    this.disk.replace(SNAPSHOT, out);
    this.rewrite({ hardState, snapshot, entries: entriesAfter });
  }
}

const META = 'node.json';

/** A node's storage, opened: what it held, and what recovery had to say. */
export interface OpenedStorage {
  readonly storage: Storage;
  readonly recovered: DurableState | undefined;
  /** Notes for the node's log (a torn tail cut off, say). */
  readonly notes: readonly string[];
}

/**
 * Opens the storage of node `nodeId` of cluster `nodeIds` on `disk`. The
 * first time, it records whose storage it is; afterwards it refuses to open
 * for another node or another cluster (StorageCorruption), so a data
 * directory cannot be mixed up between nodes or runs.
 */
export function openNodeStorage(disk: Disk, nodeId: string, nodeIds: readonly string[]): OpenedStorage {
  const meta = disk.read(META);
  const want = { node_id: nodeId, node_ids: [...nodeIds] };
  if (meta !== undefined) {
    let have: { node_id?: unknown; node_ids?: unknown };
    try {
      have = JSON.parse(decoder.decode(meta)) as typeof have;
    } catch {
      throw new StorageCorruption(`${META} is not valid JSON`);
    }
    if (have.node_id !== nodeId || JSON.stringify(have.node_ids) !== JSON.stringify(want.node_ids)) {
      throw new StorageCorruption(
        `this storage belongs to ${String(have.node_id)} of ${JSON.stringify(have.node_ids)}, not to ${nodeId} of ${JSON.stringify(want.node_ids)}`,
      );
    }
  }
  const { storage, recovered, tornBytes } = WalStorage.open(disk);
  if (meta === undefined) disk.replace(META, encoder.encode(`${JSON.stringify(want)}\n`));
  const notes: string[] = [];
  if (tornBytes > 0) notes.push(`cut off a torn tail of ${tornBytes} bytes (a write the crash interrupted; it was never acknowledged)`);
  return { storage, recovered, notes };
}
